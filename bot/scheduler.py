"""The scheduler: APScheduler's AsyncIOScheduler fires, the database decides.

Jobs are rebuilt at start-up from the handler modules (`jobs(ctx)`), which read config
and tables. Each cron job records its last run; a run missed while the bot was down is
made once at start-up, never twice, and two processes on one database never both make
it (the claim is a compare-and-set on the last run).

Every firing is a coroutine, so APScheduler runs it on the event loop's thread, where
the SQLite connection lives (a plain function would go to its thread pool). Jobs yield
to the loop between one another. Whether a job is due is decided by the injected clock,
not APScheduler's: the tick checks every job, cron jobs included, so moving the clock and
calling `nudge()` is all a test needs, while cron triggers make real runs punctual.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.postman import Postman
from handlers import MODULES
from handlers.context import Context
from handlers.messages import Message
from handlers.schedule import Job, JobError, Pause, Rebuild
from storage import close_leases, faults, secrecy
from storage import jobs as job_runs
from storage.timestamps import iso, parse
from storage.wal_keeper import WalKeeper

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0
SLOW_SECONDS = 0.1  # a job holding the loop longer than this delays members' replies
EXPECTED = (JobError, sqlite3.OperationalError)  # told in one line; anything else is a bug
PART = 200  # messages posted per transaction when a job fans out to many members
HELD_RETRY_SECONDS = 5.0  # a close held by a reader of the file is tried again this soon
T = TypeVar("T")


def collect_jobs(ctx: Context) -> list[Job]:
    found: list[Job] = []
    for module in MODULES:
        source = getattr(module, "jobs", None)
        if source is not None:
            found.extend(source(ctx))
    return found


def trigger(job: Job, timezone: str) -> CronTrigger:
    assert job.cron is not None
    return CronTrigger.from_crontab(job.cron, timezone=ZoneInfo(timezone))


def latest_due(cron: CronTrigger, since: datetime, now: datetime) -> datetime | None:
    """The last fire time in (since, now], or None if none fell due."""
    due = None
    moment = cron.get_next_fire_time(None, since + timedelta(seconds=1))
    while moment is not None and moment <= now:
        due = moment
        moment = cron.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return due


@dataclass
class Fanout:
    """A job's run under way: its messages, drawn lazily, and how many were posted."""

    job: Job
    messages: Iterator[Message | Pause]
    due: datetime | None
    started: datetime
    posted: int = 0
    done: bool = False
    checkpoint: bool = False  # empty the write-ahead log when the job is done
    barrier: Rebuild | None = None  # the file to rebuild before the job goes on
    held: str | None = None  # why a rebuild could not be done: the job's error, at its end


async def let_others_run() -> None:
    """Let everything waiting on the loop (a member's message, a timer) run before going on.

    `sleep(0)` is not enough: what a socket or a timer wakes is only scheduled in the
    pass that notices it, to run in a later pass, after this task's next step. A
    millisecond's sleep puts this task behind all of that."""
    await asyncio.sleep(0.001)


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if isinstance(error, JobError) else f"{type(error).__name__}: {text}"


class Scheduler:
    def __init__(self, ctx: Context, postman: Postman, tick_seconds: float = TICK_SECONDS) -> None:
        self.ctx, self.postman, self.tick_seconds = ctx, postman, tick_seconds
        self.jobs = collect_jobs(ctx)
        self._aps: AsyncIOScheduler | None = None
        self._ticking = self._look_again = False
        self._firing: set[asyncio.Task] = set()
        self._fanning: set[str] = set()  # cron jobs whose fan-out this scheduler is posting
        self._stopping = False
        self.wal_keeper: WalKeeper | None = None  # set by the runner: it empties the log

    @property
    def timezone(self) -> str:
        return self.ctx.policy.organisation.timezone

    def run_due(self) -> list[str]:
        """Run every job that is due now (and every tick); returns the ids that ran.

        A job that fails is recorded and logged, and the others still run."""
        return [job.id for job in self.jobs if self.attempt(job)]

    async def fire(self, job_ids: tuple[str, ...] | None = None) -> list[str]:
        """APScheduler's coroutine: run the named jobs (all if None) that are due, on the
        loop's thread, letting members' messages through between jobs."""
        ran = []
        if job_ids is None:
            self._ticking = True
        task = asyncio.current_task()
        if task is not None:
            self._firing.add(task)
        try:
            again = True
            while again:
                self._look_again = False
                for job in self.jobs:
                    if job_ids is None or job.id in job_ids:
                        await self._prepare(job)
                        if await self.attempt_in_parts(job):
                            ran.append(job.id)
                        await let_others_run()
                again = job_ids is None and self._look_again
        finally:
            self._firing.discard(task)  # type: ignore[arg-type]
            if job_ids is None:
                self._ticking = False
        return ran

    async def _prepare(self, job: Job) -> None:
        """Do a due job's slow work ahead, off the loop; if that fails, `run` does it all."""
        if job.prepare is None or job.cron is None:
            return
        last = job_runs.last_run(self.ctx.db, job.id)
        due = last and latest_due(trigger(job, self.timezone), last, self.ctx.now())
        if due:
            try:
                await job.prepare(self.ctx, due)
            except Exception as error:
                log.warning("preparing %s failed (%s); it runs without", job.id, one_line(error))

    def attempt(self, job: Job) -> bool:
        """Run `job` if due (all in one transaction) and record how it went."""
        return self._guarded(job, lambda: self.run_job(job))

    def run_job(self, job: Job) -> bool:
        """Run `job` if due. Its claim, its effects, its messages and the record of its
        success commit together, so a crash leaves the job still due rather than half done
        (but for a close, which commits before the file is rebuilt, and goes on after)."""
        fanout = self._begin(job, None)
        while fanout is not None and not fanout.done:
            self._rebuild_here(fanout)
            self._continue(fanout, None)
        self._checkpoint(fanout)
        return fanout is not None

    async def attempt_in_parts(self, job: Job) -> bool:
        """Run `job` if due, posting a long fan-out in parts with members' messages let
        through between them. The claim, the effects and the first part commit together,
        with a note that the fan-out is under way; the note goes with the last part. A
        fan-out cut short (a crash, a failure) is run again for the same due time by the
        next tick: messages keep their keys, so each member gets it once."""
        fanout = self._guarded(job, lambda: self._begin(job, PART))
        self._fanning.add(job.id)  # no await since the claim: nobody took it meanwhile
        try:
            while fanout is not None and not fanout.done:
                if fanout.barrier is not None:
                    # On the loop: VACUUM is a commit, and one from another thread landing
                    # between a read and a write of the loop's own transactions makes those
                    # fail at once ("database is locked") instead of waiting.
                    self._rebuild_here(fanout)
                await let_others_run()
                if self._stopping:  # carried on at the next start, from where it was cut
                    log.info("%s stops between its parts; the next start carries it on", job.id)
                    return False
                if self._guarded(job, lambda: self._continue(fanout)) is None:
                    return False
        finally:
            self._fanning.discard(job.id)
        if fanout is not None and fanout.checkpoint:
            await self._empty_log_off_the_loop()
        if fanout is not None and fanout.held:  # a reader held a close up: look again soon
            asyncio.get_running_loop().call_later(HELD_RETRY_SECONDS, self.nudge)
        return fanout is not None

    async def _empty_log_off_the_loop(self) -> None:
        """Empty the write-ahead log in a thread (seconds of writes take a while to copy),
        or here if the bot has no WalKeeper."""
        if self.wal_keeper is None:
            secrecy.checkpoint(self.ctx.db)
        else:
            await asyncio.get_running_loop().run_in_executor(None, self.wal_keeper.empty)

    def _rebuild_here(self, fanout: Fanout) -> None:
        barrier, fanout.barrier = fanout.barrier, None
        if barrier is not None:
            self._rebuilt(fanout, barrier, secrecy.rebuild_file(self.ctx.db.conn))

    def _rebuilt(self, fanout: Fanout, barrier: Rebuild, done: bool) -> None:
        barrier.outcome.append(done)
        if not done:
            fanout.held = barrier.why or "the database file could not be rebuilt"
            log.warning("%s: %s", fanout.job.id, fanout.held)

    def _guarded(self, job: Job, work: Callable[[], T]) -> T | None:
        started = time.perf_counter()
        try:
            result = work()
        except EXPECTED as error:
            self._failed(job, one_line(error))
            log.error("scheduled job %s failed: %s (will try again)", job.id, one_line(error))
            return None
        except Exception as error:
            self._failed(job, one_line(error))
            log.exception("scheduled job %s failed (will try again)", job.id)
            return None
        held = time.perf_counter() - started
        if held > SLOW_SECONDS:
            log.warning("scheduled job %s held the bot for %.0f ms", job.id, held * 1000)
        return result

    def _begin(self, job: Job, part: int | None) -> Fanout | None:
        """Claim `job` if due and run it; post its messages (only the first `part` of them if
        `part` is set). None if it was not due."""
        now = self.ctx.now()
        with self.ctx.db.atomic():
            due = None
            if job.cron is not None:
                faults.at(f"job {job.id}: claim and build")
                due = self._cut_short(job)
                if due is not None:
                    log.info("carrying on %s (due %s), cut short", job.id, due.isoformat())
                else:
                    last = job_runs.last_run(self.ctx.db, job.id)
                    if last is None:
                        job_runs.baseline(self.ctx.db, job.id, now)
                        return faults.at(None)
                    due = latest_due(trigger(job, self.timezone), last, now)
                    if due is None or not job_runs.claim(self.ctx.db, job.id, last, now):
                        return faults.at(None)
                    log.info("running %s (due %s)", job.id, due.isoformat())
                job_runs.start_fanout(self.ctx.db, job.id, due, close_leases.holder(self.ctx.db))
            fanout = Fanout(job, iter(job.run(self.ctx, due or now)), due, now)
            self._post(fanout, part)
            return fanout

    def _cut_short(self, job: Job) -> datetime | None:
        """The due time of `job`'s fan-out if one was cut short: its process died, or it
        failed here (not one going on now, here or in another live process)."""
        found = job_runs.unfinished(self.ctx.db, job.id)
        if found is None:
            return None
        due, by = found
        if by == close_leases.holder(self.ctx.db):
            return None if job.id in self._fanning else due
        return due if close_leases.alive(by) is False else None

    def _continue(self, fanout: Fanout, part: int | None = PART) -> Fanout:
        with self.ctx.db.atomic():
            self._post(fanout, part)
        return fanout

    def _post(self, fanout: Fanout, part: int | None) -> None:
        """Post the next `part` messages of `fanout`, or those before its next pause (all
        if `part` is None); when none are left, record the job's success in the same
        transaction."""
        batch: list[Message] = []
        fanout.done = True
        if fanout.due is not None:
            faults.at(f"job {fanout.job.id}: fan-out")
        for item in fanout.messages:
            if isinstance(item, Rebuild):  # commit, rebuild, then go on
                fanout.barrier, fanout.done = item, False
                break
            if isinstance(item, Pause):
                fanout.checkpoint |= item.checkpoint
                if part:
                    fanout.done = False
                    break
            else:
                batch.append(item)
                if part and len(batch) >= part:
                    fanout.done = False
                    break
        if batch:
            prefix = f"job:{fanout.job.id}:{iso(fanout.due)}" if fanout.due else None
            self.postman.post(batch, key_prefix=prefix, start=fanout.posted)
            fanout.posted += len(batch)
        if fanout.done and fanout.held:  # done all it could; the rest waits for the next tick
            job_runs.failed(self.ctx.db, fanout.job.id, self.ctx.now(), fanout.held)
        elif fanout.done:
            job_runs.succeeded(self.ctx.db, fanout.job.id, fanout.started)
            job_runs.finish_fanout(self.ctx.db, fanout.job.id)
            faults.at(None)

    def _checkpoint(self, fanout: Fanout | None) -> None:
        """Empty the write-ahead log after the last commit of a job that asked for it."""
        if fanout is not None and fanout.done and fanout.checkpoint:
            secrecy.checkpoint(self.ctx.db)

    def _failed(self, job: Job, reason: str) -> None:
        try:
            with self.ctx.db.atomic():
                job_runs.failed(self.ctx.db, job.id, self.ctx.now(), reason)
        except sqlite3.Error as error:  # e.g. the database itself is locked or gone
            log.error("could not record the failure of %s: %s", job.id, error)

    def start(self) -> None:
        """Let APScheduler fire on the event loop: the first tick, at once, catches up on
        what was missed while the bot was down."""
        zone = ZoneInfo(self.timezone)
        self._aps = AsyncIOScheduler(timezone=zone)
        for job in self.jobs:
            if job.cron is not None:
                self._aps.add_job(
                    self.fire,
                    trigger(job, self.timezone),
                    args=[(job.id,)],
                    id=job.id,
                    coalesce=True,
                    misfire_grace_time=None,
                )
        self._aps.add_job(
            self.fire,
            "interval",
            seconds=self.tick_seconds,
            id="tick",
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(zone),
        )
        self._aps.start()

    def nudge(self) -> None:
        """Look for due work now rather than at the next tick (e.g. after the clock moved)."""
        if self._ticking:  # the tick under way goes round once more
            self._look_again = True
        elif self._aps is not None and self._aps.running:
            self._aps.modify_job("tick", next_run_time=datetime.now(ZoneInfo(self.timezone)))

    async def stop(self) -> None:
        """Fire no more; a job under way stops at the end of the part it is in (what was
        done is committed, and the next start carries on the rest)."""
        self._stopping = True
        if self._aps is not None:
            self._aps.pause()
            await asyncio.gather(*self._firing, return_exceptions=True)
            self._aps.shutdown(wait=False)
            self._aps = None

    def describe(self) -> list[dict[str, str | int | None]]:
        """Each job with its last success, last failure (and why) and next run."""
        runs = job_runs.all_runs(self.ctx.db)
        now = self.ctx.now()
        rows = []
        for job in self.jobs:
            run = runs.get(job.id, {})
            if job.cron:
                upcoming = trigger(job, self.timezone).get_next_fire_time(None, now)
                next_run = upcoming.isoformat() if upcoming else None
            else:
                # A tick runs while the bot runs: one tick after its last success, unless
                # that is long past (the bot is not running: "when the bot runs").
                success = run.get("last_success")
                tick = timedelta(seconds=self.tick_seconds)
                upcoming = parse(success) + tick if success else None
                next_run = iso(upcoming) if upcoming and upcoming >= now - tick else None
            rows.append(
                {
                    "job": job.id,
                    "when": job.cron or f"every {self.tick_seconds:g}s",
                    "last_success": run.get("last_success"),
                    "last_failure": run.get("last_failure"),
                    "last_error": run.get("last_error"),
                    "runs": run.get("runs") or 0,
                    "failures": run.get("failures") or 0,
                    "next_run": next_run,
                    "description": job.description,
                }
            )
        for stuck in close_leases.stuck(self.ctx.db):  # what the tick cannot get past
            rows.append(
                {
                    "job": f"close {stuck['close']}",
                    "when": "every tick until it can go on",
                    "last_success": None,
                    "last_failure": None,
                    "last_error": stuck["error"],
                    "runs": 0,
                    "failures": 0,
                    "next_run": None,
                    "description": f"the close of {stuck['close']} cannot go on",
                }
            )
        return rows
