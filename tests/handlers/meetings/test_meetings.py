"""A general meeting by the society's rules: notice in clear days, the roll fixed on the
notice date (constituencies, minimum membership, weights), shown plainly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from handlers.meetings.admin import MeetingProblem, create_meeting, describe, show
from handlers.settings import Organisation, Policy
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.helpers import START, add_members, make_context

RULES = """
[eligibility]
constituencies = ["tenant", "staff"]
minimum_membership_days = 28
[notice]
clear_days = 14
[quorum]
members = 2
percent = 50
[proxies]
allowed = false
[weights]
constituency = { staff = 2 }
"""
ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,,tenant
t2,Lee Chen,,tenant
s1,Sam Okafor,,staff
x1,Alex Fund,,supporter
"""
AGM = Meeting(
    id="agm-2027",
    title="Annual general meeting 2027",
    starts=START + timedelta(days=60),
    agenda=(AgendaItem("Minutes"), AgendaItem("Adopt the new rules", resolution="special")),
    place="Riverside Community Hall",
    online="https://meet.example.org/agm",
)


@pytest.fixture
def ruled(tmp_path):
    (tmp_path / "rules.toml").write_text(RULES)
    organisation = Organisation(
        rules=str(tmp_path / "rules.toml"), constituencies=("staff", "tenant", "supporter")
    )
    ctx = make_context(policy=Policy(organisation=organisation))
    add_members(ctx, ROSTER)
    yield ctx
    ctx.db.close()


def test_the_roll_is_fixed_on_the_notice_date_by_the_rules(ruled):
    ruled.clock.advance(days=30)
    add_members(ruled, "member_id,name,email,constituency\nt3,Ruth Adeyemi,,tenant\n")
    shown = create_meeting(ruled, replace(AGM, starts=ruled.now() + timedelta(days=20)), "test")
    # t3 joined today, short of the 28 days; x1 is a supporter, not a voting member.
    assert [m["member_id"] for m in shown["roll"]] == ["s1", "t1", "t2"]
    assert shown["by_constituency"] == {"staff": 1, "tenant": 2}
    assert shown["votes"] == 4  # staff count 2
    assert shown["quorum_needed"] == 2  # 2 members, or 50% of 3 (2): whichever is more
    ruled.clock.advance(days=1)
    add_members(ruled, "member_id,name,email,constituency\nt4,Jo Bloggs,,tenant\n")
    assert show(ruled, "agm-2027")["eligible"] == 3  # fixed: later joiners never added
    lines = describe(show(ruled, "agm-2027"))
    assert "Notice given: 2026-12-23, 19 clear days before the meeting (14 needed)." in lines
    assert (
        "Roll: 3 members eligible (staff 1, tenant 2), fixed on the notice date; 4 votes in all."
        in lines
    )
    assert "  2. Adopt the new rules (special resolution: at least 75% of votes cast)" in lines


def test_a_notice_date_in_the_past_fixes_the_roll_as_it_stood_then(ruled):
    ruled.clock.advance(days=40)
    add_members(ruled, "member_id,name,email,constituency\nt3,Ruth Adeyemi,,tenant\n")
    # Notice went out on paper 10 days ago; t3 joined today, after it.
    given = (ruled.now() - timedelta(days=10)).date()
    shown = create_meeting(ruled, replace(AGM, notice_given=given), "test")
    assert shown["notice_given"] == given.isoformat() and shown["eligible"] == 3


def test_too_little_notice_is_refused_in_plain_words(ruled):
    soon = replace(AGM, starts=START + timedelta(days=10))
    with pytest.raises(MeetingProblem) as refused:
        create_meeting(ruled, soon, "test")
    assert str(refused.value) == (
        "starts: the society's rules ask for 14 clear days' notice of a general meeting; "
        "notice given on 2026-11-23 and the meeting on 2026-12-03 gives 9. "
        "Hold it on 2026-12-08 or later."
    )
    with pytest.raises(MeetingProblem, match=r"^notice_given: 2026-11-24 is after today"):
        create_meeting(ruled, replace(AGM, notice_given=date(2026, 11, 24)), "test")
    create_meeting(ruled, AGM, "test")
    with pytest.raises(MeetingProblem, match="a meeting 'agm-2027' already exists"):
        create_meeting(ruled, AGM, "test")


def test_a_meeting_needs_the_rules(ctx):
    with pytest.raises(MeetingProblem, match="run by the society's rules, and the society's"):
        create_meeting(ctx, AGM, "test")


def test_an_erased_member_leaves_the_roll_their_place_but_not_their_name(ruled):
    from storage.privacy import erase_member, export_member

    ruled.clock.advance(days=30)
    create_meeting(ruled, replace(AGM, starts=ruled.now() + timedelta(days=20)), "test")
    assert export_member(ruled.db, "t1")["meeting_roll"][0]["meeting_id"] == "agm-2027"
    erase_member(ruled.db, "t1", ruled.now())
    shown = show(ruled, "agm-2027")
    assert shown["eligible"] == 3
    assert [m["member_id"] for m in shown["roll"]] == ["s1", "t2", None]


def test_a_general_meeting_is_named_so_once(ruled):
    special = replace(AGM, id="sgm-2027", title="Special meeting", kind="general")
    create_meeting(ruled, special, "test")
    create_meeting(ruled, AGM, "test")
    assert describe(show(ruled, "sgm-2027"))[0] == "Special meeting (sgm-2027, general meeting)"
    assert describe(show(ruled, "agm-2027"))[0].endswith("(agm-2027, annual general meeting)")
