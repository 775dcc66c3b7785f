"""The officer's report: small groups merged or hidden, movement, and the pipeline."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.tiers import report as tier_report
from storage.pulses import queries as pulse_store
from storage.tiers import queries as records
from tests.handlers.tiers.test_tier_activity import answer_pulse, close_vote, vote
from tests.helpers import add_members

TENANTS = [f"t{n:02}" for n in range(1, 13)]
STAFF = ["s1", "s2", "s3"]


@pytest.fixture
def org(ctx):
    rows = [f"{m},Tenant {m},,tenant" for m in TENANTS] + [f"{m},Staff {m},,staff" for m in STAFF]
    add_members(ctx, "member_id,name,email,constituency\n" + "\n".join(rows) + "\n")
    return ctx


def group(report: dict, name: str) -> dict:
    return next(g for g in report["constituencies"] if g["constituency"] == name)


def bands(report: dict, name: str) -> list[tuple[str, int, int | None]]:
    return [
        (" to ".join(dict.fromkeys([b["tiers"][0], b["tiers"][-1]])), b["count"], b["last_month"])
        for b in group(report, name)["bands"]
    ]


def test_small_rungs_are_merged_and_a_small_constituency_is_hidden(org, clock):
    ctx = org
    for member_id in TENANTS[:6]:
        vote(ctx, member_id)
    records.add_role(ctx.db, "t07", "council", clock(), "test")
    vote(ctx, "s1")
    report = tier_report.report(ctx)
    assert report["threshold"] == 5 and report["members"] == 15
    assert bands(report, "tenant") == [("Member", 5, None), ("Voice to Representative", 7, None)]
    assert "merged" in group(report, "tenant")["note"]
    staff = group(report, "staff")
    assert staff["members"] is None and staff["bands"] == []
    assert staff["note"] == "not shown: fewer than 5 members in this group"
    for row in report["constituencies"]:
        assert all(b["count"] == 0 or b["count"] >= 5 for b in row["bands"])
    assert report["since"] is None and "no monthly snapshot yet" in report["movement_note"]


def test_a_bigger_threshold_merges_more(org):
    ctx = org
    for member_id in TENANTS[:6]:
        vote(ctx, member_id)
    privacy = dataclasses.replace(ctx.policy.privacy, anonymity_threshold=7)
    ctx.policy = dataclasses.replace(ctx.policy, privacy=privacy)
    report = tier_report.report(ctx)
    assert bands(report, "tenant") == [("Member to Voice", 12, None)] + [
        (name, 0, None) for name in ("Contributor", "Volunteer / Champion", "Representative")
    ]


def test_movement_compares_with_the_monthly_snapshot_and_hides_small_figures(org, clock):
    ctx = org
    records.add_role(ctx.db, "t07", "council", clock(), "test")
    tier_report.take_snapshot(ctx, ctx.now())
    snapshot = list(ctx.db["tier_snapshots"].rows)
    assert {tuple(sorted(row)) for row in snapshot} == {
        ("constituency", "members", "month", "taken_at", "tier")
    }  # counts only: no member ids
    assert {(r["constituency"], r["tier"], r["members"]) for r in snapshot} == {
        ("tenant", "member", 11),
        ("tenant", "representative", 1),
        ("staff", "member", 3),
    }
    clock.advance(days=20)
    for member_id in TENANTS[:6]:
        vote(ctx, member_id)
    report = tier_report.report(ctx)
    assert report["since"] == "2026-11" and report["movement_note"] is None
    assert bands(report, "tenant") == [("Member", 5, 11), ("Voice to Representative", 7, None)]
    assert (
        "last month's figure for Voice to Representative is hidden"
        in (group(report, "tenant")["note"])
    )


def test_the_snapshot_job_runs_on_the_first_of_the_month():
    from handlers.tiers.chat import jobs
    from tests.helpers import make_context

    [nudges, snapshot] = jobs(make_context())
    assert nudges.cron is None and snapshot.cron == "0 3 1 * *"
    assert snapshot.run is tier_report.take_snapshot


def test_the_pipeline_names_only_those_who_agreed(org, clock):
    ctx = org
    records.ask(ctx.db, "t01", "voice", clock())
    records.consent(ctx.db, "t01", "voice", clock())
    records.ask(ctx.db, "t02", "champion", clock())
    records.decline(ctx.db, "t02", "champion", clock())
    records.ask(ctx.db, "t03", "champion", clock())  # not answered yet
    pipeline = tier_report.report(ctx)["pipeline"]
    assert [(p["member_id"], p["name"], p["tier"]) for p in pipeline["named"]] == [
        ("t01", "Tenant t01", "Voice")
    ]
    assert pipeline["anonymous"] == [{"tier": "Volunteer / Champion", "declined": 1, "waiting": 1}]


def test_ballots_in_an_open_vote_leave_the_report_and_every_placement_as_they_were(org, clock):
    """Comparing two reports (or one member's rung) while a vote is open must not tell
    who has voted: a vote counts once it is closed and sealed."""
    ctx = org
    ladder = tier_report.current_ladder(ctx)
    before = tier_report.report(ctx), tier_report.placements(ctx, ladder, ctx.now())
    vote_id = vote(ctx, TENANTS[0], close=False)
    for member_id in TENANTS[1:6]:
        vote(ctx, member_id, vote_id, close=False)
    assert (tier_report.report(ctx), tier_report.placements(ctx, ladder, ctx.now())) == before
    close_vote(ctx, vote_id)
    after = {p["member_id"]: p["tier"] for p in tier_report.placements(ctx, ladder, ctx.now())}
    assert {m for m, tier in after.items() if tier != "member"} == set(TENANTS[:6])


def test_answers_to_an_open_anonymous_round_leave_every_placement_as_it_was(org, clock):
    ctx = org
    ladder = tier_report.current_ladder(ctx)
    before = tier_report.report(ctx), tier_report.placements(ctx, ladder, ctx.now())
    round_id = answer_pulse(ctx, TENANTS[0], close=False)
    for member_id in TENANTS[1:6]:
        pulse_store.set_progress(
            ctx.db, round_id, member_id, step=1, finished=True, answered_at=ctx.now()
        )
    assert (tier_report.report(ctx), tier_report.placements(ctx, ladder, ctx.now())) == before
    assert pulse_store.close_round(ctx.db, round_id, ctx.now())
    after = {p["member_id"]: p["tier"] for p in tier_report.placements(ctx, ladder, ctx.now())}
    assert {m for m, tier in after.items() if tier != "member"} == set(TENANTS[:6])
