"""Announcements, reminders and results: the right members, once, never in quiet hours."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.scheduler import collect_jobs
from handlers.votes.admin import (
    VoteError,
    close_vote,
    listing_row,
    published_ballots,
    published_result,
)
from handlers.votes.state import load
from storage import outbox
from tests.handlers.votes.test_votes import ROSTER as VOTERS
from tests.handlers.votes.test_votes import Kit, options
from tests.helpers import START

ROSTER = """member_id,name,email,constituency,timezone
t1,Pat Murphy,,tenant,
t2,Lee Chen,,tenant,
t3,Ruth Adeyemi,,tenant,Asia/Tokyo
s1,Sam Okafor,,staff,
"""


def rows(ctx, kind: str) -> list[dict]:
    return [r for r in outbox.rows_for(ctx.db) if f":{kind}" in r["key"]]


def to(ctx, kind: str) -> list[str]:
    return sorted(r["member_id"] or r["chat_id"] for r in rows(ctx, kind))


def test_the_votes_tick_is_a_scheduled_job(ctx):
    assert "votes" in [job.id for job in collect_jobs(ctx)]


def test_a_vote_opens_at_its_time_and_is_announced_once_to_eligible_members(ctx, clock):
    kit = Kit(ctx, ROSTER, linked=("t1", "t2", "t3", "s1"))
    kit.create(opens=START + timedelta(hours=2), constituencies=("tenant",))
    assert kit.tick() == [] and rows(ctx, "open") == []
    clock.advance(hours=2)
    kit.tick()
    kit.tick()
    assert to(ctx, "open") == ["t1", "t2", "t3"]
    [pat] = [r for r in rows(ctx, "open") if r["member_id"] == "t1"]
    assert pat["key"] == "vote:agm:open:t1" and pat["quiet"] == 1
    assert pat["payload"]["title"] == "New vote: Adopt the new rules"
    assert "open until Monday 30 November at 10:00" in pat["payload"]["text"]
    assert [c["label"] for c in pat["payload"]["choices"]] == ["Vote now"]
    [ruth] = [r for r in rows(ctx, "open") if r["member_id"] == "t3"]
    assert "Monday 30 November at 19:00" in ruth["payload"]["text"]  # her own time zone


def test_reminders_skip_voters_and_wait_for_quiet_hours_to_end(ctx, clock):
    kit = Kit(ctx, ROSTER, linked=("t1", "t2", "t3", "s1"))
    closes = START + timedelta(days=2)  # Wednesday 10:00 UTC
    kit.create(closes=closes, constituencies=("tenant",), reminder_hours=(20,))
    kit.tick()
    kit.vote("t1", "agm", "For")
    clock.now = closes - timedelta(hours=20)  # Tuesday 14:00 in London, 23:00 in Tokyo
    kit.tick()
    kit.tick()
    assert to(ctx, "remind") == ["t2"]  # t1 voted; t3 is asleep in Tokyo
    clock.now = closes - timedelta(hours=11)  # Tuesday 23:00 UTC = Wednesday 08:00 Tokyo
    kit.tick()
    kit.tick()
    assert to(ctx, "remind") == ["t2", "t3"]
    [reminder] = [r for r in rows(ctx, "remind") if r["member_id"] == "t2"]
    assert reminder["payload"]["title"] == "Reminder: Adopt the new rules"
    assert "you haven't voted yet" in reminder["payload"]["text"] and reminder["quiet"] == 1


def test_only_the_latest_due_reminder_goes_after_downtime(ctx, clock):
    kit = Kit(ctx, ROSTER, linked=("t1", "t2"))
    closes = START + timedelta(days=7, hours=8)  # Monday 18:00
    kit.create(closes=closes, constituencies=("tenant",), reminder_hours=(48, 4))
    kit.tick()
    clock.now = closes - timedelta(hours=3)  # the bot was down through both
    kit.tick()
    assert [r["key"] for r in rows(ctx, "remind")] == [
        "vote:agm:remind:4:t1",
        "vote:agm:remind:4:t2",
    ]


def test_results_reach_eligible_members_and_the_council_once(ctx, clock):
    kit = Kit(ctx, ROSTER, linked=("t1", "t2", "t3", "s1"))
    kit.create(constituencies=("tenant",))
    kit.tick()
    kit.vote("t1", "agm", "For")
    kit.vote("t2", "agm", "For")
    clock.advance(days=7)
    kit.tick()
    kit.tick()
    with pytest.raises(VoteError, match="is closed, not open"):
        close_vote(ctx, "agm")
    assert to(ctx, "result") == ["C-COUNCIL", "t1", "t2", "t3"]
    [council] = [r for r in rows(ctx, "result") if r["chat_id"] == "C-COUNCIL"]
    text = council["payload"]["text"]
    assert council["payload"]["title"] == "Result: Adopt the new rules"
    assert text.startswith("2 of 3 eligible members voted (66.7%).\nThe resolution is passed.")
    assert "2 ballots: 2 for, 0 against, 0 abstain, 0 invalid." in text
    [member] = [r for r in rows(ctx, "result") if r["member_id"] == "t3"]
    assert "/receipt" in member["payload"]["text"]


def test_a_vote_without_quorum_is_reported_as_such(ctx, clock):
    kit = Kit(ctx, ROSTER, linked=("t1", "t2", "t3", "s1"))
    kit.create(constituencies=("tenant",), quorum=50)
    kit.tick()
    kit.vote("t1", "agm", "For")
    clock.advance(days=7)
    kit.tick()
    result = published_result(ctx, "agm")
    assert (result["quorum_needed"], result["quorum_met"], result["decided"]) == (2, False, False)
    assert result["explanation"][1].startswith("Quorum not met: at least 50% (2 members)")
    assert result["explanation"][2] == "Not decided (no quorum). The resolution is passed."
    [council] = [r for r in rows(ctx, "result") if r["chat_id"] == "C-COUNCIL"]
    assert "this vote decides nothing" in council["payload"]["text"]


def test_results_are_hidden_before_close_unless_the_vote_shows_them(ctx, clock):
    kit = Kit(ctx, ROSTER, linked=("t1", "t2"))
    kit.create()
    kit.create(
        id="days",
        title="Meeting day",
        method="approval",
        options=options("Mon", "Fri"),
        results_before_close=True,
    )
    kit.tick()
    kit.vote("t1", "agm", "For")
    kit.vote("t1", "days", "Fri", "Submit")
    with pytest.raises(VoteError, match="hidden until it closes"):
        published_result(ctx, "agm")
    live = published_result(ctx, "days")
    # One ballot is not counted yet: a count after it, minus one before, would show it.
    assert live["provisional"] and live["count"]["counts"] == {"Mon": 0, "Fri": 0}
    assert live["voted"] == 1
    assert live["explanation"][0].startswith("Results so far: the vote is still open")
    assert live["explanation"][1].startswith("The count so far starts once 5 have voted")
    [listing] = kit.command("t2", "vote")
    assert [o.label for o in listing.choices] == [
        "Vote: Adopt the new rules",
        "Vote: Meeting day",
        "Results so far: Meeting day",
    ]
    [so_far] = kit.press("t2", "Results so far")
    assert so_far.title == "Result: Meeting day" and "Fri 0" in so_far.text


def test_the_count_so_far_is_taken_on_the_hour_never_as_a_ballot_comes_in(ctx, clock):
    voters = ("t1", "t2", "t3", "s1", "s2", "t4", "t5")
    kit = Kit(ctx, VOTERS + "t4,Tenant 4,,tenant,\nt5,Tenant 5,,tenant,\n", linked=voters)
    kit.create(
        id="days", method="approval", options=options("Mon", "Fri"), results_before_close=True
    )
    clock.now = clock.now.replace(minute=10)
    kit.tick()

    def look() -> dict:
        return published_result(ctx, "days")["count"]["counts"]

    nothing = {"Mon": 0, "Fri": 0}
    days = ("Fri", "Fri", "Mon", "Fri", "Mon", "Mon", "Mon")
    for member, day in zip(voters[:5], days, strict=False):
        kit.vote(member, "days", day, "Submit")
        kit.tick()  # within the same hour: the fifth ballot takes no count either
        assert look() == nothing
    clock.advance(minutes=50)  # the top of the next hour: five since the last count
    kit.tick()
    assert look() == {"Mon": 2, "Fri": 3}
    assert "Counted when 5 had voted" in published_result(ctx, "days")["explanation"][1]
    kit.vote("t4", "days", "Mon", "Submit")
    clock.advance(hours=1)  # one ballot since: two looks would show it, so no new count
    kit.tick()
    assert look() == {"Mon": 2, "Fri": 3}
    kit.vote("t5", "days", "Mon", "Submit")
    clock.advance(hours=1)
    kit.tick()
    assert look() == {"Mon": 2, "Fri": 3}  # still fewer than five new ballots


def test_counting_uses_the_vote_id_as_the_tie_break_seed(ctx, clock):
    kit = Kit(ctx, ROSTER, linked=("t1", "t2"))
    kit.create(id="chair", method="irv", options=options("Amber", "Birch", "Cedar"))
    kit.tick()
    kit.vote("t1", "chair", "Amber", "Done")
    kit.vote("t2", "chair", "Birch", "Done")
    clock.advance(days=7)
    kit.tick()
    count = published_result(ctx, "chair")["count"]
    assert count["seed"] == "chair" and count["rounds"][1]["tie"]["lot_among"] == [
        "Amber",
        "Birch",
    ]


def test_officers_see_how_many_have_voted_never_who_until_close(ctx, clock):
    kit = Kit(ctx)
    kit.create(
        id="days", method="approval", options=options("Mon", "Fri"), results_before_close=True
    )
    kit.tick()
    for member in ("t1", "s2"):
        kit.vote(member, "days", "Fri", "Submit")
    clock.advance(hours=1)
    kit.tick()
    vote = load(ctx, "days")
    seen = repr([listing_row(ctx, vote), published_result(ctx, "days")])
    assert "'voted': 2" in seen
    for member, name in (("t1", "Pat Murphy"), ("s2", "Priya Shah"), ("t2", "Lee Chen")):
        assert f"'{member}'" not in seen and name not in seen
    with pytest.raises(VoteError, match="after it closes|hidden until"):
        published_ballots(ctx, "days")
