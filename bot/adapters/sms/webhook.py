"""Twilio's webhooks on aiohttp: members' texts at `sms.path`, status callbacks below it.

Every request must carry `X-Twilio-Signature`, made over the address Twilio was given
(`sms.webhook_url`, with the query of a status callback) and the form's fields; the
library's `RequestValidator` checks it. A forged or unsigned request is refused with 403
before anything in it is acted on, so it changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
STATUS = "/status"
MAX_BODY = 64 * 1024
# An empty TwiML answer: the bot replies through the outbox, never in the HTTP answer.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

Receive = Callable[[dict[str, str]], Awaitable[None]]
ReceiveStatus = Callable[[dict[str, str], dict[str, str]], Awaitable[None]]


class Webhook:
    def __init__(
        self,
        url: str,
        path: str,
        listen: str,
        port: int,
        auth_token: str,
        receive: Receive,
        status: ReceiveStatus,
    ) -> None:
        self.url, self.path, self.listen, self.port = url, path, listen, port
        self.validator = RequestValidator(auth_token)
        self.receive, self.status = receive, status
        self._runner: web.AppRunner | None = None

    @property
    def status_url(self) -> str:
        return self.url + STATUS

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_post(self.path, self.inbound)
        server.router.add_post(self.path.rstrip("/") + STATUS, self.callback)
        self._runner = web.AppRunner(server, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _signed(self, request: web.Request, url: str) -> dict[str, str] | None:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        form = {k: str(v) for k, v in (await request.post()).items()}
        if signature and self.validator.validate(url, form, signature):
            return form
        log.warning("sms: refused a webhook request without a valid Twilio signature")
        return None

    async def inbound(self, request: web.Request) -> web.Response:
        form = await self._signed(request, self.url)
        if form is None:
            return web.Response(status=403)
        await self.receive(form)
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    async def callback(self, request: web.Request) -> web.Response:
        query = request.query_string
        form = await self._signed(request, self.status_url + (f"?{query}" if query else ""))
        if form is None:
            return web.Response(status=403)
        await self.status(form, dict(request.query))
        return web.Response(status=204)
