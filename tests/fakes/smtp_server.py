"""A fake SMTP relay for end-to-end tests: aiosmtpd on 127.0.0.1, on the test's loop.

``FakeSMTP(security=...)`` listens on a random port and takes mail as a relay would:

- ``security="starttls"`` offers STARTTLS and refuses MAIL before it (530), ``"tls"``
  speaks TLS from the first byte, ``"none"`` plain text. The certificate is made at test
  time by ``TestTLS`` (trustme: a throwaway CA and a certificate for 127.0.0.1), nothing
  downloaded; write the CA with ``TestTLS.ca_file`` for the client to trust.
- With ``username``/``password`` it requires AUTH (PLAIN or LOGIN) before MAIL (530),
  and refuses other credentials (535).
- Scripted answers: ``answer(address, "450 4.2.1 Mailbox busy", "250 OK")`` makes the
  next RCPT TO that address get each line in turn (then the usual 250); ``always(address,
  "550 5.1.1 No such user")`` refuses it every time; ``refuse_data(address, "554 5.7.1
  Refused as spam")`` takes the recipient but refuses the message after DATA. ``down()``
  answers every connection with 421 until ``up()``.

Each accepted e-mail is kept as a ``Received``: the envelope, the raw bytes, the message
parsed by the standard library, and whether it came over TLS and signed in.
"""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

__all__ = ["FakeSMTP", "Received", "TestTLS"]


class TestTLS:
    """A throwaway certificate authority and a server certificate for 127.0.0.1."""

    def __init__(self) -> None:
        self.ca = trustme.CA()
        self.server = self.ca.issue_cert("127.0.0.1", "localhost")

    def ca_file(self, folder: Path) -> Path:
        path = folder / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server.configure_cert(context)
        return context


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes
    tls: bool
    authenticated: bool
    at: datetime | None  # by the fake's clock, if it was given one

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def part(self, subtype: str) -> str:
        """The decoded text of the text/`subtype` part ("plain" or "html")."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_subtype() == subtype, subtype
        return body.get_content().replace("\r\n", "\n")


@dataclass
class _Handler:
    fake: FakeSMTP

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        scripted = self.fake.scripts.get(address.lower())
        if scripted:
            answer = scripted.popleft()
            if not answer.startswith("2"):
                self.fake.refused.append((address, answer))
                return answer
        if address.lower() in self.fake.refusing:
            answer = self.fake.refusing[address.lower()]
            self.fake.refused.append((address, answer))
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        for address in envelope.rcpt_tos:
            if address.lower() in self.fake.refusing_data:
                answer = self.fake.refusing_data[address.lower()]
                self.fake.refused.append((address, answer))
                return answer
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.fake.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or envelope.content),
                tls,
                bool(session.authenticated),
                self.fake.clock() if self.fake.clock else None,
            )
        )
        self.fake.arrived.set()
        return "250 2.0.0 OK: queued"


class _Server(SMTP):
    def __init__(self, fake: FakeSMTP, **options: Any) -> None:
        super().__init__(_Handler(fake), **options)
        self.fake = fake

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self._original_transport is None and self.transport is None
        super().connection_made(transport)
        if first:
            self.fake.connections += 1

    async def _handle_client(self) -> None:
        if self.fake.closing and self.transport is not None:
            await self.push("421 4.3.2 Service not available, closing channel")
            self.transport.close()
            return
        await super()._handle_client()


@dataclass
class FakeSMTP:
    security: str = "starttls"  # "starttls", "tls" or "none"
    username: str = ""
    password: str = ""
    tls: TestTLS | None = None
    clock: Callable[[], datetime] | None = None
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    connections: int = 0
    logins: int = 0
    closing: bool = False
    scripts: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    refusing: dict[str, str] = field(default_factory=dict)
    refusing_data: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.security != "none" and self.tls is None:
            self.tls = TestTLS()
        self.arrived = asyncio.Event()
        self._server: asyncio.base_events.Server | None = None

    def answer(self, address: str, *answers: str) -> None:
        self.scripts[address.lower()].extend(answers)

    def always(self, address: str, answer: str) -> None:
        self.refusing[address.lower()] = answer

    def refuse_data(self, address: str, answer: str) -> None:
        self.refusing_data[address.lower()] = answer

    def down(self) -> None:
        self.closing = True

    def up(self) -> None:
        self.closing = False

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def _authenticate(
        self, server: SMTP, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        if ok:
            self.logins += 1
        return AuthResult(success=ok, handled=False)

    def _protocol(self) -> SMTP:
        assert self.security in ("starttls", "tls", "none"), self.security
        options: dict[str, Any] = {"hostname": "relay.test", "enable_SMTPUTF8": True}
        if self.security == "starttls":
            assert self.tls is not None
            options |= {"tls_context": self.tls.server_context(), "require_starttls": True}
        if self.username:
            options |= {
                "authenticator": self._authenticate,
                "auth_required": True,
                # With implicit TLS aiosmtpd does not know the session is encrypted.
                "auth_require_tls": self.security == "starttls",
            }
        with warnings.catch_warnings():  # AUTH without STARTTLS: over implicit TLS, or a test's
            warnings.simplefilter("ignore")
            return _Server(self, **options)

    async def __aenter__(self) -> FakeSMTP:
        context = None
        if self.security == "tls":
            assert self.tls is not None
            context = self.tls.server_context()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self.host, self.port, ssl=context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
