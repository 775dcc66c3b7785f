"""What tiers count, read from the pulses, votes and suggestions tables (made by their storage)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlite_utils import Database

from storage.pulses import queries as pulse_store
from storage.schema import core
from storage.suggestions import queries as suggestion_store
from storage.tiers import activity
from storage.tiers import queries as tiers
from storage.tiers.schema import tiers_migrations
from storage.timestamps import iso
from storage.votes import queries as vote_store
from tests.helpers import add_members

DAY = timedelta(days=1)


# --- making activity through the other features' storage modules -----------------------


def answer_pulse(ctx, member_id: str, audience=("tenant", "staff"), close: bool = True) -> int:
    """Open a round for the audience and record that `member_id` answered it now; then
    (`close`) close it, as tiers count a check-in only then."""
    now = ctx.now()
    round_row = pulse_store.create_round(
        ctx.db,
        survey_id="tenant-pulse",
        title="Tenant pulse",
        anonymous=True,
        definition="{}",
        audience=audience,
        opened_by="test",
        opened_at=now,
        closes_at=now + 3 * DAY,
        remind_at=None,
        secret=b"s" * 32,
    )
    assert round_row is not None
    pulse_store.set_progress(
        ctx.db, round_row["id"], member_id, step=1, finished=True, answered_at=now
    )
    if close:
        assert pulse_store.close_round(ctx.db, round_row["id"], now)
    return round_row["id"]


def vote(ctx, member_id: str, vote_id: str | None = None, close: bool = True) -> str:
    """`member_id` votes; then (`close`) the vote closes and is sealed, as tiers count a
    vote only then. Without `vote_id` each call is a vote of its own. Returns its id."""
    db, now = ctx.db, ctx.now()
    vote_id = vote_id or f"v-{uuid.uuid4().hex[:8]}"
    if vote_store.get(db, vote_id) is None:
        vote_store.insert_vote(
            db,
            {
                "vote_id": vote_id,
                "title": "AGM",
                "method": "resolution",
                "definition": "{}",
                "status": "scheduled",
                "closes_at": iso(now + 7 * DAY),
            },
        )
        assert vote_store.mark_open(db, vote_id, now, eligible=3, secret=None)
    outcome, _ = vote_store.cast(
        db,
        vote_id,
        member_id,
        choice="for",
        make_receipt=lambda: uuid.uuid4().hex[:8],
        voted_on=now.date().isoformat(),
        now=now,
    )
    assert outcome == vote_store.CAST
    if close:
        close_vote(ctx, vote_id)
    return vote_id


def close_vote(ctx, vote_id: str) -> None:
    """Close and seal the vote through its storage, as handlers/votes does."""
    db, now = ctx.db, ctx.now()
    assert vote_store.mark_closed(db, vote_id, now)
    assert list(vote_store.seal_in_parts(db, vote_id, now.date().isoformat())) is not None
    assert vote_store.mark_sealed(db, vote_id)


def suggest(ctx, member_id: str, named: bool = True) -> int:
    return suggestion_store.create(
        ctx.db,
        member_id=member_id,
        text="More benches in the garden",
        topic="community fund",
        named=named,
        sentiment="neutral",
        polarity=0.0,
        words=["benches", "garden"],
        similar=[],
        now=ctx.now(),
    )


# --- the sources -------------------------------------------------------------------------


def test_without_the_other_features_tables_only_roles_and_groups_count(clock):
    db = Database(memory=True)
    core.apply(db)
    tiers_migrations.apply(db)
    db["members"].insert({"member_id": "t1", "constituency": "tenant", "created_at": "x"})
    tiers.add_role(db, "t1", "board", clock(), "test")
    tiers.add_group(db, "t1", "Repairs panel", clock(), "test")
    assert activity.pulses_answered(db) == {}
    assert activity.votes_cast(db, ["t1"]) == {}
    assert activity.suggestions_made(db, ["t1"], clock() - DAY) == {}
    assert activity.active_members(db, "vote") == []
    assert activity.formal_roles(db) == {"t1": ("board",)}
    assert activity.groups_joined(db, ["t1"]) == {"t1": ("Repairs panel",)}


def test_a_table_without_the_expected_columns_counts_nothing_and_says_so(clock, caplog):
    db = Database(memory=True)
    core.apply(db)
    db["vote_voters"].create({"vote_id": str, "member_id": str})  # no voted_on
    db["vote_voters"].insert({"vote_id": "v", "member_id": "t1"})
    with caplog.at_level(logging.WARNING, logger="storage.tiers.activity"):
        assert activity.votes_cast(db) == {}
    assert "vote_voters lacks column(s) voted_on" in caplog.text


def test_pulses_answered_counts_rounds_answered_in_the_window(ctx, clock):
    add_members(ctx)
    answer_pulse(ctx, "t1")
    clock.advance(days=40)
    answer_pulse(ctx, "t1")
    answer_pulse(ctx, "t2", audience=("tenant",))
    found = activity.pulses_answered(ctx.db, ["t1", "t2", "s1"], ctx.now() - 100 * DAY)
    assert found["t1"].count == 2 and found["t1"].latest == ctx.now()
    assert found["t2"].count == 1
    assert "s1" not in found  # asked three times, answered none
    recent = activity.pulses_answered(ctx.db, None, ctx.now() - 10 * DAY)
    assert recent["t1"].count == 1


def test_a_check_in_counts_once_its_round_is_closed_never_while_open(ctx, clock):
    add_members(ctx)
    round_id = answer_pulse(ctx, "t1", close=False)
    assert activity.pulses_answered(ctx.db) == {}
    assert activity.active_members(ctx.db, "pulse") == []
    assert pulse_store.close_round(ctx.db, round_id, ctx.now())
    assert activity.pulses_answered(ctx.db, ["t1"])["t1"].count == 1
    assert activity.active_members(ctx.db, "pulse", ctx.now()) == ["t1"]


def test_votes_are_counted_by_day_including_the_first_day_of_the_window(ctx, clock):
    add_members(ctx)
    vote(ctx, "t1", "agm")
    clock.advance(days=5)
    vote(ctx, "t1", "budget")
    since = ctx.now() - 5 * DAY  # the AGM vote's day, at 10:00
    found = activity.votes_cast(ctx.db, ["t1", "t2"], since)
    assert found["t1"].count == 2 and "t2" not in found
    assert found["t1"].latest.date() == ctx.now().date()


def test_only_named_suggestions_count(ctx):
    add_members(ctx)
    suggest(ctx, "t1", named=True)
    suggest(ctx, "t2", named=False)
    assert set(activity.suggestions_made(ctx.db)) == {"t1"}
    assert set(activity.active_members(ctx.db, "suggestion")) == {"t1"}


def test_active_members_finds_recent_activity_and_leaves_out_handled_firsts(ctx, clock):
    add_members(ctx)
    answer_pulse(ctx, "t1")
    vote(ctx, "t2")
    start = ctx.now()
    clock.advance(days=10)  # more than SETTLING: t2's vote closed long ago
    vote(ctx, "s1", "budget")
    assert activity.active_members(ctx.db, "pulse") == ["t1"]
    assert set(activity.active_members(ctx.db, "vote", ctx.now() - DAY)) == {"s1"}
    assert set(activity.active_members(ctx.db, "vote", start)) == {"t2", "s1"}
    tiers.mark_seen(ctx.db, "vote", ["t2"])
    assert set(activity.active_members(ctx.db, "vote", start, unseen=True)) == {"s1"}


def test_a_member_on_an_open_votes_roll_who_has_not_voted_has_not_taken_part(ctx, clock):
    add_members(ctx)
    vote(ctx, "t1", "agm", close=False)  # opened with no roll; give it one, as an opening does
    vote_store.prepare_roll(
        ctx.db, "agm", ["tenant", "staff"], ctx.now(), 7, False, lambda: uuid.uuid4().hex[:9]
    )
    on_roll = {m for (m,) in ctx.db.execute("select member_id from vote_voters")}
    assert on_roll == {"t1", "t2", "s1"}
    assert vote_store.voted_members(ctx.db, "agm") == {"t1"}
    assert vote_store.count_voters(ctx.db, "agm") == 1
    close_vote(ctx, "agm")
    assert set(activity.votes_cast(ctx.db)) == {"t1"}
    assert set(activity.active_members(ctx.db, "vote")) == {"t1"}


def test_a_vote_counts_only_once_sealed_so_nothing_tells_who_voted_while_open(ctx, clock):
    add_members(ctx)
    vote(ctx, "t1", "agm", close=False)
    assert activity.votes_cast(ctx.db) == {}
    assert activity.active_members(ctx.db, "vote") == []
    assert vote_store.mark_closed(ctx.db, "agm", ctx.now())
    list(vote_store.seal_in_parts(ctx.db, "agm", ctx.now().date().isoformat()))
    assert activity.votes_cast(ctx.db) == {}  # closed, but not yet sealed
    assert vote_store.mark_sealed(ctx.db, "agm")
    assert set(activity.votes_cast(ctx.db)) == {"t1"}
    assert set(activity.active_members(ctx.db, "vote")) == {"t1"}
