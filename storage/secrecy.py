"""Forgetting the order things happened in: rows rewritten in a random order.

SQLite writes a new row where the free space of its page begins, from the end of the
page backwards, and gives a rowid table the next rowid: so where a row sits in the
file, and its rowid, tell in what order rows were written. Two tables written in the
same order (who voted, and the ballots) could be paired row by row. At close, the rows
that must not be paired are deleted and written again in an order drawn from the
operating system's random source, under `secure_delete` so that the old bytes are
zeroed, not left in free space; `checkpoint` then empties the write-ahead log, which
still holds the earlier versions of those pages.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlite_utils import Database

SHUFFLE = secrets.SystemRandom()
# Tables whose row order follows when members first did something (tiers' nudges).
MEMBER_ORDER_TABLES = ("tier_nudges", "tier_last_nudge")


def rewrite_shuffled(
    db: Database,
    table: str,
    where: str = "1",
    params: Sequence[Any] = (),
    change: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Delete the rows matching `where` and write them again in a random order.

    `change` may alter each row on the way (e.g. drop a time). A rowid table gives the
    rows fresh rowids, in the new order. Runs in one transaction; returns how many rows.
    """
    columns = [column.name for column in db[table].columns]
    names = ", ".join(f"[{c}]" for c in columns)
    with db.atomic():
        db.execute("pragma secure_delete = on")
        rows = [
            dict(zip(columns, values, strict=True))
            for values in db.execute(f"select {names} from [{table}] where {where}", params)
        ]
        if change is not None:
            rows = [change(row) for row in rows]
        SHUFFLE.shuffle(rows)
        db.execute(f"delete from [{table}] where {where}", params)
        db.conn.executemany(
            f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})",
            ([row[c] for c in columns] for row in rows),
        )
    return len(rows)


def shuffle_member_order(db: Database) -> None:
    """Rewrite the tables whose row order says in what order members first took part."""
    present = set(db.table_names())
    for table in MEMBER_ORDER_TABLES:
        if table in present:
            rewrite_shuffled(db, table)


def checkpoint(db: Database) -> bool:
    """Fold the write-ahead log into the file and empty it; False if it could not be.

    Outside a transaction only. A reader in the middle of a query (another process) can
    stop it; the log is then emptied at the next close or checkpoint.
    """
    if db.conn.in_transaction:
        return False
    with contextlib.suppress(sqlite3.OperationalError):
        busy, _, _ = db.execute("pragma wal_checkpoint(truncate)").fetchone()
        return busy == 0
    return False
