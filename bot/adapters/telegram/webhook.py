"""Receiving Telegram updates by webhook on aiohttp, which the bot already depends on.

PTB's own webhook server needs tornado; this one is a single route that checks the
secret Telegram sends with every request and hands the update to PTB's queue.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Webhook:
    """Serves `path` of `url` on listen:port (a reverse proxy forwards Telegram's HTTPS to it)."""

    def __init__(self, application: Application, url: str, secret: str, listen: str, port: int):
        if not secret:
            raise ValueError("telegram webhook mode needs telegram.webhook_secret")
        self.application, self.url, self.secret = application, url, secret
        self.listen, self.port = listen, port
        self.path = urlsplit(url).path or "/"
        self._runner: web.AppRunner | None = None

    async def start(self, allowed_updates: list[str]) -> None:
        server = web.Application()
        server.router.add_post(self.path, self.receive)
        self._runner = web.AppRunner(server, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        # Only now that we listen may Telegram start sending.
        await self.application.bot.set_webhook(
            self.url, allowed_updates=allowed_updates, secret_token=self.secret
        )

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning(
                "refused a webhook request without the right secret from %s", request.remote
            )
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        await self.application.update_queue.put(update)
        return web.Response()

    async def stop(self) -> None:
        # The webhook stays registered: Telegram keeps updates for us until we are back.
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
