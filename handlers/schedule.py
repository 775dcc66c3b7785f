"""Scheduled work, described by handlers and run by the bot's scheduler.

A handler module may define `jobs(ctx) -> list[Job]`. A job with a `cron` runs when
its cron time passes (once, however many times it passed while the bot was down); a
job without one is a tick, run every minute or so, that checks the database for work
that has fallen due (rounds to close, reminders to send) and must be idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from handlers.context import Context
from handlers.messages import Message


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[Context, datetime], Iterable[Message | Pause]]
    cron: str | None = None
    description: str = ""
    # Slow work done ahead, off the event loop, for a run that is due (e.g. drawing a chart
    # in a thread); `run` must still work without it, as the console runs jobs directly.
    prepare: Callable[[Context, datetime], Awaitable[None]] | None = None


@dataclass(frozen=True)
class Pause:
    """Yielded among a job's messages where its work may be split (a big round closing
    in parts): the scheduler commits what is done so far and lets members' messages
    through before it draws more. `checkpoint` asks it to fold the write-ahead log into
    the file and empty it once the job is done, so no earlier version of a page outlives it.
    Run all at once (the console), a pause is only skipped."""

    checkpoint: bool = False


PAUSE = Pause()
CHECKPOINT = Pause(checkpoint=True)


@dataclass(frozen=True, eq=False)
class Rebuild(Pause):
    """Yielded where a close may go on only once the database file keeps nothing of how
    it was before: rebuilt page by page (no earlier copy of a row left in a page's unused
    space or a freed page) and the write-ahead log emptied into it. The scheduler commits
    what is done, rebuilds off the loop and notes in `outcome` whether it could. A program
    reading the file can hold it up: then the close waits, `why` is the job's last error
    (`mutual-voice jobs`), and the next tick tries again. Drawn all at once, outside a
    transaction, the close rebuilds the file itself (`done`)."""

    why: str = ""
    outcome: list[bool] = field(default_factory=list)

    def done(self, rebuild: Callable[[], bool]) -> bool:
        """Whether the file was rebuilt; drawn all at once (the command line, a test)
        nobody did it, so it is done here, by `rebuild`."""
        if not self.outcome:
            self.outcome.append(rebuild())
        return self.outcome[-1]


# Why a close waits: the job's last error in `mutual-voice jobs`.
HELD = (
    "{what} waits: another program is reading the database file (a backup, a query), "
    "which must be rebuilt first; tried again every tick"
)


def without_pauses(items: Iterable[Message | Pause]) -> Iterator[Message]:
    """A job's messages, its pauses left out (for callers that run it all at once)."""
    return (item for item in items if not isinstance(item, Pause))


class JobError(Exception):
    """A scheduled job cannot do its work for a reason an operator can fix (one line, no
    traceback in the log); it is tried again on the next tick."""
