"""The SMS end-to-end harness: the real adapter (webhook server, the `twilio` client,
outbox sender) in an App, against FakeTwilio; time is a clock shared by the outbox and
the fake's rate limit. Members are linked to their numbers directly, as the roster's
phone column will link them."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.adapters.sms import adapter as sms_adapter
from bot.app import App
from bot.config import Settings, SmsSettings
from handlers.members import page_links
from storage import members, outbox
from tests.e2e.telegram.test_telegram_bot import MovingClock, Ticker, free_port
from tests.fakes.twilio_api import FakeTwilio, Sent
from tests.helpers import add_members

ROSTER = "member_id,name,email,constituency,language\n" + "".join(
    f"t{n},Tenant {n},,tenant,{'cy' if n == 6 else 'en'}\n" for n in range(1, 7)
)
PHONE = {f"t{n}": f"+4477009001{n:02d}" for n in range(1, 7)}
LINK = "https://mv.example/m/TOKEN"


@dataclass
class Running:
    fake: FakeTwilio
    app: App
    clock: MovingClock
    ticker: Ticker
    adapter: Any
    links: list[tuple[str, str]]

    async def settled(self) -> None:
        await self.ticker.until(lambda: outbox.waiting(self.app.db, "sms") == 0)

    async def say(self, member: str, text: str) -> Sent:
        """`text` from the member's phone; the bot's next text to them."""
        before = len(self.fake.sent_to(PHONE[member]))
        _, status = await self.fake.push_text(PHONE[member], text)
        assert status == 200
        await self.fake.wait_for(lambda: len(self.fake.sent_to(PHONE[member])) > before)
        return self.fake.sent_to(PHONE[member])[before]

    def link(self, member: str) -> None:
        members.link_identity(
            self.app.db, "sms", PHONE[member], PHONE[member], member, self.clock.now
        )


@asynccontextmanager
async def running(tmp_path, monkeypatch, **options: Any) -> AsyncIterator[Running]:
    clock = MovingClock()
    ticker = Ticker(clock)
    port = free_port()
    links: list[tuple[str, str]] = []

    def page_link(ctx: object, member_id: str, flow: str) -> str:
        links.append((member_id, flow))
        return LINK

    monkeypatch.setattr(page_links, "page_link", page_link)
    fake = FakeTwilio(
        webhook_url=f"http://127.0.0.1:{port}/sms/inbound",
        clock=lambda: clock.now.timestamp(),
    )
    async with fake:
        settings = dataclasses.replace(
            Settings(),
            folder=tmp_path,
            sms=SmsSettings(
                enabled=True,
                account_sid=fake.account_sid,
                auth_token=fake.auth_token,
                from_number=fake.from_number,
                api_url=fake.api_url,
                port=port,
                **options,
            ),
        )
        app = App(settings, clock=clock, sleep=ticker.sleep)
        add_members(app.ctx, ROSTER)
        adapter = await sms_adapter.start(app, asyncio.Event())
        try:
            yield Running(fake, app, clock, ticker, adapter, links)
        finally:
            await adapter.stop()
            app.db.close()
