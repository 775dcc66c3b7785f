"""Staff on the roster are found in Slack at start-up, so a check-in reaches them first."""

from __future__ import annotations

from handlers.messages import Message, Recipient
from storage import members
from tests.e2e.slack.harness import running_slack

ROSTER = """member_id,name,email,constituency,slack_user_id
s1,Sam Okafor,sam@example.org,staff,
s2,Jo Evans,jo@example.org,staff,
s3,Alex Kim,,staff,U0ALEX001
t1,Pat Murphy,pat@example.org,tenant,
"""
USERS = {
    "U0SAM0001": ("Sam@Example.org", "Sam Okafor"),
    "U0ALEX001": ("alex@example.org", "Alex Kim"),
    "U0PAT0001": ("pat@example.org", "Pat Murphy"),  # a tenant: not looked up
}


async def test_staff_are_linked_by_email_or_id_before_they_write() -> None:
    async with running_slack(ROSTER, USERS, constituencies=("staff",)) as (app, adapter, fake, _):
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
        assert [m["member_id"] for m in members.unlinked(app.db, "slack", ("staff",))] == ["s2"]
