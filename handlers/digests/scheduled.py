"""Scheduled digests: the staff council's weekly picture and the members' monthly newsletter.

Two cron jobs (`digests.council_cron`, `digests.members_cron`, in the organisation's
time zone). The scheduler runs each once per due time, catching up once after a
stop. A digest covers the time since the previous one of its kind ended (recorded in
`digest_runs`), or one cron period before the first. `preview` builds the same
digest without sending or recording anything; the CLI's `digest send` uses `send`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from handlers.context import Context
from handlers.digests import chart as charts
from handlers.digests import council as digest_council
from handlers.digests import newsletter as digest_members
from handlers.messages import Message, Recipient
from handlers.router import Router
from handlers.schedule import Job
from storage.db import file_of, open_reader
from storage.digests import queries as store
from storage.timestamps import iso

log = logging.getLogger(__name__)

COUNCIL, MEMBERS = "council", "members"
KINDS = (COUNCIL, MEMBERS)


@dataclass(frozen=True)
class Built:
    """A digest ready to send: its messages, the period and the chart (council only)."""

    kind: str
    since: datetime
    until: datetime
    messages: list[Message]
    image: str | None = None


# Digests built in a thread before their job runs, by database file and due time.
_built_ahead: dict[tuple[str, datetime], Built] = {}


def cron_of(ctx: Context, kind: str) -> str:
    digests = ctx.policy.digests
    return digests.council_cron if kind == COUNCIL else digests.members_cron


def period_start(ctx: Context, kind: str, due: datetime) -> datetime:
    """Where the last digest of this kind stopped, else one cron period before `due`."""
    last = store.last_until(ctx.db, kind)
    if last is not None and last <= ctx.now():
        return last
    cron = CronTrigger.from_crontab(
        cron_of(ctx, kind), timezone=ZoneInfo(ctx.policy.organisation.timezone)
    )
    # One whole period, measured between the next two fire times: `due` itself may be
    # off the schedule (a preview, or `digest send`).
    first = cron.get_next_fire_time(None, due + timedelta(seconds=1))
    second = first and cron.get_next_fire_time(first, first + timedelta(seconds=1))
    return due - (second - first) if first and second else due - timedelta(days=7)


def council(ctx: Context, due: datetime, chart_dir: Path | None = None) -> Built:
    """The council digest for `due` (covering up to now), with its chart drawn."""
    since, until = period_start(ctx, COUNCIL, due), ctx.now()
    digest = digest_council.build(ctx, since, until)
    image = None
    if digest.chart is not None:
        path = chart_path(ctx, due, chart_dir)
        try:
            image = str(charts.render(digest.chart, path))
        except Exception:  # a chart that cannot be drawn must not stop the digest
            log.exception("the council digest's chart could not be drawn")
    message = Message(
        to=Recipient.staff_council(),
        text=digest.text,
        title=digest.title,
        image=image,
        key=f"digest:{COUNCIL}:{iso(due)}",
    )
    return Built(COUNCIL, since, until, [message], image)


def chart_path(ctx: Context, due: datetime, chart_dir: Path | None = None) -> Path:
    return (chart_dir or charts.chart_dir(ctx)) / f"council-{due:%Y%m%d-%H%M%S}.png"


async def build_ahead(ctx: Context, due: datetime) -> None:
    """Build the council digest due at `due` in a thread, on a reading connection of its
    own: gathering a large organisation's figures and drawing the chart take seconds,
    which would hold up members' messages. The job then only records and sends it."""
    path = file_of(ctx.db)
    if path is not None:
        _built_ahead[(str(path), due)] = await asyncio.to_thread(_build_apart, ctx, path, due)


def _build_apart(ctx: Context, path: Path, due: datetime) -> Built:
    reader = open_reader(path)
    try:
        return council(dataclasses.replace(ctx, db=reader), due)
    finally:
        reader.close()


def members(ctx: Context, due: datetime) -> Built:
    """Every reader's newsletter for `due` (keyed `digest:members:<due>:<member>`)."""
    since, until = period_start(ctx, MEMBERS, due), ctx.now()
    news = digest_members.gather(ctx, since, until)
    messages = digest_members.newsletters(ctx, news, f"digest:{MEMBERS}:{iso(due)}")
    return Built(MEMBERS, since, until, messages)


def build(ctx: Context, kind: str, due: datetime, chart_dir: Path | None = None) -> Built:
    return council(ctx, due, chart_dir) if kind == COUNCIL else members(ctx, due)


def remember(ctx: Context, built: Built, due: datetime, by: str) -> None:
    """Record that this digest was sent: the next one starts where it ended."""
    store.record(
        ctx.db,
        built.kind,
        due=due,
        since=built.since,
        until=built.until,
        messages=len(built.messages),
        chart=built.image,
        by=by,
    )


def scheduled(kind: str):  # noqa: ANN201 - the Job's run function
    def run(ctx: Context, due: datetime) -> list[Message]:
        path = file_of(ctx.db)
        built = _built_ahead.pop((str(path), due), None) or build(ctx, kind, due)
        remember(ctx, built, due, "schedule")
        log.info("%s digest for %s: %d messages", kind, iso(due), len(built.messages))
        return built.messages

    return run


def jobs(ctx: Context) -> list[Job]:
    return [
        Job(
            f"digest:{COUNCIL}",
            scheduled(COUNCIL),
            cron=ctx.policy.digests.council_cron,
            description="the staff council's digest, with a chart",
            prepare=build_ahead,
        ),
        Job(
            f"digest:{MEMBERS}",
            scheduled(MEMBERS),
            cron=ctx.policy.digests.members_cron,
            description="the members' newsletter: you said, we did",
        ),
    ]


def register(router: Router) -> None:
    """Digests have no chat commands: they are scheduled (see `jobs`) or sent from the CLI."""
