"""Forgetting the order things happened in: rows rewritten in a random order.

SQLite writes a new row where the free space of its page begins, from the end of the
page backwards, and gives a rowid table the next rowid: so where a row sits in the
file, and its rowid, tell in what order rows were written. Two tables written in the
same order (who voted, and the ballots) could be paired row by row. At close, the rows
that must not be paired are deleted and written again in an order drawn from the
operating system's random source (`os.urandom`, as `secrets.SystemRandom` uses), under `secure_delete` so that the old bytes are
zeroed, not left in free space; `checkpoint` then empties the write-ahead log, which
still holds the earlier versions of those pages.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlite_utils import Database

T = TypeVar("T")
# Tables whose row order follows when members first did something (tiers' nudges).
MEMBER_ORDER_TABLES = ("tier_nudges", "tier_last_nudge")


def rewrite_shuffled(
    db: Database,
    table: str,
    where: str = "1",
    params: Sequence[Any] = (),
    fixed: Mapping[str, Any] | None = None,
    remap: tuple[str, Callable[[Any], Any]] | None = None,
) -> int:
    """Delete the rows matching `where` and write them again in a random order.

    `fixed` sets columns to one value for every row (e.g. a time that would give the
    order away). `remap` = (column, function) gives each row a new value there, which
    must be drawn at random (a new random key): the rows are then written in the order
    of those values, a random order that SQLite also appends fastest. Otherwise they are
    shuffled. A rowid table gives the rows fresh rowids, in the new order. One
    transaction; returns how many rows.
    """
    fixed = fixed or {}
    columns = [column.name for column in db[table].columns]
    chosen = ", ".join("?" if c in fixed else f"[{c}]" for c in columns)
    values = [fixed[c] for c in columns if c in fixed]
    with db.atomic():
        db.execute("pragma secure_delete = on")
        rows = db.execute(
            f"select {chosen} from [{table}] where {where}", [*values, *params]
        ).fetchall()
        if remap is None:
            rows = shuffled(rows)
        else:
            at, change = columns.index(remap[0]), remap[1]
            rows = [(*row[:at], change(row[at]), *row[at + 1 :]) for row in rows]
            rows.sort(key=lambda row: row[at])  # stable: one key's rows stay in their order
        db.execute(f"delete from [{table}] where {where}", params)
        names = ", ".join(f"[{c}]" for c in columns)
        db.conn.executemany(
            f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})", rows
        )
    return len(rows)


def shuffled(items: list[T]) -> list[T]:
    """`items` in an order drawn from the operating system's random source.

    Sorting by a random 64-bit key per item gives every order the same chance (to
    within key collisions, about n² / 2⁶⁵), with one call for all the randomness.
    """
    keys = memoryview(os.urandom(8 * len(items))).cast("Q")
    return [items[i] for i in sorted(range(len(items)), key=keys.__getitem__)]


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
