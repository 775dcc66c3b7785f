"""Who is closing a round or a vote in parts says so with each part (`sealing_at`) and
names itself (`sealing_by`: host, pid and the process's start time), so that another
process (the command line, a second bot) leaves it alone while it runs. A close whose
holder has died on this machine (a crash, a kill) is carried on at once by whoever finds
it; one held from elsewhere is carried on after it has been quiet for `QUIET`.

The same names guard a rewrite shared by every close (`storage/secrecy.py`).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from functools import cache

from sqlite_utils import Database

from storage.timestamps import iso

TABLES = {"pulse_rounds": "id", "votes": "vote_id"}
QUIET = timedelta(minutes=2)  # a close quiet this long was stopped: carry it on


def _started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot), or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"


@cache
def _host() -> str:
    return socket.gethostname()


def holder(db: Database) -> str:
    """The name of this process's connection `db` in a lease: host, pid, the process's
    start time (a reused pid differs) and the connection (two in one process differ)."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_started(pid)}:{id(db.conn):x}"


def alive(name: str | None) -> bool | None:
    """Whether the process named `name` is still running: None if it ran on another
    machine (or is not named), which this one cannot tell, or is another connection of
    this very process (which may have dropped its close: only time tells)."""
    if not name:
        return None
    host, _, rest = name.partition(":")
    pid, _, started = rest.partition(":")
    started = started.partition(":")[0]
    if host != _host() or not pid.isdigit() or int(pid) == os.getpid():
        return None
    now = _started(int(pid))
    return now is not None and (now == started or "?" in (now, started))


def claim(db: Database, table: str, key: object, now: datetime, stale_before: datetime) -> bool:
    """Take on the close of `key`, unless a live process (or one elsewhere that worked on it
    since `stale_before`) holds it."""
    column = TABLES[table]
    with db.atomic():
        row = db.execute(
            f"select sealing_at, sealing_by from {table} where {column} = ?", [key]
        ).fetchone()
        if row is None:
            return False
        at, by = row
        me = holder(db)
        # A holder on this machine is asked whether it runs, whatever the clocks say (a
        # clock set forward must not hand a live close to a second process); one elsewhere
        # is taken to have stopped once it has been quiet since `stale_before`.
        running = alive(by)
        free = at is None or by == me or running is False
        free = free or (running is None and at < iso(stale_before))
        if free:
            db.execute(
                f"update {table} set sealing_at = ?, sealing_by = ? where {column} = ?",
                [iso(now), me, key],
            )
        return free


def beat(db: Database, table: str, key: object, now: datetime) -> None:
    """The close of `key` is still being worked on at `now`, by this process."""
    db.execute(
        f"update {table} set sealing_at = ?, sealing_by = ? where {TABLES[table]} = ?",
        [iso(now), holder(db), key],
    )


def note_error(db: Database, table: str, key: object, error: str) -> bool:
    """Keep why the close of `key` cannot go on; whether that is news (a new reason)."""
    return bool(
        db.execute(
            f"update {table} set close_error = ? where {TABLES[table]} = ? "
            "and (close_error is null or close_error != ?)",
            [error, key, error],
        ).rowcount
    )


def clear_error(db: Database, table: str, key: object) -> None:
    db.execute(
        f"update {table} set close_error = null where {TABLES[table]} = ? "
        "and close_error is not null",
        [key],
    )


def stuck(db: Database) -> list[dict[str, str]]:
    """Closes that could not go on, with why: what `jobs` and the console show."""
    rounds = db.execute(
        "select survey_id, number, close_error from pulse_rounds "
        "where close_error is not null and closed_at is null"
    ).fetchall()
    votes = db.execute(
        "select vote_id, close_error from votes where close_error is not null"
    ).fetchall()
    return [
        {"close": f"round {number} of {survey}", "error": error} for survey, number, error in rounds
    ] + [{"close": f"vote {vote_id}", "error": error} for vote_id, error in votes]


def release(db: Database, table: str, key: object) -> None:
    """Nobody is at the close of `key` now: the next tick may take it on at once."""
    db.execute(
        f"update {table} set sealing_at = null, sealing_by = null where {TABLES[table]} = ?",
        [key],
    )
