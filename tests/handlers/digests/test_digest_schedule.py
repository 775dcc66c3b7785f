"""The digests' jobs under the real scheduler: missed twice while stopped, sent once on restart."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.postman import Postman
from bot.scheduler import Scheduler
from handlers.digests import scheduled as digests
from handlers.messages import unquoted
from storage import outbox
from storage.digests import queries as store
from storage.suggestions import queries as suggestions
from tests.handlers.digests.test_digest_council import suggest
from tests.handlers.pulses.test_pulse_chat import join
from tests.helpers import FakeClock, make_context

SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COUNCIL = ("slack", "C-COUNCIL")


def start(ctx) -> tuple[Scheduler, list[str]]:
    """A fresh bot process: the real jobs of every handler module; returns what ran."""
    scheduler = Scheduler(ctx, Postman(ctx.db, ctx.clock, COUNCIL, "Europe/London"))
    return scheduler, scheduler.run_due()


def digest_rows(ctx, kind: str) -> list[dict]:
    return [r for r in outbox.rows_for(ctx.db) if r["key"].startswith(f"digest:{kind}:")]


def test_both_jobs_are_collected_with_their_cron_times(ctx):
    scheduler, _ = start(ctx)
    found = {job.id: job.cron for job in scheduler.jobs if job.id.startswith("digest:")}
    assert found == {"digest:council": "0 9 * * mon", "digest:members": "0 10 1 * *"}


def test_two_missed_digests_are_sent_once_on_restart(tmp_path):
    clock = FakeClock(SUNDAY)
    ctx = make_context(clock, tmp_path / "mv.db")
    join(ctx, staff=6, tenants=2)
    _, ran = start(ctx)  # the first start only sets the baseline
    assert "digest:council" not in ran
    clock.advance(days=1)  # Monday 23 Nov 12:00: the bot ran its first digest
    _, ran = start(ctx)
    assert "digest:council" in ran
    [first] = digest_rows(ctx, "council")
    assert first["key"] == "digest:council:2026-11-23T09:00:00+00:00"
    assert first["payload"]["text"].startswith("A quiet week")

    suggest(ctx, "staff-01", "Longer lunch breaks")  # while the bot is stopped
    clock.advance(days=15)  # down across Mon 30 Nov and Mon 7 Dec (and the 1st of the month)
    restarted, ran = start(ctx)
    assert ran.count("digest:council") == 1 and ran.count("digest:members") == 1
    assert "digest:council" not in restarted.run_due()
    council = digest_rows(ctx, "council")
    assert [r["key"] for r in council] == [
        "digest:council:2026-11-23T09:00:00+00:00",
        "digest:council:2026-12-07T09:00:00+00:00",  # the latest missed time, once
    ]
    # It covers everything since the last digest, the missed week included.
    text = council[1]["payload"]["text"]
    assert text.startswith("Since Mon 23 Nov.") and "1 new suggestion:" in text
    assert council[1]["chat_id"] == "C-COUNCIL" and council[1]["payload"]["image"]

    # Another process on the same database finds nothing left to do.
    other = make_context(clock, tmp_path / "mv.db")
    _, ran = start(other)
    assert "digest:council" not in ran and len(digest_rows(other, "council")) == 2
    runs = store.runs(ctx.db, "council")
    assert [r["due"] for r in runs] == ["2026-11-23T09:00:00+00:00", "2026-12-07T09:00:00+00:00"]
    assert runs[1]["since"] == runs[0]["until"]


def test_the_newsletter_job_keys_each_copy_by_due_time_and_member(tmp_path):
    clock = FakeClock(SUNDAY)
    ctx = make_context(clock, tmp_path / "mv.db")
    join(ctx, staff=2)
    number = suggest(ctx, "staff-01", "Longer lunch breaks", named=True)
    suggestions.set_status(ctx.db, number, "adopted", clock.now, note="From January.")
    start(ctx)
    clock.advance(days=10)  # past Tue 1 Dec 10:00
    _, ran = start(ctx)
    assert "digest:members" in ran
    rows = digest_rows(ctx, "members")
    due = "2026-12-01T10:00:00+00:00"
    assert [r["key"] for r in rows] == [
        f"digest:members:{due}:staff-01",
        f"digest:members:{due}:staff-02",
    ]
    assert all(r["quiet"] == 1 for r in rows)
    assert "“Longer lunch breaks”: adopted. From January." in unquoted(rows[0]["payload"]["text"])
    assert digests.period_start(ctx, "members", clock.now) == store.last_until(ctx.db, "members")
