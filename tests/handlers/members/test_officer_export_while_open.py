"""An officer's export of a member (`members export`, the console's export) does not
change when the member votes or answers while a vote or check-in is open: who has taken
part shows only once it is closed (issue #22: "who has voted is not shown to officers
until close"). The member's own /mydata is theirs and may show it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from handlers.members import data as member_data
from storage import privacy
from storage.pulses import queries as pulse_store
from storage.votes import queries as vote_store
from tests.handlers.tiers.test_tier_activity import close_vote, vote
from tests.helpers import add_members


def officer_export(ctx, member_id: str) -> dict:
    return member_data.export(ctx, member_id, "officer")


def open_vote_with_roll(ctx) -> str:
    vote_id = vote(ctx, "s1", close=False)  # someone else votes first, opening it
    vote_store.prepare_roll(
        ctx.db, vote_id, ["tenant", "staff"], ctx.now(), 7, False, lambda: uuid.uuid4().hex[:9]
    )
    return vote_id


def open_round(ctx) -> int:
    now = ctx.now()
    row = pulse_store.create_round(
        ctx.db,
        survey_id="tenant-pulse",
        title="Tenant pulse",
        anonymous=True,
        definition="{}",
        audience=("tenant", "staff"),
        opened_by="test",
        opened_at=now,
        closes_at=now + timedelta(days=3),
        remind_at=None,
        secret=b"s" * 32,
    )
    assert row is not None
    return row["id"]


def test_voting_in_an_open_vote_leaves_the_officers_export_as_it_was(ctx, clock):
    add_members(ctx)
    vote_id = open_vote_with_roll(ctx)
    before = officer_export(ctx, "t1")
    ctx.db["vote_drafts"].insert(
        {"vote_id": vote_id, "member_id": "t1", "picks": "a", "updated_at": "x"}
    )  # a ballot being filled in
    assert officer_export(ctx, "t1") == before
    ctx.db.execute("delete from vote_drafts")
    clock.advance(minutes=3)
    vote(ctx, "t1", vote_id, close=False)
    assert officer_export(ctx, "t1") == before
    assert any(r["vote_id"] == vote_id for r in privacy.export_member(ctx.db, "t1")["vote_voters"])
    close_vote(ctx, vote_id)
    assert [r["vote_id"] for r in officer_export(ctx, "t1")["vote_voters"]] == [vote_id]


def test_answering_an_open_anonymous_round_leaves_the_officers_export_as_it_was(ctx, clock):
    add_members(ctx)
    round_id = open_round(ctx)
    before = officer_export(ctx, "t1")
    pulse_store.set_progress(ctx.db, round_id, "t1", step=1, finished=False, answered_at=None)
    assert officer_export(ctx, "t1") == before
    clock.advance(minutes=3)
    pulse_store.set_progress(ctx.db, round_id, "t1", step=2, finished=True, answered_at=ctx.now())
    assert officer_export(ctx, "t1") == before
    assert pulse_store.close_round(ctx.db, round_id, ctx.now())
    assert [r["round_id"] for r in officer_export(ctx, "t1")["pulse_participation"]] == [round_id]


def test_the_export_says_what_waits_for_the_close(ctx):
    add_members(ctx)
    left_out = officer_export(ctx, "t1")["left_out"]
    assert set(left_out["until_closed"]) == {
        "vote_voters", "vote_drafts", "pulse_participation", "meeting_proxies"
    }  # fmt: skip
