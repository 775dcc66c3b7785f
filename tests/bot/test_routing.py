"""Each message goes by the member's preferred reachable channel, and on by the next one
when a channel fails for good (issue 27)."""

import pytest

from bot.outbox import Outcome, Pace, Sender
from bot.postman import Postman
from handlers.members.routing import choose
from handlers.messages import Message, Recipient
from handlers.settings import Routing
from storage import members, outbox
from tests.bot.test_outbox import Recorder
from tests.helpers import add_members, link

BOTH = Routing(enabled=("sms", "email"))


def identity(platform, linked="2026-11-01", unreachable=None):
    return {
        "platform": platform,
        "chat_id": f"{platform}-chat",
        "linked_at": linked,
        "unreachable_at": unreachable,
    }


@pytest.mark.parametrize(
    ("platforms", "prefers", "routing", "chosen"),
    [
        # a chat app before SMS and e-mail, the most recently linked of them as before
        (["sms", "telegram", "email", "slack"], None, BOTH, "slack"),
        (["slack", "telegram"], "", BOTH, "telegram"),
        # the member's own preference, when reachable and switched on
        (["telegram", "sms"], "sms", BOTH, "sms"),
        (["telegram", "sms"], "sms", Routing(enabled=("email",)), "telegram"),
        (["telegram", "email"], "sms", BOTH, "telegram"),
        (["sms", "email"], "email", BOTH, "email"),
        # no chat app: the organisation's order
        (["email", "sms"], None, BOTH, "sms"),
        (
            ["email", "sms"],
            "auto",
            Routing(fallback=("email", "sms"), enabled=BOTH.enabled),
            "email",
        ),
        (["email", "sms"], None, Routing(fallback=("email",), enabled=BOTH.enabled), "email"),
        (["sms"], None, Routing(fallback=("email",), enabled=BOTH.enabled), None),
        # a channel switched off reaches no one
        (["sms", "email"], None, Routing(enabled=("email",)), "email"),
        (["sms", "email"], None, Routing(), None),
        ([], "sms", BOTH, None),
    ],
)
def test_the_routing_rule(platforms, prefers, routing, chosen):
    identities = [identity(p, f"2026-11-0{n + 1}") for n, p in enumerate(platforms)]
    found = choose(identities, prefers, routing)
    assert (found and found["platform"]) == chosen


def test_unreachable_identities_are_passed_over():
    identities = [identity("telegram", unreachable="2026-11-20"), identity("sms")]
    assert choose(identities, "telegram", BOTH)["platform"] == "sms"
    assert choose(identities[:1], None, BOTH) is None


ROSTER = """member_id,name,email,constituency,phone,prefers
t1,Pat Murphy,pat@example.org,tenant,07700 900123,
t2,Lee Chen,lee@example.org,tenant,07700 900456,email
t3,Ann Novak,,tenant,07700 900789,
"""


@pytest.fixture
def routed(ctx):
    ctx.policy = type(ctx.policy)(routing=BOTH)
    add_members(ctx, ROSTER)
    link(ctx, "t1", user_id="tg1")
    link(ctx, "t2", user_id="tg2")
    return ctx


def posted(ctx):
    return {
        (row["member_id"], row["platform"], row["chat_id"], row["routed"])
        for row in ctx.db.query("select * from outbox")
    }


def test_the_postman_routes_by_member_and_answers_where_they_wrote(routed, clock):
    postman = Postman(routed.db, clock, None, "Europe/London", routing=BOTH)
    report = postman.post(
        [Message(to=Recipient.of(m), text="A vote opens", key=f"n:{m}") for m in ("t1", "t2", "t3")]
    )
    assert report.queued == 3
    assert posted(routed) == {
        ("t1", "telegram", "tg1", 1),
        ("t2", "email", "lee@example.org", 1),
        ("t3", "sms", "+447700900789", 1),
    }
    reply = Message(to=Recipient("t2", "telegram", "tg2"), text="Thanks", key="r:t2")
    postman.post([reply])
    assert ("t2", "telegram", "tg2", 0) in posted(routed)
    # With SMS and e-mail switched off, the member with neither chat app waits for a letter.
    off = Postman(routed.db, clock, None, "Europe/London")
    assert off.post([Message(to=Recipient.of("t3"), text="x", key="x:t3")]).not_joined == ["t3"]


def sender(ctx, platform, deliver, clock, postman):
    pace = Pace(rate_per_second=1000, per_chat_seconds=0, concurrency=1)
    return Sender(
        ctx.db, platform, deliver, clock, pace, sleep=clock.sleep, reroute=postman.reroute
    )


async def test_a_channel_that_fails_for_good_hands_its_messages_to_the_next_once(routed, clock):
    woken = []
    postman = Postman(routed.db, clock, None, "Europe/London", woken.append, BOTH)
    notices = [
        Message(to=Recipient.of("t1"), text=f"Notice {n}", key=f"notice:{n}", prompt=None)
        for n in range(3)
    ]
    ballot_tick = Message(to=Recipient("t1", "telegram", "tg1"), text="✓", key="vote:agm:b:t1:0")
    postman.post([*notices, ballot_tick])
    telegram = Recorder()
    telegram.script["notice:0"] = [Outcome(unreachable="Forbidden: bot was blocked by the user")]
    await sender(routed, "telegram", telegram, clock, postman).drain()

    assert telegram.delivered == []
    statuses = {r["key"]: (r["platform"], r["status"]) for r in outbox.rows_for(routed.db)}
    assert statuses == {
        "notice:0": ("telegram", "unreachable"),
        "notice:1": ("telegram", "unreachable"),
        "notice:2": ("telegram", "unreachable"),
        "vote:agm:b:t1:0": ("telegram", "unreachable"),  # a direct reply: not sent elsewhere
        "notice:0>sms": ("sms", "pending"),
        "notice:1>sms": ("sms", "pending"),
        "notice:2>sms": ("sms", "pending"),
    }
    assert "sms" in woken
    # Later messages go by SMS from the start; rerouting the same rows again adds nothing.
    postman.post([Message(to=Recipient.of("t1"), text="Notice 3", key="notice:3")])
    failed = [
        outbox.Row.from_db(r)
        for r in routed.db.query("select * from outbox where platform = 'telegram'")
    ]
    assert postman.reroute(failed) == 0

    sms = Recorder()
    await sender(routed, "sms", sms, clock, postman).drain()
    assert sorted(text for _, text, _ in sms.delivered) == [f"Notice {n}" for n in range(4)]
    assert {r["chat_id"] for r in outbox.rows_for(routed.db, "sms")} == {"+447700900123"}
    left = members.reachable_identities(routed.db, ["t1"])["t1"]["identities"]
    assert sorted(i["platform"] for i in left) == ["email", "sms"]  # Telegram is marked
