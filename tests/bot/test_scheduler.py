from datetime import UTC, datetime, timedelta

from bot.postman import Postman
from bot.scheduler import Scheduler, latest_due, trigger
from handlers.messages import Message, Recipient
from handlers.schedule import Job, JobError
from storage import outbox
from tests.helpers import FakeClock, make_context


def weekly_digest(calls):
    def run(ctx, due):
        calls.append(due)
        return [Message(Recipient(platform="slack", chat_id="C1"), f"Digest for {due:%d %b}")]

    return Job("digest:council", run, cron="0 9 * * mon", description="council digest")


def scheduler_for(ctx, job):
    scheduler = Scheduler(ctx, Postman(ctx.db, ctx.clock, None, "Europe/London"))
    scheduler.jobs = [job]
    return scheduler


def test_missed_runs_while_stopped_are_made_once_not_twice(tmp_path):
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # a Sunday
    ctx = make_context(clock, tmp_path / "mv.db")
    calls = []
    first = scheduler_for(ctx, weekly_digest(calls))
    assert first.run_due() == []  # the first start only sets the baseline
    clock.advance(days=15)  # the bot was down across two Monday 09:00s
    restarted = scheduler_for(ctx, weekly_digest(calls))
    assert restarted.run_due() == ["digest:council"]
    assert restarted.run_due() == []
    assert calls == [datetime(2026, 12, 7, 9, 0, tzinfo=calls[0].tzinfo)]
    assert [r["payload"]["text"] for r in outbox.rows_for(ctx.db)] == ["Digest for 07 Dec"]


def test_two_processes_on_one_database_never_both_run_it(tmp_path):
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    path = tmp_path / "mv.db"
    one, two = make_context(clock, path), make_context(clock, path)
    calls = []
    scheduler_for(one, weekly_digest(calls)).run_due()
    clock.advance(days=1)
    a, b = scheduler_for(one, weekly_digest(calls)), scheduler_for(two, weekly_digest(calls))
    # Both read the same last run before either claims it.
    assert a.run_job(a.jobs[0]) is True
    assert b.run_job(b.jobs[0]) is False
    assert len(calls) == 1


def test_latest_due_honours_the_organisation_time_zone():
    cron = trigger(Job("x", lambda c, d: [], cron="0 9 * * mon"), "Europe/London")
    since = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # British Summer Time
    due = latest_due(cron, since, since + timedelta(days=1))
    assert due is not None and due.astimezone(UTC).hour == 8


def failing(ctx, due):
    raise JobError("the council channel is archived")


def test_a_failed_job_is_recorded_retried_and_shown_by_jobs(tmp_path):
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    ctx = make_context(clock, tmp_path / "mv.db")
    scheduler = scheduler_for(ctx, Job("flaky", failing, description="fails"))
    assert scheduler.run_due() == []  # failed: recorded, not raised
    (row,) = scheduler.describe()
    assert row["last_success"] is None and row["failures"] == 1
    assert row["last_error"] == "the council channel is archived"
    assert row["last_failure"] == "2026-11-22T12:00:00+00:00"
    scheduler.jobs = [Job("flaky", lambda c, d: [], description="fixed")]
    clock.advance(30)
    assert scheduler.run_due() == ["flaky"]  # tried again on the next tick
    (row,) = scheduler.describe()
    assert row["last_success"] == "2026-11-22T12:00:30+00:00"
    assert row["next_run"] == "2026-11-22T12:01:00+00:00"  # one tick on
    assert row["last_error"] == "the council channel is archived"  # the last failure stays
    clock.advance(minutes=10)  # no tick since: the bot is not running
    assert scheduler.describe()[0]["next_run"] is None


def test_a_cron_job_that_never_ran_shows_no_last_success(tmp_path):
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    ctx = make_context(clock, tmp_path / "mv.db")
    scheduler = scheduler_for(ctx, weekly_digest([]))
    scheduler.run_due()  # the baseline
    (row,) = scheduler.describe()
    assert row["runs"] == 0 and row["last_success"] is None
    assert row["next_run"] == "2026-11-23T09:00:00+00:00"


def test_a_failed_cron_run_rolls_back_its_claim_and_runs_on_the_next_tick(tmp_path):
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # a Sunday
    ctx = make_context(clock, tmp_path / "mv.db")
    calls = []
    broken = Job("digest:council", failing, cron="0 9 * * mon")
    scheduler = scheduler_for(ctx, broken)
    scheduler.run_due()
    clock.advance(days=1)
    assert scheduler.run_due() == []
    scheduler.jobs = [weekly_digest(calls)]
    assert scheduler.run_due() == ["digest:council"]
    assert len(calls) == 1 and scheduler.describe()[0]["runs"] == 1
