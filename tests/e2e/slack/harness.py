"""Starting the real Slack adapter against FakeSlack on an injected clock, for e2e tests."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.adapters.slack import adapter as slack
from bot.app import App
from bot.config import OutboxSettings, Settings, SlackSettings
from storage.db import open_database
from tests.fakes.slack_api import FakeSlack
from tests.helpers import FakeClock, add_members

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
COUNCIL = "C0COUNCIL"
IDLE = 3600.0  # the sender's poll interval: longer than any test


class SimClock(FakeClock):
    """A FakeClock for a running sender: the idle poll parks until the sender is woken;
    any other wait (pacing, Retry-After) moves time on by whole seconds, at least one."""

    async def sleep(self, seconds: float) -> None:
        if seconds >= IDLE:
            await asyncio.Future()  # cancelled when the sender wakes or stops
        await super().sleep(max(1, math.ceil(seconds)))


@asynccontextmanager
async def running_slack(
    roster: str, users: dict[str, tuple[str, str]], **slack_settings: Any
) -> AsyncIterator[tuple[App, slack.SlackAdapter, FakeSlack, SimClock]]:
    """The app with `roster` imported and the Slack adapter started; `users` are Slack
    accounts in the workspace ({user id: (email, real name)})."""
    clock = SimClock()
    async with FakeSlack(TOKEN, clock=lambda: clock().timestamp(), channels=[COUNCIL]) as fake:
        options = {"council_channel": COUNCIL, "constituencies": (), **slack_settings}
        settings = Settings(
            slack=SlackSettings(
                enabled=True,
                bot_token=TOKEN,
                signing_secret=SECRET,
                api_url=fake.api_url,
                port=0,
                **options,
            ),
            outbox=OutboxSettings(poll_seconds=IDLE),
        )
        app = App(settings, clock=clock, db=open_database(), sleep=clock.sleep)
        add_members(app.ctx, roster)
        for user_id, (email, name) in users.items():
            fake.add_user(user_id, email, name)
        adapter = await slack.start(app, asyncio.Event())
        try:
            yield app, adapter, fake, clock
        finally:
            await adapter.stop()
            app.db.close()
