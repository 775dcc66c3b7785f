"""Forgetting the order things happened in: rows rewritten in a random order.

SQLite writes a new row where the free space of its page begins, from the end of the
page backwards, and gives a rowid table the next rowid: so where a row sits in the
file, and its rowid, tell in what order rows were written. Two tables written in the
same order (who voted, and the ballots) could be paired row by row. At close, the rows
that must not be paired are deleted and written again in an order drawn from the
operating system's random source (`os.urandom`, as `secrets.SystemRandom` uses), under `secure_delete` so that the old bytes are
zeroed, not left in free space; `checkpoint` then empties the write-ahead log, which
still holds the earlier versions of those pages.

A big close (a round of 67,000) is done in parts, so that the bot's other work goes on
between them: `rewrite_in_parts` draws the random order once and rewrites the rows a
slice of it at a time, each slice in its own transaction. The file ends with the rows in
that order, as if written at once; while the parts go on, what is not yet rewritten
says no more than it did before the close began.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlite_utils import Database

T = TypeVar("T")
# Tables whose row order follows when members first did something (tiers' nudges).
MEMBER_ORDER_TABLES = ("tier_nudges", "tier_last_nudge")
PART = 500  # rows rewritten per transaction when a close is done in parts


def rewrite_shuffled(
    db: Database,
    table: str,
    where: str = "1",
    params: Sequence[Any] = (),
    fixed: Mapping[str, Any] | None = None,
) -> int:
    """Delete the rows matching `where` and write them again in a random order.

    `fixed` sets columns to one value for every row (e.g. a time that would give the
    order away). A rowid table gives the rows fresh rowids, in the new order. One
    transaction; returns how many rows.
    """
    fixed = fixed or {}
    columns = [column.name for column in db[table].columns]
    chosen = ", ".join("?" if c in fixed else f"[{c}]" for c in columns)
    values = [fixed[c] for c in columns if c in fixed]
    with db.atomic():
        db.execute("pragma secure_delete = on")
        rows = shuffled(
            db.execute(
                f"select {chosen} from [{table}] where {where}", [*values, *params]
            ).fetchall()
        )
        db.execute(f"delete from [{table}] where {where}", params)
        names = ", ".join(f"[{c}]" for c in columns)
        db.conn.executemany(
            f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})", rows
        )
    return len(rows)


def rewrite_in_parts(
    db: Database,
    table: str,
    where: str = "1",
    params: Sequence[Any] = (),
    fixed: Mapping[str, Any] | None = None,
    part: int = PART,
) -> Iterator[None]:
    """`rewrite_shuffled`, a slice of `part` rows per transaction, yielding after each.

    The rows matching `where` now are drawn in a random order; each slice of that order is
    deleted and written again (a rowid table gives them fresh rowids, at its end). Rows
    written meanwhile are left alone. If it stops half way (a crash), running it again
    rewrites them all in a new random order.
    """
    names = _row_names(db, table)
    found = [
        tuple(row) for row in db.execute(f"select {names} from [{table}] where {where}", params)
    ]
    order = shuffled(found)
    for start in range(0, len(order), part):
        with db.atomic():
            _rewrite_slice(db, table, names, order[start : start + part], fixed or {})
        yield


def rekey(
    db: Database,
    table: str,
    where: str,
    params: Sequence[Any],
    column: str,
    fresh: Mapping[str, str],
) -> None:
    """Write the rows whose `column` is a key of `fresh` again under its new value, in
    the order of the new values (random keys: a random order, which SQLite appends
    fastest). One transaction."""
    if not fresh:
        return
    columns = [c.name for c in db[table].columns]
    at = columns.index(column)
    match = f"{where} and [{column}] in ({', '.join('?' * len(fresh))})"
    chosen = [*params, *fresh]
    with db.atomic():
        db.execute("pragma secure_delete = on")
        rows = [
            (*row[:at], fresh[row[at]], *row[at + 1 :])
            for row in db.execute(f"select * from [{table}] where {match}", chosen)
        ]
        rows.sort(key=lambda row: row[at])  # stable: one key's rows stay in their order
        db.execute(f"delete from [{table}] where {match}", chosen)
        listed = ", ".join(f"[{c}]" for c in columns)
        db.conn.executemany(
            f"insert into [{table}] ({listed}) values ({', '.join('?' * len(columns))})", rows
        )


def delete_in_parts(
    db: Database, table: str, where: str, params: Sequence[Any], part: int = 2 * PART
) -> Iterator[None]:
    """Delete the rows matching `where` (zeroed: `secure_delete`), `part` rows per
    transaction, yielding after each."""
    while True:
        with db.atomic():
            db.execute("pragma secure_delete = on")
            gone = db.execute(
                f"delete from [{table}] where rowid in "
                f"(select rowid from [{table}] where {where} limit ?)",
                [*params, part],
            ).rowcount
        yield
        if gone < part:
            return


def _row_names(db: Database, table: str) -> str:
    """What names a row of `table`: its rowid, or its primary key if it has none."""
    if "without rowid" not in db[table].schema.lower():
        return "rowid"
    return ", ".join(f"[{c}]" for c in db[table].pks)


def _rewrite_slice(
    db: Database, table: str, names: str, chosen: list[tuple], fixed: Mapping[str, Any]
) -> None:
    columns = [column.name for column in db[table].columns]
    picked = ", ".join("?" if c in fixed else f"[{c}]" for c in columns)
    values = [fixed[c] for c in columns if c in fixed]
    width = len(chosen[0])
    marks = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(chosen))
    flat = [value for key in chosen for value in key]
    match = f"({names}) in (values {marks})"
    by_key = {
        tuple(row[:width]): row[width:]
        for row in db.execute(
            f"select {names}, {picked} from [{table}] where {match}", [*values, *flat]
        )
    }
    db.execute("pragma secure_delete = on")
    db.execute(f"delete from [{table}] where {match}", flat)
    listed = ", ".join(f"[{c}]" for c in columns)
    db.conn.executemany(
        f"insert into [{table}] ({listed}) values ({', '.join('?' * len(columns))})",
        [by_key[key] for key in chosen if key in by_key],
    )


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


def shuffle_member_order_in_parts(db: Database, part: int = PART) -> Iterator[None]:
    """`shuffle_member_order` in parts, yielding between them."""
    present = set(db.table_names())
    for table in MEMBER_ORDER_TABLES:
        if table in present:
            yield from rewrite_in_parts(db, table, part=part)


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
