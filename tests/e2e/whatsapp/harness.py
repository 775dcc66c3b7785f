"""The WhatsApp end-to-end harness: the real adapter (webhook server, Graph API client,
outbox sender) in an App, against FakeWhatsApp; time is a FakeClock shared by the outbox
and the fake's window and rate limits."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.whatsapp import adapter as whatsapp_adapter
from bot.adapters.whatsapp import templates as template_file
from bot.app import App
from bot.config import Settings, WhatsAppSettings
from handlers.members import invites
from handlers.messages import Event, Message, Option, reply
from handlers.router import Router
from storage import outbox
from tests.e2e.telegram.test_telegram_bot import MovingClock, Ticker, free_port
from tests.fakes.whatsapp_api import DISPLAY_NUMBER, FakeWhatsApp, Sent, Template
from tests.helpers import add_members

ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"t{n},Tenant {n},,tenant\n" for n in range(1, 7)
)
PHONE = {f"t{n}": f"4477009001{n:02d}" for n in range(1, 7)}
VERIFY = "verify-token-for-tests"
SCALE = [Option(str(n), "test.scale", str(n)) for n in range(11)]
ROOMS = [Option(f"Room {n} in the community centre", "test.room", str(n)) for n in range(6)]


def fake_templates() -> list[Template]:
    """The account's templates: the shipped file, approved as written."""
    return [
        Template(s.name, s.language, s.body, s.category, s.buttons) for s in template_file.load()
    ]


@dataclass
class Recorder:
    choices: list[tuple[str, str]] = field(default_factory=list)

    def register(self, router: Router) -> None:
        def record(ctx: object, event: Event) -> Message:
            self.choices.append((event.action, event.value))
            return reply(event, f"Recorded {event.value}.")

        router.command("scale")(
            lambda ctx, event: reply(event, "How likely, 0 to 10?", choices=SCALE)
        )
        router.command("rooms")(lambda ctx, event: reply(event, "Which room?", choices=ROOMS))
        router.action("test.scale")(record)
        router.action("test.room")(record)


@dataclass
class Running:
    fake: FakeWhatsApp
    app: App
    clock: MovingClock
    ticker: Ticker
    recorder: Recorder
    adapter: Any

    async def settled(self) -> None:
        await self.ticker.until(lambda: outbox.waiting(self.app.db, "whatsapp") == 0)

    async def say(self, member: str, text: str) -> Sent:
        """`text` from the member's phone; the bot's next message to them."""
        before = len(self.fake.sent_to(PHONE[member]))
        await self.fake.push_text(PHONE[member], text)
        await self.fake.wait_for(lambda: len(self.fake.sent_to(PHONE[member])) > before)
        return self.fake.sent_to(PHONE[member])[before]

    async def join(self, member: str) -> Sent:
        (invite,) = invites.issue(self.app.ctx, [member], "test")
        return await self.say(member, f"JOIN {invite.token}")

    def held(self, member: str) -> list[dict]:
        return [
            r
            for r in outbox.rows_for(self.app.db, "whatsapp")
            if r["chat_id"] == PHONE[member] and r["status"] == "pending"
        ]


@asynccontextmanager
async def running(tmp_path, **options: Any) -> AsyncIterator[Running]:
    clock = MovingClock()
    ticker = Ticker(clock)
    recorder = Recorder()
    port = free_port()
    fake = FakeWhatsApp(
        webhook_url=f"http://127.0.0.1:{port}/whatsapp/webhook",
        clock=lambda: clock.now.timestamp(),
        templates=fake_templates(),
        auto_status=False,
    )
    async with fake:
        settings = dataclasses.replace(
            Settings(),
            folder=tmp_path,
            whatsapp=WhatsAppSettings(
                enabled=True,
                phone_number_id=fake.phone_number_id,
                business_number=f"+{DISPLAY_NUMBER}",
                access_token=fake.token,
                app_secret=fake.app_secret,
                verify_token=VERIFY,
                api_url=fake.api_url,
                port=port,
                constituencies=("tenant",),
                **options,
            ),
        )
        app = App(settings, clock=clock, sleep=ticker.sleep)
        add_members(app.ctx, ROSTER)
        recorder.register(app.router)
        adapter = await whatsapp_adapter.start(app, asyncio.Event())
        try:
            yield Running(fake, app, clock, ticker, recorder, adapter)
        finally:
            await adapter.stop()
            app.db.close()


def assert_kept_the_rules(bot: Running) -> None:
    assert bot.fake.window_violations == 0
    assert bot.fake.interactive_violations == 0
    assert [error.code for _, error in bot.fake.refused] == []
