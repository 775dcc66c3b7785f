"""A motion in the room counts proxies by itself: the members present by proxy (holder
checked in, or the chair) are on its roll and in its quorum, as `meeting show` counts
them; each holder present is told at once whose ballots they can cast, freely (nobody
could instruct them on a motion put in the room); a member who checks in and votes
overrides their proxy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.i18n import translator
from handlers.meetings import attendance
from handlers.meetings.motions import describe, open_motion
from handlers.meetings.proxies import ProxyRefused, appoint, cast_for
from handlers.votes.admin import close_vote, create_vote, published_result
from storage.votes import queries as votes
from tests.handlers.meetings.test_motions import MOTION
from tests.handlers.meetings.test_proxies import AGM, society
from tests.handlers.votes.test_votes import Kit, definition, labels
from tests.helpers import START

MEMBERS = tuple(f"t{n}" for n in range(1, 10))
EN = translator("en")


@pytest.fixture
def kit(tmp_path):
    ctx = society(tmp_path)  # quorum 3; proxies: a member or the chair, 2 each at most
    kit = Kit(ctx, roster="", linked=MEMBERS)
    # A vote of the meeting given before it: t3 instructs their proxy on it, not on
    # the motion, which does not exist yet.
    create_vote(ctx, definition(meeting=AGM.id, closes=START + timedelta(days=7)), "test")
    appoint(ctx, AGM.id, "t3", "t2", {"agm": "Against"})
    appoint(ctx, AGM.id, "t4", "t2")
    appoint(ctx, AGM.id, "t5", "chair")
    appoint(ctx, AGM.id, "t6", "t7")  # t7 stays away: t6 is not represented
    appoint(ctx, AGM.id, "t8", "chair")  # t8 comes in person: counted once, as present
    ctx.clock.now = AGM.starts + timedelta(minutes=5)
    yield kit
    ctx.db.close()


def check_in(kit: Kit, *member_ids: str) -> None:
    for member_id in member_ids:
        attendance.check_in(kit.ctx, AGM.id, member_id, "in-person", "teller")


def test_the_roll_and_quorum_count_proxies_as_the_meeting_does(kit):
    check_in(kit, "t2")
    shown = attendance.summary(kit.ctx, AGM.id)
    assert shown["present"]["proxy"] == 4  # t3, t4 (t2's), t5, t8 (the chair's)
    check_in(kit, "t8")
    shown = attendance.summary(kit.ctx, AGM.id)
    assert shown["present"]["proxy"] == 3 and shown["quorum"]["present"] == 5
    vote, messages = open_motion(kit.ctx, AGM.id, MOTION, "chair")
    # The roll: the two present and the three present by proxy, as the quorum said.
    assert vote.eligible == shown["quorum"]["present"] == 5
    on_roll = [m for m in MEMBERS if votes.on_roll(kit.ctx.db, vote.id, m)]
    assert on_roll == ["t2", "t3", "t4", "t5", "t8"]
    assert describe(kit.ctx, vote) == (
        "Put adopt to the 2 members present and 3 members by proxy (t2 holds 2, the chair "
        "holds 1): a special resolution, passed by at least 75% of votes cast For. The chair "
        "closes it with: mutual-voice vote close adopt"
    )
    # Announced to those present; their holder is told of t3 and t4, at once.
    assert sorted(m.to.member_id for m in messages) == ["t2", "t2", "t8"]
    assert not any(m.quiet_hours for m in messages)


def test_the_chairs_proxies_make_a_quorum_with_one_member_in_the_room(kit):
    check_in(kit, "t1")  # 1 present of the 3 needed; the chair holds t5's and t8's
    vote, messages = open_motion(kit.ctx, AGM.id, MOTION, "chair")
    assert vote.eligible == 3
    assert [m for m in MEMBERS if votes.on_roll(kit.ctx.db, vote.id, m)] == ["t1", "t5", "t8"]
    # Nobody present holds a proxy: only t1 is told.
    assert [m.to.member_id for m in messages] == ["t1"]
    assert "1 member present and 2 members by proxy (the chair holds 2)" in describe(kit.ctx, vote)


def test_the_holder_casts_freely_for_a_member_and_the_member_overrides(kit):
    check_in(kit, "t2", "t8")
    vote, messages = open_motion(kit.ctx, AGM.id, MOTION, "chair")
    kit.postman.post(messages)
    [told] = [m for m in messages if m.choices and m.choices[0].action == "proxy.go"]
    assert told.to.member_id == "t2"
    assert labels(told) == ["For Tenant 3 (proxy)", "For Tenant 4 (proxy)"]
    assert "nobody gave you instructions for it" in told.text
    kit.last["t2"] = told
    # t3 instructed their proxy on another vote only: on the motion t2 chooses freely.
    [screen] = kit.press("t2", "For Tenant 3 (proxy)")
    assert labels(screen) == ["For", "Against", "Abstain"]
    kit.press("t2", "For")
    [thanks] = kit.press("t2", "Confirm")
    assert thanks.text.startswith("Thank you: Tenant 3's vote in Adopt the new rules is cast")
    mine, offers = kit.command("t2", "vote", "adopt")  # their own ballot, and t4's still
    assert labels(offers) == ["For Tenant 3 (proxy)", "For Tenant 4 (proxy)"]
    kit.last["t2"] = mine
    kit.press("t2", "For")
    assert kit.press("t2", "Confirm")[0].text.startswith("Thank you")
    # The chair's proxy for t5, at the tellers' desk.
    cast_for(kit.ctx, vote, None, "t5", [0], EN)
    # t6's holder was away when it was put: t6 is not on the roll, even once t7 comes.
    check_in(kit, "t7")
    with pytest.raises(ProxyRefused, match="^Tenant 6 cannot vote in Adopt the new rules now"):
        cast_for(kit.ctx, vote, "t7", "t6", [0], EN)
    assert votes.voters_by_channel(kit.ctx.db, "adopt") == {"proxy": 2, "telegram": 1}
    # t3, away, is told to check in first: their proxy's ballot stands meanwhile.
    [away] = kit.command("t3", "vote", "adopt")
    assert away.text.startswith("The vote on Adopt the new rules is for the members at the meeting.")
    assert votes.voters_by_channel(kit.ctx.db, "adopt") == {"proxy": 2, "telegram": 1}
    # t3 arrives and votes: their own ballot replaces the one their proxy cast.
    check_in(kit, "t3")
    own = kit.vote("t3", "adopt", "Against")
    assert own.startswith("Thank you: your own vote replaces the one your proxy cast for you.")
    kit.vote("t8", "adopt", "Against")
    close_vote(kit.ctx, "adopt", "chair")
    result = published_result(kit.ctx, "adopt")
    # For: t2, t5 (by the chair); Against: t3 (their own), t8. 2 of 4: not passed.
    assert (result["count"]["for"], result["count"]["against"], result["voted"]) == (2, 2, 4)
    assert "Not passed." in result["headline"]


def test_a_welsh_holder_is_told_in_welsh(kit):
    kit.ctx.clock.now = AGM.starts - timedelta(days=3)
    appoint(kit.ctx, AGM.id, "t1", "t9")  # t9 reads Welsh
    kit.ctx.clock.now = AGM.starts + timedelta(minutes=5)
    check_in(kit, "t9", "t2")
    _vote, messages = open_motion(kit.ctx, AGM.id, MOTION, "chair")
    [told] = [m for m in messages if m.to.member_id == "t9" and m.choices[0].action == "proxy.go"]
    assert told.language == "cy"
    assert labels(told) == ["Ar ran Tenant 1 (dirprwy)"]
    assert "fel y gwelwch chi orau" in told.text
