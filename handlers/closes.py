"""Running a close in parts (a round's or a vote's), and telling the officer, once, when
one cannot go on.

Every part of a close can be done again, so a close cut short anywhere (a crash, a
kill, the bot stopped) is carried on by the next tick or a restart. A part that fails
(a bug, a broken file) leaves the close where it was: the reason is kept on the round
or vote (`mutual-voice jobs` and the console show it), logged once, and the staff
council told once with what to do; every tick tries again, and the reason goes when
the close is done. A database busy for a moment is not news: the next tick carries on.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Generator, Iterator
from typing import TypeVar

from handlers.context import Context
from handlers.messages import Message, Recipient
from handlers.schedule import PAUSE, Pause
from storage import close_leases, faults

log = logging.getLogger(__name__)
T = TypeVar("T")

WHAT_TO_DO = (
    "Nothing is lost: what was counted is kept, and the bot tries again every tick. "
    "If this stays in `mutual-voice jobs` for more than a few minutes, stop the bot, "
    "back up the database file and report this message with the bot's log; the close "
    "carries on from where it stopped once the cause is fixed."
)


def run_parts(
    ctx: Context, table: str, key: object, what: str, parts: Generator[None, None, T]
) -> Generator[Message | Pause, None, T | None]:
    """Run `parts` (a close), renewing the lease and pausing after each; its result, or
    None (and the council told) if a part failed."""
    while True:
        try:
            next(parts)
        except StopIteration as end:
            faults.at(None)
            close_leases.clear_error(ctx.db, table, key)
            return end.value
        except Exception as error:  # the close stays where it was; told below
            faults.at(None)
            yield from _stuck(ctx, table, key, what, error)
            return None
        close_leases.beat(ctx.db, table, key, ctx.now())
        yield PAUSE


def _stuck(ctx: Context, table: str, key: object, what: str, error: Exception) -> Iterator[Message]:
    reason = " ".join(f"{type(error).__name__}: {error}".split())
    if isinstance(error, sqlite3.OperationalError) and (
        "locked" in str(error) or "busy" in str(error)
    ):
        log.warning("%s waits for the next tick: %s", what, reason)
        return
    if not close_leases.note_error(ctx.db, table, key, reason):
        log.debug("%s still cannot go on: %s", what, reason)
        return
    log.error("%s cannot go on: %s (tried again every tick)", what, reason, exc_info=error)
    yield Message(
        Recipient.staff_council(),
        f"The close of {what} stopped at a step it cannot get past: {reason}. {WHAT_TO_DO}",
        title=f"A close needs attention: {what}",
        key=f"close:{table}:{key}:stuck",
    )
