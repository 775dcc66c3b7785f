"""A vote put to a general meeting is for the meeting's roll, fixed on its notice date:
not a member who joined after, still a member whose constituency changed since (by the
constituency and the weight the roll records), and a vote naming a meeting that is not
there is refused. The count at opening and the rows it writes are the same members."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers.meetings.admin import create_meeting
from handlers.messages import Member, Message, unquoted
from handlers.settings import Organisation, Policy, Privacy
from handlers.votes.admin import VoteError, create_vote, open_vote
from handlers.votes.notices import late_announcements
from handlers.votes.state import ineligible_reason, load
from storage import members
from storage.meetings import queries as meetings
from storage.votes import queries as store
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.handlers.votes.test_votes import Kit, definition, options
from tests.helpers import START, FakeClock, add_members, link, make_context

RULES = """
[eligibility]
constituencies = ["tenant", "staff"]
minimum_membership_days = {days}
[notice]
clear_days = 14
[quorum]
members = 2
[proxies]
allowed = false
[elections]
method = "stv"
[weights]
constituency = {{ staff = 3, tenant = 1 }}
"""
ROSTER = """member_id,name,email,constituency,language
t1,Pat Murphy,,tenant,
t2,Lee Chen,,tenant,
t3,Ruth Adeyemi,,tenant,
s1,Sam Okafor,,staff,
s2,Priya Shah,,staff,
"""
LATER = """member_id,name,email,constituency,language
t8,Siân Llŷr,,tenant,cy
t9,Dara Kelly,,tenant,
"""
AGM = Meeting(
    id="agm-2027",
    title="AGM 2027",
    starts=START + timedelta(days=30),
    agenda=(AgendaItem("Election of the board"),),
    place="Riverside Community Hall",
)


def society(tmp_path, clock: FakeClock, days: int = 0) -> Kit:
    (tmp_path / "rules.toml").write_text(RULES.format(days=days))
    policy = Policy(
        organisation=Organisation(
            rules=str(tmp_path / "rules.toml"), constituencies=("staff", "tenant")
        ),
        privacy=Privacy(anonymity_threshold=2),
    )
    return Kit(make_context(clock, policy=policy), roster="", linked=())


def election(vote_id: str, *groups: str, meeting: str = "agm-2027"):
    return definition(
        id=vote_id,
        title=f"Election: {vote_id}",
        method="stv",
        options=options("Amber", "Birch", "Cedar"),
        options_key="candidates",
        constituencies=groups,
        opens=None,
        closes=START + timedelta(days=20),
        meeting=meeting,
    )


def member(ctx, member_id: str) -> Member:
    row = members.get(ctx.db, member_id)
    return Member(member_id, row["name"], row["constituency"], language=row["language"] or None)


def roll_rows(ctx, vote_id: str) -> list[str]:
    return [
        m
        for (m,) in ctx.db.execute(
            "select member_id from vote_voters where vote_id = ? order by member_id", [vote_id]
        )
    ]


@pytest.fixture
def kit(tmp_path):
    """The meeting's roll fixed on the notice date (START); the next day two tenants
    join, s2 moves from staff to tenant and t3 from tenant to staff."""
    clock = FakeClock(START)
    kit = society(tmp_path, clock)
    add_members(kit.ctx, ROSTER)
    create_meeting(kit.ctx, AGM, "test")
    clock.advance(days=1)
    add_members(kit.ctx, LATER)
    kit.ctx.db.execute("update members set constituency = 'tenant' where member_id = 's2'")
    kit.ctx.db.execute("update members set constituency = 'staff' where member_id = 't3'")
    for who in ("t1", "t3", "t8", "s2"):
        link(kit.ctx, who)
    yield kit
    kit.ctx.db.close()


def test_a_tenants_election_is_for_the_tenants_on_the_meetings_roll(kit):
    ctx = kit.ctx
    create_vote(ctx, election("tenant-seat", "tenant"), "test")
    told = list(open_vote(ctx, "tenant-seat", "test"))
    opened = load(ctx, "tenant-seat")
    # Not t8 and t9 (joined after the notice), nor s2 (staff on the roll, a tenant now);
    # t3 (a tenant on the roll, staff now) is on it.
    assert roll_rows(ctx, "tenant-seat") == ["t1", "t2", "t3"]
    assert (
        opened.eligible == 3 == store.count_eligible(ctx.db, ("tenant",), START, meeting="agm-2027")
    )
    assert sorted(m.to.member_id for m in told) == ["t1", "t2", "t3"]
    # Those never told (nothing above was posted) and reachable: linked, and on the roll.
    late = [m for m in late_announcements(ctx, opened) if isinstance(m, Message)]
    assert sorted(m.to.member_id for m in late) == ["t1", "t3"]
    assert ineligible_reason(ctx, opened, member(ctx, "t1")) is None
    assert ineligible_reason(ctx, opened, member(ctx, "t3")) is None
    [ballot] = kit.command("t3", "vote")
    assert ballot.text.startswith("There's one vote open for you.")
    [none] = kit.command("s2", "vote")
    assert none.text.startswith("There are no votes open for you right now.")
    late = unquoted(ineligible_reason(ctx, opened, member(ctx, "t9")))
    assert late == (
        "Election: tenant-seat is for the members on the roll of AGM 2027, fixed when its "
        "notice was given on Monday 23 November 2026. You weren't on that roll, so it isn't "
        "one you can vote in. If that's wrong, please tell your membership officer."
    )
    moved = unquoted(ineligible_reason(ctx, opened, member(ctx, "s2")))
    assert "is for tenant members on the roll of AGM 2027" in moved
    assert "You're on that roll as a staff member" in moved
    welsh = unquoted(ineligible_reason(ctx, opened, member(ctx, "t8")))
    assert welsh.startswith("Mae Election: tenant-seat ar gyfer yr aelodau sydd ar gofrestr AGM")
    assert "Doeddech chi ddim ar y gofrestr honno" in welsh
    # In chat too: the member who joined after the notice is told why, and cannot vote.
    [refused] = kit.command("t8", "vote", "tenant-seat")
    assert "Doeddech chi ddim ar y gofrestr honno" in unquoted(refused.text)


def test_a_weighted_vote_weighs_each_member_by_the_constituency_on_the_roll(kit):
    ctx = kit.ctx
    create_vote(ctx, election("board", "tenant", "staff"), "test")
    list(open_vote(ctx, "board", "test"))
    opened = load(ctx, "board")
    assert opened.definition.weights == {"tenant": 1, "staff": 3}
    # The count and the rows are the same five members; s2 has a staff member's slot.
    assert roll_rows(ctx, "board") == ["s1", "s2", "t1", "t2", "t3"]
    assert (
        opened.eligible
        == 5
        == store.count_eligible(ctx.db, ("tenant", "staff"), START, meeting="agm-2027")
    )
    slots = dict(
        ctx.db.execute(
            "select weight, count(*) from vote_ballots where vote_id = 'board' group by weight"
        ).fetchall()
    )
    assert slots == {1: 3, 3: 2}
    assert ineligible_reason(ctx, opened, member(ctx, "s2")) is None
    assert "receipt code" in kit.vote("s2", "board", "Amber", "Done")
    assert "receipt code" in kit.vote("t3", "board", "Birch", "Done")
    filled = ctx.db.execute(
        "select weight from vote_ballots where vote_id = 'board' and rtrim(choice) != '' "
        "order by weight"
    ).fetchall()
    assert filled == [(1,), (3,)]  # slots of the roll's weights, not new ones
    assert (
        ctx.db.execute("select count(*) from vote_ballots where vote_id = 'board'").fetchone()[0]
        == 5
    )


def test_the_weight_check_counts_the_meetings_roll(tmp_path):
    """One staff member on the roll would cast the only ballots counting 3 votes: refused,
    though two staff members are on the list of members by now."""
    clock = FakeClock(START)
    kit = society(tmp_path, clock)
    add_members(kit.ctx, ROSTER.replace("s2,Priya Shah,,staff", "s2,Priya Shah,,tenant"))
    create_meeting(kit.ctx, AGM, "test")
    kit.ctx.db.execute("update members set constituency = 'staff' where member_id = 's2'")
    create_vote(kit.ctx, election("board", "tenant", "staff"), "test")
    with pytest.raises(VoteError, match=r"only 1 member \(staff\) would cast ballots counting 3"):
        open_vote(kit.ctx, "board", "test")
    kit.ctx.db.close()


def test_membership_length_is_counted_to_the_meetings_notice_date(tmp_path):
    """28 days' membership by the notice date: a member with 20 then is not on the roll,
    though by the election's own creation they have more than 28."""
    clock = FakeClock(START - timedelta(days=40))
    kit = society(tmp_path, clock, days=28)
    add_members(kit.ctx, ROSTER)
    clock.advance(days=20)
    add_members(kit.ctx, LATER)
    clock.advance(days=20)  # START: notice given
    create_meeting(kit.ctx, AGM, "test")
    clock.advance(days=10)
    create_vote(kit.ctx, election("tenant-seat", "tenant"), "test")
    list(open_vote(kit.ctx, "tenant-seat", "test"))
    assert roll_rows(kit.ctx, "tenant-seat") == ["t1", "t2", "t3"]
    assert load(kit.ctx, "tenant-seat").eligible == 3
    kit.ctx.db.close()


def test_a_vote_naming_a_meeting_not_there_is_refused(kit):
    ctx = kit.ctx
    with pytest.raises(VoteError) as refused:
        create_vote(ctx, election("x", "tenant", meeting="agm-2099"), "test")
    assert str(refused.value) == (
        "meeting: there is no general meeting 'agm-2099'. A vote put to a meeting is for "
        "the members on its roll, fixed when its notice is given: create the meeting first "
        "(mutual-voice meeting create FILE), or leave meeting out for a vote on its own"
    )
    # One stored before the check (or by hand) is refused when it would open.
    made = election("x", "tenant", meeting="agm-2099")
    store.insert_vote(
        ctx.db,
        {
            "vote_id": "x",
            "title": "x",
            "method": "stv",
            "definition": made.to_dict(),
            "status": "scheduled",
            "closes_at": made.closes.isoformat(),
            "created_at": ctx.now().isoformat(),
            "created_by": "test",
        },
    )
    with pytest.raises(VoteError, match="x cannot open: meeting: there is no general meeting"):
        open_vote(ctx, "x", "test")
    assert load(ctx, "x").status == "scheduled"


def test_a_vote_naming_a_meeting_whose_notice_is_still_to_come_is_refused(kit):
    ctx = kit.ctx
    later = ctx.now() + timedelta(days=3)
    meetings.insert_meeting(
        ctx.db,
        {
            "meeting_id": "sgm",
            "title": "Special general meeting",
            "definition": json.dumps({}),
            "starts_at": (later + timedelta(days=20)).isoformat(),
            "notice_given": later.date().isoformat(),
            "roll_by": later.isoformat(),
            "created_at": ctx.now().isoformat(),
            "created_by": "test",
        },
        ("tenant",),
        later,
        {},
    )
    with pytest.raises(VoteError) as refused:
        create_vote(ctx, election("y", "tenant", meeting="sgm"), "test")
    assert str(refused.value) == (
        "meeting: notice of sgm is given on 2026-11-27, and its roll is fixed then; a vote "
        "can be put to it from that day"
    )
