"""Staff on the roster are found in Slack at start-up, so a check-in reaches them first."""

from __future__ import annotations

import asyncio

from bot.adapters import slack
from bot.app import App
from bot.config import OutboxSettings, Settings, SlackSettings
from handlers.messages import Message, Recipient
from storage import members
from storage.db import open_database
from tests.e2e.test_slack_adapter import IDLE, SECRET, TOKEN, SimClock
from tests.fakes.slack_api import FakeSlack
from tests.helpers import add_members

ROSTER = """member_id,name,email,constituency,slack_user_id
s1,Sam Okafor,sam@example.org,staff,
s2,Jo Evans,jo@example.org,staff,
s3,Alex Kim,,staff,U0ALEX001
t1,Pat Murphy,pat@example.org,tenant,
"""


async def test_staff_are_linked_by_email_or_id_before_they_write() -> None:
    clock = SimClock()
    async with FakeSlack(TOKEN, clock=lambda: clock().timestamp()) as fake:
        fake.add_user("U0SAM0001", "Sam@Example.org", "Sam Okafor")
        fake.add_user("U0ALEX001", "alex@example.org", "Alex Kim")
        fake.add_user("U0PAT0001", "pat@example.org", "Pat Murphy")  # a tenant: not looked up
        settings = Settings(
            slack=SlackSettings(
                enabled=True, bot_token=TOKEN, signing_secret=SECRET, api_url=fake.api_url, port=0
            ),
            outbox=OutboxSettings(poll_seconds=IDLE),
        )
        app = App(settings, clock=clock, db=open_database(), sleep=clock.sleep)
        add_members(app.ctx, ROSTER)
        adapter = await slack.start(app, asyncio.Event())
        try:
            await adapter._linking
            linked = {row["member_id"]: row for row in app.db["identities"].rows}
            assert sorted(linked) == ["s1", "s3"]  # s2 is not in the workspace
            assert linked["s1"]["platform_user_id"] == "U0SAM0001"
            assert [c.params["email"] for c in fake.calls_to("users.lookupByEmail")] == [
                "sam@example.org",
                "jo@example.org",
            ]
            app.postman.post([Message(Recipient.of("s1"), "This week's check-in")])
            await fake.wait_for(lambda: fake.posted(fake.dm_channel("U0SAM0001")))
            assert members.unlinked(app.db, "slack", ("staff",))[0]["member_id"] == "s2"
        finally:
            await adapter.stop()
            app.db.close()
