"""Scheduled work, described by handlers and run by the bot's scheduler.

A handler module may define `jobs(ctx) -> list[Job]`. A job with a `cron` runs when
its cron time passes (once, however many times it passed while the bot was down); a
job without one is a tick, run every minute or so, that checks the database for work
that has fallen due (rounds to close, reminders to send) and must be idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from handlers.context import Context
from handlers.messages import Message


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[Context, datetime], list[Message]]
    cron: str | None = None
    description: str = ""
    # Slow work done ahead, off the event loop, for a run that is due (e.g. drawing a chart
    # in a thread); `run` must still work without it, as the console runs jobs directly.
    prepare: Callable[[Context, datetime], Awaitable[None]] | None = None


class JobError(Exception):
    """A scheduled job cannot do its work for a reason an operator can fix (one line, no
    traceback in the log); it is tried again on the next tick."""
