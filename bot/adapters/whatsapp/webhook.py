"""Meta's webhook on aiohttp: the subscription handshake and signed event deliveries.

GET answers Meta's handshake (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`)
only with the configured verify token. Every POST must carry `X-Hub-Signature-256`, the
HMAC-SHA256 of its exact body under the app secret; anything else is refused with 403
before its body is read as JSON, so a forged request has no effect at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY = 1024 * 1024


def signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signed(body: bytes, header: str, app_secret: str) -> bool:
    return bool(header) and hmac.compare_digest(
        header.encode(), signature(body, app_secret).encode()
    )


def changes(payload: Any) -> Iterator[dict[str, Any]]:
    """The `value` of each change about messages in a webhook payload."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            if change.get("field") == "messages" and isinstance(change.get("value"), dict):
                yield change["value"]


class Webhook:
    def __init__(
        self,
        path: str,
        listen: str,
        port: int,
        app_secret: str,
        verify_token: str,
        receive: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        self.path, self.listen, self.port = path, listen, port
        self.app_secret, self.verify_token, self.receive = app_secret, verify_token, receive
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_get(self.path, self.handshake)
        server.router.add_post(self.path, self.deliver)
        self._runner = web.AppRunner(server, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        if self.port == 0:  # tests ask for any free port
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def handshake(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), self.verify_token.encode()
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        log.warning("whatsapp: refused a webhook handshake without the verify token")
        return web.Response(status=403)

    async def deliver(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not signed(body, request.headers.get(SIGNATURE_HEADER, ""), self.app_secret):
            log.warning("whatsapp: refused a webhook request without a valid signature")
            return web.Response(status=403)
        try:
            payload = json.loads(body)
        except ValueError:
            return web.Response(status=400)
        await self.receive(payload)
        return web.Response()
