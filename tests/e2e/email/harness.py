"""The e-mail end-to-end harness: the real adapter (outbox sender, aiosmtplib client) in an
App, against FakeSMTP on 127.0.0.1; time is a MovingClock the outbox sleeps on, and the
member's page link is a stand-in (the member's page is built apart)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.adapters.email import adapter as email_adapter
from bot.app import App
from bot.config import EmailSettings, Settings, WebSettings
from handlers.messages import Message
from storage import members, outbox
from tests.e2e.telegram.test_telegram_bot import MovingClock, Ticker
from tests.fakes.smtp_server import FakeSMTP, Received, TestTLS
from tests.helpers import add_members

ADDRESS = {"e1": "pat@homes.example", "e2": "lee@homes.example", "e3": "sam@homes.example"}
ROSTER = (
    "member_id,name,email,constituency,language\n"
    "e1,Pat Murphy,pat@homes.example,tenant,\n"
    "e2,Lee Chen,lee@homes.example,tenant,\n"
    "e3,Siân Llŷr,sam@homes.example,tenant,cy\n"
)
FROM = "voice@riverside.example"
REPLY_TO = "office@riverside.example"
PUBLIC = "https://voice.riverside.example"
USERNAME, PASSWORD = "relay-user", "relay-password-for-tests"


def page_link(ctx: object, member_id: str, flow: str) -> str:
    """Stands in for handlers.members.page_links.page_link."""
    return f"https://voice.riverside.example/m/TOKEN-{member_id}-{flow.replace(':', '-')}"


@dataclass
class Running:
    fake: FakeSMTP
    app: App
    clock: MovingClock
    ticker: Ticker
    adapter: Any

    def post(self, *messages: Message) -> None:
        report = self.app.postman.post(list(messages))
        assert not report.not_joined, report

    async def sent(self, predicate: Callable[[], Any] | None = None) -> None:
        """Wait until nothing is waiting to be sent (or `predicate` holds)."""
        db = self.app.db
        await self.ticker.until(predicate or (lambda: outbox.waiting(db, "email") == 0))

    def rows(self) -> list[dict]:
        return outbox.rows_for(self.app.db, "email")

    def to(self, member: str) -> list[Received]:
        return self.fake.to(ADDRESS[member])


def settings_for(fake: FakeSMTP, folder: Path, ca_file: str, **email: Any) -> Settings:
    return dataclasses.replace(
        Settings(),
        folder=folder,
        email=EmailSettings(
            **{
                "enabled": True,
                "smtp_host": fake.host,
                "smtp_port": fake.port,
                "security": fake.security,
                "username": fake.username,
                "password": fake.password,
                "from_address": FROM,
                "reply_to": REPLY_TO,
                "ca_file": ca_file,
                **email,
            }
        ),
        web=WebSettings(enabled=True, public_url=PUBLIC),
    )


@asynccontextmanager
async def running(
    tmp_path: Path, tls: TestTLS | None, security: str = "starttls", **email: Any
) -> AsyncIterator[Running]:
    clock = MovingClock()
    ticker = Ticker(clock)
    credentials = (USERNAME, PASSWORD) if security != "none" else ("", "")
    async with FakeSMTP(security, *credentials, tls=tls, clock=clock) as fake:
        ca_file = email.pop("ca_file", str(tls.ca_file(tmp_path)) if tls else "")
        app = App(settings_for(fake, tmp_path, ca_file, **email), clock=clock, sleep=ticker.sleep)
        add_members(app.ctx, ROSTER)
        for member, address in ADDRESS.items():
            members.link_identity(app.db, "email", address, address, member, clock())
        adapter = await email_adapter.start(app, asyncio.Event())
        try:
            yield Running(fake, app, clock, ticker, adapter)
        finally:
            await adapter.stop()
            app.db.close()
