"""Sending one text with the official `twilio` library, on the shared event loop.

The client's address is `sms.api_url` (Twilio's own by default; a fake in tests). Its
logger is kept at WARNING: at INFO it logs every request's address, which names the
account, and the bot has its own progress lines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.config import SmsSettings

__all__ = ["Sent", "Texts", "TwilioRestException"]

TIMEOUT = 30.0
logging.getLogger("twilio").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Sent:
    sid: str
    segments: int


class Texts:
    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None

    def _twilio(self) -> Client:
        if self._client is None:  # made on the loop: its aiohttp session belongs there
            self._http = AsyncTwilioHttpClient(timeout=TIMEOUT)
            self._client = Client(
                self.settings.account_sid, self.settings.auth_token, http_client=self._http
            )
            self._client.api.base_url = self.settings.api_url.rstrip("/")
        return self._client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._http = self._client = None

    async def send(self, to: str, body: str, status_callback: str = "") -> Sent:
        """Send `body` to `to`; Twilio posts the text's fate to `status_callback`."""
        s = self.settings
        sender = (
            {"from_": s.from_number}
            if s.from_number
            else {"messaging_service_sid": s.messaging_service_sid}
        )
        callback = {"status_callback": status_callback} if status_callback else {}
        message = await self._twilio().messages.create_async(to=to, body=body, **sender, **callback)
        return Sent(str(message.sid), int(message.num_segments or 1))
