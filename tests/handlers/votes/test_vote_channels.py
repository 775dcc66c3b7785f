"""One member, one vote whichever channel it comes by, and turnout per channel at close
(issue 27)."""

from __future__ import annotations

from datetime import timedelta

from handlers.messages import Sender
from handlers.votes.admin import published_result
from storage.votes import queries as store
from surveys.anonymity import OTHER, merge_small
from tests.handlers.votes.test_votes import Kit, receipt_in
from tests.helpers import link


def tenants(count: int) -> str:
    return "member_id,name,email,constituency\n" + "".join(
        f"t{n:02},Tenant {n},,tenant\n" for n in range(count)
    )


TENANTS = tenants(16)


class ChannelKit(Kit):
    """Members speaking by the channel `via` gives them (Telegram unless told)."""

    def __init__(self, ctx, roster: str, via: dict[str, str]) -> None:
        super().__init__(ctx, roster, linked=())
        self.via = via
        for member_id in {line.split(",")[0] for line in roster.splitlines()[1:]}:
            link(ctx, member_id)  # everyone joined Telegram
        for member_id, platform in via.items():
            link(ctx, member_id, platform, self.sender(member_id).platform_user_id)

    def sender(self, member_id: str) -> Sender:
        platform = getattr(self, "via", {}).get(member_id, "telegram")
        user = f"u-{member_id}" if platform == "telegram" else f"{platform}-{member_id}"
        return Sender(platform, user, user)


def test_a_second_ballot_from_another_channel_is_refused_kindly(ctx, clock):
    kit = ChannelKit(ctx, TENANTS, {})
    kit.create(constituencies=("tenant",))
    kit.tick()
    assert receipt_in(kit.vote("t01", "agm", "For"))
    link(ctx, "t01", "sms", "sms-t01")  # the same member, now also by text message
    kit.via["t01"] = "sms"
    [refused] = kit.command("t01", "vote", "agm")
    assert refused.to.platform == "sms"  # answered where they wrote
    assert "You've already voted in Adopt the new rules" in refused.text
    assert "Your vote counts, once." in refused.text
    assert store.count_voters(ctx.db, "agm") == 1
    assert store.choice_counts(ctx.db, "agm") == [("for", 1)]


def test_a_vote_that_allows_a_change_replaces_it_from_another_channel(ctx, clock):
    kit = ChannelKit(ctx, TENANTS, {})
    kit.create(constituencies=("tenant",), allow_change=True)
    kit.tick()
    kit.vote("t01", "agm", "For")
    link(ctx, "t01", "email", "email-t01")
    kit.via["t01"] = "email"
    assert "your new vote replaces your earlier one" in kit.vote("t01", "agm", "Against")
    assert store.count_voters(ctx.db, "agm") == 1
    assert store.choice_counts(ctx.db, "agm") == [("against", 1)]
    # The channel it first came by is the one it counts under.
    assert store.voters_by_channel(ctx.db, "agm") == {"telegram": 1}


def test_turnout_per_channel_at_close_with_small_channels_as_other(ctx, clock):
    via = {f"t{n:02}": "sms" for n in range(6, 11)} | {f"t{n:02}": "email" for n in range(11, 16)}
    kit = ChannelKit(ctx, TENANTS, via)
    kit.create(constituencies=("tenant",))
    kit.tick()
    for n in range(16):
        kit.vote(f"t{n:02}", "agm", "For" if n % 2 else "Against")
    assert store.voters_by_channel(ctx.db, "agm") == {"telegram": 6, "sms": 5, "email": 5}
    clock.advance(days=7)
    kit.tick()
    result = published_result(ctx, "agm")
    assert result["turnout_by_channel"] == {"telegram": 6, "email": 5, "sms": 5}
    assert result["explanation"][-1] == "By channel: Telegram 6, e-mail 5, SMS 5."
    assert result["voted"] == 16
    # The seal leaves no channel beside any member.
    assert {row[0] for row in ctx.db.execute("select channel from vote_voters")} == {None}


def test_a_channel_below_the_threshold_and_the_smallest_above_it_are_other(ctx, clock):
    via = {f"t{n:02}": "sms" for n in range(6, 11)} | {"t11": "email"}
    kit = ChannelKit(ctx, tenants(12), via)
    kit.create(constituencies=("tenant",), closes=clock() + timedelta(days=1))
    kit.tick()
    for n in range(12):
        kit.vote(f"t{n:02}", "agm", "For")
    clock.advance(days=1)
    kit.tick()
    # e-mail's 1 alone could be worked out from the total, so SMS's 5 joins it.
    assert published_result(ctx, "agm")["turnout_by_channel"] == {"telegram": 6, OTHER: 6}


def test_merge_small_keeps_the_total():
    assert merge_small({"telegram": 9, "sms": 2, "email": 3}, 5) == {"telegram": 9, OTHER: 5}
    assert merge_small({"telegram": 3}, 5) == {OTHER: 3}
    assert merge_small({"telegram": 0, "sms": 7}, 5) == {"sms": 7}
    assert merge_small({}, 5) == {}


def test_no_vote_reminder_for_someone_who_voted_on_another_channel(ctx, clock):
    kit = ChannelKit(ctx, tenants(3), {"t01": "sms"})  # t01 reads Telegram, votes by text
    kit.create(constituencies=("tenant",), reminder_hours=(24,))
    kit.tick()
    kit.vote("t01", "agm", "For")
    clock.advance(days=6)  # a day before the close, in the afternoon
    kit.tick()
    reminded = {
        row["member_id"]: row["platform"]
        for row in ctx.db.query("select * from outbox where key glob 'vote:agm:remind:*'")
    }
    assert reminded == {"t00": "telegram", "t02": "telegram"}
