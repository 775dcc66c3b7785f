"""Who is closing a round or a vote in parts says so with each part (`sealing_at`), so
that another process (the command line, a second bot) leaves it alone until it has
been quiet for a while: then it was stopped, and whoever finds it carries it on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.timestamps import iso

TABLES = {"pulse_rounds": "id", "votes": "vote_id"}
QUIET = timedelta(minutes=2)  # a close quiet this long was stopped: carry it on


def claim(db: Database, table: str, key: object, now: datetime, stale_before: datetime) -> bool:
    """Take on the close of `key`, unless someone has worked on it since `stale_before`."""
    return bool(
        db.execute(
            f"update {table} set sealing_at = ? where {TABLES[table]} = ? "
            "and (sealing_at is null or sealing_at < ?)",
            [iso(now), key, iso(stale_before)],
        ).rowcount
    )


def beat(db: Database, table: str, key: object, now: datetime) -> None:
    """The close of `key` is still being worked on at `now`."""
    db.execute(f"update {table} set sealing_at = ? where {TABLES[table]} = ?", [iso(now), key])


def release(db: Database, table: str, key: object) -> None:
    """Nobody is at the close of `key` now: the next tick may take it on at once."""
    db.execute(f"update {table} set sealing_at = null where {TABLES[table]} = ?", [key])
