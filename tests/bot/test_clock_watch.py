"""Clocks: a wall clock set back stalls nothing, one set forward closes no vote early."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock_watch import ClockWatch
from bot.outbox import Outcome, Pace, Sender
from handlers.votes.admin import due_work
from storage import jobs as job_runs
from storage import outbox
from storage.db import open_database
from storage.votes import queries as store
from tests.bot.test_outbox import rows
from tests.handlers.votes.test_votes import Kit, definition
from tests.helpers import FakeClock, make_context


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_forward_leap_is_not_trusted_and_a_step_back_is(caplog):
    wall, mono = FakeClock(), Monotonic()
    back, forward = [], []
    watch = ClockWatch(wall, mono, back.append, forward.append)
    start = wall.now
    wall.advance(seconds=1)
    mono.now += 1
    assert watch.check() == timedelta(0) and watch.trusted() == wall.now
    wall.advance(days=2, seconds=1)  # set forward two days (and a second went by)
    mono.now += 1
    watch.check()
    assert forward == [timedelta(days=2)]
    assert watch.trusted() == start + timedelta(seconds=2)
    wall.advance(hours=1)
    mono.now += 3600
    assert watch.check() == timedelta(0)
    assert watch.trusted() == start + timedelta(seconds=3602)  # still not trusted
    wall.now = start + timedelta(seconds=3603)  # corrected back
    mono.now += 1
    watch.check()
    assert back == [timedelta(days=2)] and watch.trusted() == wall.now
    assert "set back" in caplog.text and "jumped forward" in caplog.text


def test_a_vote_does_not_close_early_when_the_clock_leaps(tmp_path):
    clock = FakeClock()
    ctx = make_context(clock, tmp_path / "mv.db")
    Kit(ctx)
    kit_vote = definition(opens=clock.now, closes=clock.now + timedelta(hours=2))
    from handlers.votes.admin import create_vote, open_vote

    create_vote(ctx, kit_vote, "test")
    list(open_vote(ctx, "agm"))
    trusted_at = clock.now
    ctx.trusted = lambda: trusted_at + timedelta(minutes=5)  # the watch saw a leap
    clock.advance(days=2)  # the wall clock leapt past the closing time
    list(due_work(ctx, clock.now))
    assert store.get(ctx.db, "agm")["status"] == "open"
    ctx.trusted = lambda: trusted_at + timedelta(hours=2)  # its time really came
    list(due_work(ctx, clock.now))
    assert store.get(ctx.db, "agm")["status"] == "closed"


def test_a_step_back_makes_waiting_messages_and_jobs_due_from_the_new_time(tmp_path):
    clock = FakeClock()
    db = open_database(tmp_path / "mv.db")
    outbox.enqueue(db, rows(5), clock())
    job_runs.baseline(db, "digest:members", clock.now)
    clock.advance(minutes=-10)  # set back ten minutes
    assert outbox.claim_due(db, "telegram", clock(), 10) == []  # they would wait 10 min
    assert outbox.clock_set_back(db, timedelta(minutes=10), clock()) == 5
    assert job_runs.clock_set_back(db, clock()) == 1
    assert len(outbox.claim_due(db, "telegram", clock(), 10)) == 5
    assert job_runs.last_run(db, "digest:members") == clock.now


async def test_pacing_goes_on_when_the_wall_clock_is_set_back(tmp_path):
    """Issue 29: set back 10 minutes, replies stopped for 626 s: the sender slept until
    its next slot on the wall clock came round again."""
    clock = FakeClock()
    db = open_database(tmp_path / "mv.db")
    outbox.enqueue(db, rows(20), clock())
    slept: list[float] = []
    mono = Monotonic()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        mono.now += seconds
        await asyncio.sleep(0)

    async def deliver(row, message):
        if row.key == "m10":
            clock.advance(minutes=-10)
        return Outcome(ref="r")

    pace = Pace(rate_per_second=10, per_chat_seconds=0, concurrency=1)
    sender = Sender(db, "telegram", deliver, clock, pace, sleep=sleep, monotonic=mono)
    assert await sender.drain() == 20
    assert max(slept) <= 0.1 + 1e-9  # paced at 10/s, never waiting for the wall clock


def test_a_step_while_stopped_is_measured_in_the_same_boot_and_guessed_after_a_reboot():
    from datetime import UTC, datetime

    from bot.clock_watch import since_last_run, span

    last = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    seen = {"wall": last.isoformat(), "boot_id": "b1", "since_boot": 1000.0, "ahead_seconds": 0}
    # Down 10 minutes by the boot clock, and the wall clock says 10 minutes: nothing moved.
    assert since_last_run(seen, last + timedelta(minutes=10), "b1", 1600.0) == (
        timedelta(0),
        timedelta(0),
    )
    # Down 10 minutes, but the wall clock says 2 days: it jumped; closes wait for the rest.
    jump, ahead = since_last_run(seen, last + timedelta(days=2), "b1", 1600.0)
    assert jump == ahead == timedelta(days=2) - timedelta(minutes=10)
    assert span(jump) == "1 d 23 h 50 min"
    # Set back while down: told; nothing is ahead.
    jump, ahead = since_last_run(seen, last - timedelta(hours=1), "b1", 1600.0)
    assert jump == -timedelta(hours=1, minutes=10) and ahead == timedelta(0)
    # A step carried over from the last run stays until the clock is set back.
    carried = {**seen, "ahead_seconds": 3600.0}
    assert since_last_run(carried, last + timedelta(minutes=10), "b1", 1600.0)[1] == timedelta(
        hours=1
    )
    # After a reboot the downtime is unknown: ahead is trusted, behind was set back.
    assert since_last_run(seen, last + timedelta(days=2), "b2", 5.0) == (
        timedelta(0),
        timedelta(0),
    )
    assert since_last_run(seen, last - timedelta(hours=1), "b2", 5.0)[0] == -timedelta(hours=1)
    assert since_last_run(None, last, "b1", 5.0) == (timedelta(0), timedelta(0))
