"""One SMTP connection to the relay, reused for a batch and closed when idle.

aiosmtplib runs one mail transaction at a time on a connection; sends are queued on a
lock, so a batch goes down one connection, signed in once. A connection the relay has
dropped (servers close idle ones) is replaced before the next send; one left idle for
`IDLE` seconds is closed with QUIT, politely, rather than left for the relay to drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from email.message import EmailMessage

import aiosmtplib

from bot.config import EmailSettings

TIMEOUT = 30.0  # seconds for any one SMTP step: a stuck relay must not hold the sender
IDLE = 30.0


class Relay:
    def __init__(self, settings: EmailSettings, ca_file: str = "") -> None:
        self.settings = settings
        self.tls_context = (
            ssl.create_default_context(cafile=ca_file or None)
            if settings.security != "none"
            else None
        )
        self.connections = 0  # how many times it connected (and signed in)
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self._idle: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task[None] | None = None

    async def send(self, mail: EmailMessage, sender: str, recipient: str) -> None:
        """Hand one e-mail to the relay; raises aiosmtplib's errors (or OSError) as they come.
        A failure that leaves the connection in doubt closes it, so the next send starts
        afresh."""
        async with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            client = await self._connected()
            try:
                await client.send_message(mail, sender=sender, recipients=[recipient])
            except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException):
                raise  # the relay answered; aiosmtplib has reset the envelope
            except BaseException:
                await self._drop()
                raise
            finally:
                if self._client is not None:
                    self._idle = asyncio.get_running_loop().call_later(IDLE, self._close_soon)

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        await self._drop()
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.port,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",  # and refuse a relay that does not offer it
            tls_context=self.tls_context,
            # Said in EHLO: the sending domain (the machine's own name may not resolve).
            local_hostname=s.from_address.rpartition("@")[2] or None,
            timeout=TIMEOUT,
        )
        try:
            await client.connect()
            if s.username:
                await client.login(s.username, s.password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.close()
            raise
        self._client = client
        self.connections += 1
        return client

    def _close_soon(self) -> None:
        self._idle = None
        self._closing = asyncio.get_running_loop().create_task(self.close())

    async def close(self) -> None:
        """QUIT and close the connection, if one is open."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        async with self._lock:
            client, self._client = self._client, None
            if client is not None and client.is_connected:
                try:
                    await asyncio.wait_for(client.quit(), TIMEOUT)
                except (aiosmtplib.SMTPException, OSError, TimeoutError):
                    client.close()

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
