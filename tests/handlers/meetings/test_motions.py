"""Motions in the room: put only to a quorate meeting under way, to the members checked in
(nobody else may vote on it or is told), the rules' threshold applied at the chair's close."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from handlers.meetings import attendance
from handlers.meetings.admin import create_meeting
from handlers.meetings.motions import MotionProblem, describe, open_motion
from handlers.votes.admin import close_vote, published_result
from handlers.votes.chat import tick
from surveys.votes.definitions import VoteDefinition
from tests.handlers.meetings.test_attendance import AGM, RULES, ruled_kit

SPECIAL = RULES + '[resolutions]\nspecial = "at least 75%"\n'
MOTION = VoteDefinition(
    id="adopt",
    title="Adopt the new rules",
    explanation="That the society adopts the new rules.",
    method="resolution",
    closes=AGM.starts + timedelta(days=365),  # replaced: it closes with the meeting
    resolution="special",
)


@pytest.fixture
def kit(tmp_path):
    made = ruled_kit(tmp_path, SPECIAL)
    create_meeting(made.ctx, AGM, "test")
    yield made
    made.ctx.db.close()


def test_no_motion_before_the_start_or_without_a_quorum(kit):
    kit.ctx.clock.now = AGM.starts - timedelta(minutes=20)
    attendance.check_in(kit.ctx, AGM.id, "t1", "in-person", "teller")
    with pytest.raises(MotionProblem, match="a motion is put to the meeting once it has started"):
        open_motion(kit.ctx, AGM.id, MOTION, "chair")
    kit.ctx.clock.now = AGM.starts
    with pytest.raises(MotionProblem) as refused:
        open_motion(kit.ctx, AGM.id, MOTION, "chair")
    assert str(refused.value) == (
        "agm-2027 is not quorate: 1 member counted present, and the society's rules need 2. "
        "A motion can be put once 1 more is checked in."
    )
    assert kit.ctx.db["votes"].count == 0  # nothing half-made
    # With a proxy counted (the hook the proxies build on) it is quorate.
    vote, ballots = open_motion(kit.ctx, AGM.id, MOTION, "chair", by_proxy=["s1"])
    assert vote.eligible == 2 and [m.to.member_id for m in ballots] == ["t1"]


def test_a_motion_goes_to_those_present_and_the_chair_closes_it_by_the_rules(kit):
    kit.ctx.clock.now = AGM.starts + timedelta(minutes=5)
    for member_id in ("t1", "t2", "t3"):
        attendance.check_in(kit.ctx, AGM.id, member_id, "in-person", "teller")
    vote, ballots = open_motion(kit.ctx, AGM.id, MOTION, "chair")
    assert vote.status == "open" and vote.eligible == 3
    assert vote.definition.meeting == AGM.id
    assert vote.closes_at == AGM.starts + attendance.OPEN_FOR
    assert describe(kit.ctx, vote) == (
        "Put adopt to the 3 members present: a special resolution, passed by at least 75% of "
        "votes cast For. The chair closes it with: mutual-voice vote close adopt"
    )
    # Told at once, at any hour: they are in the meeting.
    assert sorted(m.to.member_id for m in ballots) == ["t1", "t2", "t3"]
    assert not any(m.quiet_hours for m in ballots)
    kit.postman.post(ballots)
    # s1 was not checked in when it was put: not asked, not able, even on arriving later.
    attendance.check_in(kit.ctx, AGM.id, "s1", "in-person", "teller")
    (refusal,) = kit.command("s1", "vote", "adopt")
    assert "is for the members checked in at the meeting when it was put" in refusal.text
    kit.ctx.clock.advance(minutes=20)  # the sweep for members reachable since: not s1
    assert [m for m in tick(kit.ctx, kit.ctx.now()) if m.to.member_id == "s1"] == []
    kit.vote("t1", "adopt", "For")
    kit.vote("t3", "adopt", "Against")
    kit.command("t2", "vote", "adopt")  # in Welsh
    kit.press("t2", "O blaid")
    kit.press("t2", "Cadarnhau")
    close_vote(kit.ctx, "adopt", "chair")
    # 2 For of 3 cast (t2's Welsh ballot among them): short of the special threshold.
    line = "Special resolution: 66.6% of votes cast were For; 75% were needed. Not passed."
    assert published_result(kit.ctx, "adopt")["headline"] == line


def test_a_motion_must_be_a_resolution_for_this_meeting(kit):
    kit.ctx.clock.now = AGM.starts
    with pytest.raises(MotionProblem, match="a motion in the room is a resolution"):
        open_motion(kit.ctx, AGM.id, replace(MOTION, method="single"), "chair")
    with pytest.raises(MotionProblem, match="the file puts it to 'egm', not to 'agm-2027'"):
        open_motion(kit.ctx, AGM.id, replace(MOTION, meeting="egm"), "chair")
    with pytest.raises(MotionProblem, match="no meeting with id 'nope'"):
        open_motion(kit.ctx, "nope", MOTION, "chair")
