"""The scheduler: APScheduler's AsyncIOScheduler fires, the database decides.

Jobs are rebuilt at start-up from the handler modules (`jobs(ctx)`), which read config
and tables. Each cron job records its last run; a run missed while the bot was down is
made once at start-up, never twice, and two processes on one database never both make
it (the claim is a compare-and-set on the last run).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.postman import Postman
from handlers import MODULES
from handlers.context import Context
from handlers.schedule import Job
from storage import jobs as job_runs
from storage.timestamps import iso

log = logging.getLogger(__name__)

TICK_SECONDS = 30


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


class Scheduler:
    def __init__(self, ctx: Context, postman: Postman) -> None:
        self.ctx, self.postman = ctx, postman
        self.jobs = collect_jobs(ctx)
        self._aps: AsyncIOScheduler | None = None

    def run_due(self) -> list[str]:
        """Run every job that is due now (and every tick); returns the ids that ran."""
        ran = [job.id for job in self.jobs if self.run_job(job)]
        return ran

    def run_job(self, job: Job) -> bool:
        """Run `job` if due. Its claim, its effects and its messages commit together, so a
        crash leaves the job still due rather than half done."""
        now = self.ctx.now()
        with self.ctx.db.atomic():
            if job.cron is None:
                self._post(job, job.run(self.ctx, now), None)
                return True
            last = job_runs.last_run(self.ctx.db, job.id)
            if last is None:
                job_runs.baseline(self.ctx.db, job.id, now)
                return False
            due = latest_due(trigger(job, self.ctx.policy.organisation.timezone), last, now)
            if due is None or not job_runs.claim(self.ctx.db, job.id, last, now):
                return False
            log.info("running %s (due %s)", job.id, due.isoformat())
            self._post(job, job.run(self.ctx, due), due)
            return True

    def _post(self, job: Job, messages: list, due: datetime | None) -> None:
        if messages:
            prefix = f"job:{job.id}:{iso(due)}" if due else None
            self.postman.post(messages, key_prefix=prefix)

    def _safely(self, job: Job) -> None:
        try:
            self.run_job(job)
        except Exception:
            log.exception("scheduled job %s failed", job.id)

    def _tick(self) -> None:
        for job in self.jobs:
            if job.cron is None:
                self._safely(job)

    def start(self) -> None:
        """Catch up on what was missed, then let APScheduler fire on the event loop."""
        for job in self.jobs:
            self._safely(job)
        timezone = ZoneInfo(self.ctx.policy.organisation.timezone)
        self._aps = AsyncIOScheduler(timezone=timezone)
        for job in self.jobs:
            if job.cron is not None:
                self._aps.add_job(
                    self._safely,
                    trigger(job, self.ctx.policy.organisation.timezone),
                    args=[job],
                    id=job.id,
                    coalesce=True,
                    misfire_grace_time=None,
                )
        self._aps.add_job(self._tick, "interval", seconds=TICK_SECONDS, id="tick", coalesce=True)
        self._aps.start()

    def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    def describe(self) -> list[dict[str, str | int | None]]:
        runs = job_runs.all_runs(self.ctx.db)
        rows = []
        for job in self.jobs:
            run = runs.get(job.id, {})
            upcoming = None
            if job.cron:
                cron = trigger(job, self.ctx.policy.organisation.timezone)
                upcoming = cron.get_next_fire_time(None, self.ctx.now())
            rows.append(
                {
                    "job": job.id,
                    "when": job.cron or f"every {TICK_SECONDS}s",
                    "last_run": run.get("last_run"),
                    "runs": run.get("runs", 0),
                    "next_run": upcoming.isoformat() if upcoming else None,
                    "description": job.description,
                }
            )
        return rows
