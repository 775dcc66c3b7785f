"""A fake Twilio Messaging API for end-to-end tests.

``FakeTwilio`` listens on 127.0.0.1 (random port) and answers what the `twilio` library
calls to send a text: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP
basic auth (the account SID and auth token) and a form-encoded body (``To``, ``From`` or
``MessagingServiceSid``, ``Body``, ``StatusCallback``). It answers 201 with the message's
JSON (``sid``, ``status``, ``num_segments``...) or Twilio's error JSON (``code``,
``message``, ``more_info``, ``status``): 20003 for bad credentials, 21211 for a number
that is not a valid phone number, 21610 to a number that sent STOP, 21602/21617 for an
empty or over-long body, and 20429 with HTTP 429 when more than ``burst`` requests come in
one second of its clock.

It plays the members' phones too: ``push_text`` POSTs an inbound message to the bot's
webhook as Twilio does (form fields ``MessageSid``, ``AccountSid``, ``From``, ``To``,
``Body``, ``NumSegments``...), signed with ``X-Twilio-Signature``: the URL with every
parameter's name and value appended in name order, HMAC-SHA1 under the auth token, in
base64 (written here from Twilio's documentation, not with the library's validator, so
that the bot's check is tested against the algorithm). STOP and its synonyms opt the
number out as Twilio's default opt-out handling does (later sends get 21610) and START
opts it back in. Each accepted text gets ``sent`` and ``delivered`` (or ``undelivered``
with an ``ErrorCode`` for numbers in ``undeliverable``) status callbacks, signed, when
``auto_status`` is on. Segments are counted here independently of the bot.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["FakeTwilio", "Sent", "signature", "segments_of"]

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
FROM_NUMBER = "+447700900999"
BODY_MAX = 1600
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES"}
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXT = set("\f^{}\\[~]|€")


def segments_of(body: str) -> int:
    """Parts of a text as a carrier splits it (GSM-7 160/153, else UCS-2 70/67)."""
    if all(c in _GSM or c in _GSM_EXT for c in body):
        units = [2 if c in _GSM_EXT else 1 for c in body]
        single, part = 160, 153
    else:
        units = [2 if ord(c) > 0xFFFF else 1 for c in body]
        single, part = 70, 67
    if sum(units) <= single:
        return 1
    count, room = 1, part
    for unit in units:
        if unit > room:
            count, room = count + 1, part
        room -= unit
    return count


def signature(url: str, params: dict[str, str], auth_token: str) -> str:
    """X-Twilio-Signature for a POST of form `params` to `url`."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Sent:
    """One accepted text."""

    sid: str
    to: str
    sender: str
    body: str
    segments: int
    status_callback: str
    time: float


class TwilioError(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


class FakeTwilio:
    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        from_number: str = FROM_NUMBER,
        webhook_url: str = "",
        clock: Callable[[], float] | None = None,
        burst: int = 100,
        auto_status: bool = True,
    ) -> None:
        self.account_sid, self.auth_token, self.from_number = account_sid, auth_token, from_number
        self.webhook_url = webhook_url
        self.clock = clock or time.monotonic
        self.burst, self.auto_status = burst, auto_status
        self.sent: list[Sent] = []
        self.refused: list[tuple[str, int]] = []  # (to, code)
        self.stopped: set[str] = set()
        self.undeliverable: dict[str, int] = {}  # number -> ErrorCode of its status callback
        self.callbacks: list[tuple[str, int]] = []  # (MessageStatus, the bot's HTTP answer)
        self.requests = 0
        self._recent: deque[float] = deque()
        self._fail_next: list[TwilioError] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._changed: asyncio.Condition | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeTwilio:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()
        self._changed = asyncio.Condition()
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTwilio:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test controls

    def fail_next(self, code: int, message: str, status: int = 400) -> None:
        self._fail_next.append(TwilioError(code, message, status))

    def sent_to(self, number: str) -> list[Sent]:
        return [s for s in self.sent if s.to == number]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy, re-checked after every call the fake answers."""
        assert self._changed is not None
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ the Messages API

    async def _messages(self, request: web.Request) -> web.Response:
        self.requests += 1
        form = {k: str(v) for k, v in (await request.post()).items()}
        to = form.get("To", "")
        try:
            self._check(request, form)
            sent = self._accept(form)
        except TwilioError as error:
            self.refused.append((to, error.code))
            await self._notify()
            return web.json_response(error.body(), status=error.status)
        self.sent.append(sent)
        if self.auto_status and sent.status_callback:
            task = asyncio.create_task(self._statuses(sent))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await self._notify()
        return web.json_response(self._resource(sent), status=201)

    def _check(self, request: web.Request, form: dict[str, str]) -> None:
        auth = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.match_info["sid"] != self.account_sid or auth != f"Basic {expected}":
            raise TwilioError(20003, "Authenticate", 401)
        now = self.clock()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.burst:
            raise TwilioError(20429, "Too Many Requests", 429)
        self._recent.append(now)
        if self._fail_next:
            raise self._fail_next.pop(0)
        to, body = form.get("To", ""), form.get("Body", "")
        if ("From" in form) == ("MessagingServiceSid" in form):
            raise TwilioError(21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if "From" in form and form["From"] != self.from_number:
            raise TwilioError(21606, "The From phone number is not a valid message-capable number")
        if not E164.match(to):
            raise TwilioError(21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.stopped:
            raise TwilioError(21610, "Attempt to send to unsubscribed recipient")
        if not body:
            raise TwilioError(21602, "Message body is required.")
        if len(body) > BODY_MAX:
            raise TwilioError(
                21617, "The concatenated message body exceeds the 1600 character limit."
            )

    def _accept(self, form: dict[str, str]) -> Sent:
        return Sent(
            sid=f"SM{next(self._ids):032x}",
            to=form["To"],
            sender=form.get("From") or form["MessagingServiceSid"],
            body=form["Body"],
            segments=segments_of(form["Body"]),
            status_callback=form.get("StatusCallback", ""),
            time=self.clock(),
        )

    def _resource(self, sent: Sent) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": sent.body,
            "date_created": "Sun, 06 Dec 2026 10:00:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sent.sender if sent.sender.startswith("+") else None,
            "messaging_service_sid": None if sent.sender.startswith("+") else sent.sender,
            "num_media": "0",
            "num_segments": str(sent.segments),
            "price": None,
            "price_unit": "USD",
            "sid": sent.sid,
            "status": "queued",
            "to": sent.to,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sent.sid}.json",
        }

    async def _statuses(self, sent: Sent) -> None:
        code = self.undeliverable.get(sent.to)
        try:
            await self.push_status(sent, "sent")
            await self.push_status(sent, "undelivered" if code else "delivered", code)
        except aiohttp.ClientError:  # the bot stopped meanwhile: Twilio would retry, we needn't
            pass

    async def push_status(self, sent: Sent, status: str, code: int = 0) -> int:
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": self.from_number,
            "MessageSid": sent.sid,
            "MessageStatus": status,
            "SmsSid": sent.sid,
            "SmsStatus": status,
            "To": sent.to,
        }
        if code:
            params["ErrorCode"] = str(code)
        answer = await self.post(sent.status_callback, params)
        self.callbacks.append((status, answer))
        await self._notify()
        return answer

    # ------------------------------------------------------------------ the members' phones

    def inbound(self, number: str, body: str) -> dict[str, str]:
        sid = f"SM{next(self._ids):032x}"
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": number,
            "FromCountry": "GB",
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(segments_of(body)),
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": self.from_number,
            "ToCountry": "GB",
        }

    async def push_text(self, number: str, body: str) -> tuple[dict[str, str], int]:
        """The member texts `body`; Twilio's own opt-out handling sees it first."""
        word = body.strip().upper()
        if word in STOP_WORDS:
            self.stopped.add(number)
        elif word in START_WORDS:
            self.stopped.discard(number)
        params = self.inbound(number, body)
        return params, await self.post(self.webhook_url, params)

    def signature_for(self, url: str, params: dict[str, str]) -> str:
        return signature(url, params, self.auth_token)

    async def post_raw(self, url: str, params: dict[str, str], header: str) -> int:
        """POST `params` with this X-Twilio-Signature header, whatever it was made for."""
        assert self._session is not None
        headers = {"X-Twilio-Signature": header}
        async with self._session.post(url, data=params, headers=headers) as answer:
            await answer.read()
            return answer.status

    async def post(self, url: str, params: dict[str, str], signed_with: str | None = None) -> int:
        """POST `params` to the bot at `url`, signed (with `signed_with` instead of the auth
        token, to forge; "" for no signature header); the bot's HTTP status."""
        headers = {"User-Agent": "TwilioProxy/1.1"}
        token = self.auth_token if signed_with is None else signed_with
        if token:
            headers["X-Twilio-Signature"] = signature(url, params, token)
        assert self._session is not None
        async with self._session.post(url, data=params, headers=headers) as answer:
            await answer.read()
            return answer.status
