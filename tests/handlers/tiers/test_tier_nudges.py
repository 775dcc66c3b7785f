"""Gentle nudges after a first pulse, vote or named idea: once per window, never twice."""

from __future__ import annotations

import dataclasses

import pytest

from bot.postman import Postman
from handlers.schedule import without_pauses
from handlers.tiers import nudges as tier_nudges
from storage.pulses import queries as pulse_store
from storage.tiers import queries as records
from tests.handlers.tiers.test_tier_activity import answer_pulse, close_vote, suggest, vote
from tests.helpers import add_members, link


def tick(ctx, now) -> list:
    """One run of the nudge tick, all at once (as the console runs it)."""
    return list(without_pauses(tier_nudges.tick(ctx, now)))


@pytest.fixture
def members(ctx):
    add_members(ctx)
    for member_id in ("t1", "t2", "s1"):
        link(ctx, member_id)
    tick(ctx, ctx.now())  # the first tick starts watching
    return ctx


def nudges(ctx) -> dict[str, str]:
    return {m.to.member_id: m.text for m in tick(ctx, ctx.now())}


def outbox_keys(ctx) -> list[str]:
    return [row["key"] for row in ctx.db["outbox"].rows]


def test_activity_from_before_watching_started_never_nudges(ctx, clock):
    add_members(ctx)
    vote(ctx, "t1")
    suggest(ctx, "t2")
    assert tick(ctx, ctx.now()) == []  # starts watching
    clock.advance(minutes=1)
    assert tick(ctx, ctx.now()) == []


def test_a_first_check_in_brings_one_note_about_the_next_rung(members, clock):
    ctx = members
    answer_pulse(ctx, "t1")
    clock.advance(seconds=30)
    [note] = tick(ctx, ctx.now())
    assert note.to.member_id == "t1" and note.quiet_hours
    assert note.text.startswith(
        "Thank you for answering the check-in, Pat! That makes you a Voice."
    )
    assert "the next rung is Contributor" in note.text
    assert [(o.label, o.action, o.value) for o in note.choices] == [
        ("I'd like to do more", "tiers.more", "contributor"),
        ("About Contributor", "tiers.about", "contributor"),
    ]
    assert note.key == "tiers:nudge:t1:pulse"
    clock.advance(seconds=30)
    assert tick(ctx, ctx.now()) == []  # never twice


def test_at_most_one_nudge_per_member_per_window(members, clock):
    ctx = members
    vote(ctx, "t1")
    assert set(nudges(ctx)) == {"t1"}
    clock.advance(days=10)
    answer_pulse(ctx, "t1")
    vote(ctx, "t2", "budget")
    assert set(nudges(ctx)) == {"t2"}  # t1 was nudged ten days ago
    clock.advance(days=21)  # 31 days after t1's nudge
    suggest(ctx, "t1")
    texts = nudges(ctx)
    assert set(texts) == {"t1"}
    assert texts["t1"].startswith("Thank you for your idea, Pat! That makes you a Contributor.")


def test_the_window_follows_policy_nudge_days(members, clock):
    ctx = members
    ctx.policy = dataclasses.replace(
        ctx.policy, tiers=dataclasses.replace(ctx.policy.tiers, nudge_days=5)
    )
    vote(ctx, "t1")
    assert set(nudges(ctx)) == {"t1"}
    clock.advance(days=5)
    suggest(ctx, "t1")
    assert set(nudges(ctx)) == {"t1"}


def test_two_firsts_in_one_tick_bring_one_nudge(members, clock):
    ctx = members
    answer_pulse(ctx, "s1")
    vote(ctx, "s1")
    assert list(nudges(ctx)) == ["s1"]
    clock.advance(days=40)
    assert nudges(ctx) == {}  # the vote's first was handled in the same tick


def test_nobody_on_the_top_rung_is_nudged(members, clock):
    ctx = members
    records.add_role(ctx.db, "t2", "board", clock(), "test")
    vote(ctx, "t2")
    assert nudges(ctx) == {}


def test_through_the_postman_a_nudge_is_queued_once_and_waits_for_quiet_hours(members, clock):
    ctx = members
    postman = Postman(ctx.db, clock, None, "Europe/London")
    clock.advance(hours=12)  # 22:00 in London: quiet hours
    vote(ctx, "t1")
    messages = tick(ctx, ctx.now())
    postman.post(messages)
    postman.post(messages)  # as if the job ran again before it recorded anything
    [row] = list(ctx.db["outbox"].rows)
    assert row["key"] == "tiers:nudge:t1:vote" and row["quiet"] == 1 and row["member_id"] == "t1"


def test_a_first_check_in_is_nudged_only_after_the_round_is_closed(members, clock):
    """A nudge, or its record, written while the round is open would tell who answered."""
    ctx = members
    round_id = answer_pulse(ctx, "t2", close=False)
    clock.advance(minutes=5)
    Postman(ctx.db, clock, None, "Europe/London").post(tick(ctx, ctx.now()))
    assert outbox_keys(ctx) == []
    assert list(ctx.db["tier_nudges"].rows) == list(ctx.db["tier_last_nudge"].rows) == []
    assert pulse_store.close_round(ctx.db, round_id, ctx.now())
    clock.advance(minutes=5)
    Postman(ctx.db, clock, None, "Europe/London").post(tick(ctx, ctx.now()))
    assert outbox_keys(ctx) == ["tiers:nudge:t2:pulse"]


def test_what_is_kept_says_that_a_first_was_handled_never_when(members, clock):
    ctx = members
    answer_pulse(ctx, "t1")
    tick(ctx, ctx.now())
    assert list(ctx.db["tier_nudges"].rows) == [{"member_id": "t1", "kind": "pulse"}]
    assert list(ctx.db["tier_last_nudge"].rows) == [
        {"member_id": "t1", "nudged_on": ctx.now().date().isoformat()}
    ]


def test_a_first_vote_is_nudged_only_after_the_vote_is_sealed(members, clock):
    """A nudge (or its tier_nudges row) written while the vote is open would tell who voted."""
    ctx = members
    vote_id = vote(ctx, "t1", close=False)
    clock.advance(minutes=5)
    assert tick(ctx, ctx.now()) == []
    assert ctx.db.execute("select count(*) from tier_nudges where kind = 'vote'").fetchone()[0] == 0
    close_vote(ctx, vote_id)
    clock.advance(minutes=5)
    assert set(nudges(ctx)) == {"t1"}
