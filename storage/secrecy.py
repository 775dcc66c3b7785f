"""Forgetting the order things happened in: rows rewritten in a random order.

SQLite writes a new row where the free space of its page begins, from the end of the
page backwards, and gives a rowid table the next rowid: so where a row sits in the
file, and its rowid, tell in what order rows were written. Two tables written in the
same order (who voted, and the ballots) could be paired row by row. At close, the rows
that must not be paired are written again in an order drawn from the operating
system's random source (`os.urandom`, as `secrets.SystemRandom` uses), under
`secure_delete` so that the old bytes are zeroed, not left in free space; `checkpoint`
then empties the write-ahead log, which still holds the earlier versions of those pages.

A big close (a round of 67,000) is done in parts, so that the bot's other work goes on
between them: `rewrite_in_parts` draws the random order once and moves the rows through
a staging table a slice at a time, each slice in its own transaction. The file ends with
the rows in that order, as if written at once; while the parts go on, what is not yet
rewritten says no more than it did before the close began.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlite_utils import Database

from storage import close_leases, faults

T = TypeVar("T")
# Tables whose row order follows when members first did something (tiers' nudges).
MEMBER_ORDER_TABLES = ("tier_nudges", "tier_last_nudge")
PART = 500  # rows rewritten per transaction when a close is done in parts


def rewrite_in_parts(
    db: Database,
    table: str,
    where: str = "1",
    params: Sequence[Any] = (),
    fixed: Mapping[str, Any] | None = None,
    part: int | None = None,
) -> Iterator[None]:
    """Delete the rows matching `where` and write them again in a random order, in short
    transactions, yielding after each. `fixed` sets columns to one value for every row
    (e.g. a time that would give the order away); a rowid table gives the rows fresh
    rowids, in the new order.

    Deleting and writing back a slice at a time would not do: SQLite puts a new row in
    the space the slice's own rows just left, so each row would land near where it was.
    So the rows go round a staging table: copied there in a random order (a slice per
    transaction), then deleted here, then moved back in the staging order. While the
    originals are deleted nothing is written here, so the rows moved back fill their
    space as if all were rewritten at once. Rows written meanwhile are left alone. A
    rewrite cut short (a crash) is carried on, or, if it was still copying, started again.
    """
    stage = _stage_name(table, where, params)
    if _phase(db, stage) is None:
        faults.at(f"{table}: copy")
        identity = _row_names(db, table)
        found = [
            tuple(r) for r in db.execute(f"select {identity} from [{table}] where {where}", params)
        ]
        yield from _restart(db, stage, [table])
        for chosen in _slices(shuffled(found), part):
            with db.atomic():
                _copy_out(db, table, stage, identity, chosen, fixed or {})
            yield
        _set_phase(db, stage, "copied")
    faults.at(f"{table}: delete originals")
    yield from _delete_copied(db, table, stage)
    faults.at(f"{table}: move back")
    yield from _move_back(db, table, stage, part)
    _finish(db, stage, [stage])


def rekey_in_parts(
    db: Database,
    tables: Sequence[str],
    where: str,
    params: Sequence[Any],
    column: str,
    new_key: Callable[[], str],
    unsealed: str,
    part: int | None = None,
) -> Iterator[None]:
    """Give each value of `column` (a respondent key) a new one from `new_key`, the same
    in every table, writing the rows again in a random order; like `rewrite_in_parts`,
    in short transactions, through staging tables. `unsealed` is the SQL condition of
    a row that still has its old key (new keys must not meet it)."""
    stages = {table: _stage_name(table, where, params) for table in tables}
    first = stages[tables[0]]
    if _phase(db, first) is None:
        faults.at(f"{'+'.join(tables)}: rekey copy")
        union = " union ".join(
            f"select [{column}] from [{t}] where {where} and {unsealed}" for t in tables
        )
        keys = [key for (key,) in db.execute(union, [*params] * len(tables))]
        yield from _restart(db, first, tables, stages)
        for chosen in _slices(shuffled(keys), part):
            fresh = {key: new_key() for key in chosen}
            with db.atomic():
                for table in tables:
                    _copy_rekeyed(db, table, stages[table], where, params, column, fresh)
            yield
        _set_phase(db, first, "copied")
    for table in tables:
        faults.at(f"{table}: rekey delete originals")
        yield from delete_in_parts(db, table, f"{where} and {unsealed}", params)
    for table in tables:
        faults.at(f"{table}: rekey move back")
        yield from _move_back(db, table, stages[table], part)
    _finish(db, first, list(stages.values()))


def _stage_name(table: str, where: str, params: Sequence[Any]) -> str:
    """A staging table of its own for each rewrite (two rounds may close at once)."""
    digest = hashlib.sha256(repr((where, tuple(params))).encode()).hexdigest()[:12]
    return f"sealing_{table}_{digest}"


def _slices(items: list[T], part: int | None) -> Iterator[list[T]]:
    size = part or PART
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _phase(db: Database, stage: str) -> str | None:
    row = db.execute("select phase from sealing_phases where stage = ?", [stage]).fetchone()
    return row[0] if row else None


def _set_phase(db: Database, stage: str, phase: str | None) -> None:
    with db.atomic():
        db.execute("delete from sealing_phases where stage = ?", [stage])
        if phase is not None:
            db.execute("insert into sealing_phases (stage, phase) values (?, ?)", [stage, phase])


def _finish(db: Database, phase_stage: str, stages: Sequence[str]) -> None:
    """Drop the (empty) staging tables and forget the phase, together: a rewrite cut
    between the two would find its phase without its staging table."""
    present = set(db.table_names())
    with db.atomic():
        for name in stages:
            if name in present:
                db.execute(f"drop table [{name}]")
        db.execute("delete from sealing_phases where stage = ?", [phase_stage])


def _restart(
    db: Database, stage: str, tables: Sequence[str], stages: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Fresh, empty staging tables (a copy cut short is thrown away: the originals are
    all still there). Staging rows have no constraints, and `_from` names the original."""
    for table in tables:
        name = stages[table] if stages else stage
        if name in db.table_names():
            yield from delete_in_parts(db, name, "1", ())
            db.execute(f"drop table [{name}]")
        db.execute(f"create table [{name}] as select *, null as _from from [{table}] where 0")


def _copy_out(
    db: Database,
    table: str,
    stage: str,
    identity: str,
    chosen: list[tuple],
    fixed: Mapping[str, Any],
) -> None:
    """Copy the chosen rows to the staging table in the chosen (random) order."""
    columns = [c.name for c in db[table].columns]
    picked = ", ".join("?" if c in fixed else f"[{c}]" for c in columns)
    values = [fixed[c] for c in columns if c in fixed]
    width = len(chosen[0])
    marks = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(chosen))
    flat = [value for key in chosen for value in key]
    by_key = {
        tuple(row[:width]): row[width:]
        for row in db.execute(
            f"select {identity}, {picked} from [{table}] where ({identity}) in (values {marks})",
            [*values, *flat],
        )
    }
    rows = [(*by_key[key], json.dumps(key)) for key in chosen if key in by_key]
    _insert(db, stage, [*columns, "_from"], rows)


def _copy_rekeyed(
    db: Database,
    table: str,
    stage: str,
    where: str,
    params: Sequence[Any],
    column: str,
    fresh: Mapping[str, str],
) -> None:
    columns = [c.name for c in db[table].columns]
    at = columns.index(column)
    match = f"{where} and [{column}] in ({', '.join('?' * len(fresh))})"
    rows = [
        (*row[:at], fresh[row[at]], *row[at + 1 :], None)
        for row in db.execute(f"select * from [{table}] where {match}", [*params, *fresh])
    ]
    rows.sort(key=lambda row: row[at])  # random keys: a random order; one key's rows together
    _insert(db, stage, [*columns, "_from"], rows)


def _delete_copied(db: Database, table: str, stage: str) -> Iterator[None]:
    """Delete the originals of the staged rows, a slice per transaction. Each staged row
    forgets its original as it goes, so doing this again never deletes a newer row."""
    if stage not in db.table_names():  # moved back already, cut before the phase went
        return
    identity = _row_names(db, table)
    while True:
        with db.atomic():
            db.execute("pragma secure_delete = on")
            batch = db.execute(
                f"select rowid, _from from [{stage}] where _from is not null limit ?", [2 * PART]
            ).fetchall()
            if batch:
                keys = [tuple(json.loads(origin)) for _, origin in batch]
                width = len(keys[0])
                marks = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(keys))
                db.execute(
                    f"delete from [{table}] where ({identity}) in (values {marks})",
                    [value for key in keys for value in key],
                )
                db.execute(
                    f"update [{stage}] set _from = null where rowid in "
                    f"({', '.join('?' * len(batch))})",
                    [rowid for rowid, _ in batch],
                )
        yield
        if len(batch) < 2 * PART:
            return


def _move_back(db: Database, table: str, stage: str, part: int | None) -> Iterator[None]:
    """Write the staged rows into `table` in staging order, a slice per transaction, and
    zero them in the staging table (`_finish` drops it).

    A row written meanwhile under the same unique key (a tier nudge noted while the
    originals were away) is newer and stays; the staged copy of it is dropped."""
    if stage not in db.table_names():
        return
    columns = ", ".join(f"[{c.name}]" for c in db[table].columns)
    size = part or PART
    while True:
        with db.atomic():
            db.execute("pragma secure_delete = on")
            rowids = [
                r
                for (r,) in db.execute(
                    f"select rowid from [{stage}] order by rowid limit ?", [size]
                )
            ]
            if rowids:
                low, high = rowids[0], rowids[-1]
                db.execute(
                    f"insert or ignore into [{table}] ({columns}) select {columns} "
                    f"from [{stage}] where rowid between ? and ? order by rowid",
                    [low, high],
                )
                db.execute(f"delete from [{stage}] where rowid between ? and ?", [low, high])
        yield
        if len(rowids) < size:
            break


def _insert(db: Database, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    listed = ", ".join(f"[{c}]" for c in columns)
    db.conn.executemany(
        f"insert into [{table}] ({listed}) values ({', '.join('?' * len(columns))})", rows
    )


def delete_in_parts(
    db: Database, table: str, where: str, params: Sequence[Any], part: int | None = None
) -> Iterator[None]:
    """Delete the rows matching `where` (zeroed: `secure_delete`), `part` rows (2 PART)
    per transaction, yielding after each."""
    part = part or 2 * PART
    faults.at(f"{table}: delete")
    identity = _row_names(db, table)
    while True:
        with db.atomic():
            db.execute("pragma secure_delete = on")
            gone = db.execute(
                f"delete from [{table}] where ({identity}) in "
                f"(select {identity} from [{table}] where {where} limit ?)",
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


def shuffled(items: list[T]) -> list[T]:
    """`items` in an order drawn from the operating system's random source.

    Sorting by a random 64-bit key per item gives every order the same chance (to
    within key collisions, about n² / 2⁶⁵), with one call for all the randomness.
    """
    keys = memoryview(os.urandom(8 * len(items))).cast("Q")
    return [items[i] for i in sorted(range(len(items)), key=keys.__getitem__)]


MEMBER_ORDER_LEASE = "lease:member-order"


def shuffle_member_order_in_parts(db: Database, part: int | None = None) -> Iterator[None]:
    """Rewrite the tables whose row order says in what order members first took part,
    in parts, yielding between them.

    Every close does this, and two closes (the bot's and the command line's) may run at
    once: the rewrite shares its staging tables, so one process does it at a time. If a
    live process is at it, this leaves it to that one; one that died is carried on."""
    if not _claim_member_order(db):
        return
    present = set(db.table_names())
    for table in MEMBER_ORDER_TABLES:
        if table in present:
            yield from rewrite_in_parts(db, table, part=part)
    db.execute("delete from sealing_phases where stage = ?", [MEMBER_ORDER_LEASE])


def member_order_unfinished(db: Database) -> bool:
    """Whether a rewrite of the member-order tables is under way or was cut short (their
    rows may be away in a staging table meanwhile)."""
    return bool(
        db.execute("select 1 from sealing_phases where stage = ?", [MEMBER_ORDER_LEASE]).fetchone()
    )


def _claim_member_order(db: Database) -> bool:
    me = close_leases.holder(db)
    with db.atomic():
        row = db.execute(
            "select phase from sealing_phases where stage = ?", [MEMBER_ORDER_LEASE]
        ).fetchone()
        if row is not None and row[0] != me and close_leases.alive(row[0]) is not False:
            return False
        db.execute(
            "insert or replace into sealing_phases (stage, phase) values (?, ?)",
            [MEMBER_ORDER_LEASE, me],
        )
    return True


def rewritten(db: Database, name: str) -> bool:
    """Whether the rows of close `name` are all rewritten (only the file's rebuild is left)."""
    return _phase(db, f"rewritten:{name}") == "done"


def mark_rewritten(db: Database, name: str, done: bool = True) -> None:
    _set_phase(db, f"rewritten:{name}", "done" if done else None)


# How long a close run all at once (the command line, the console) waits for the running
# bot's reads to let go of the log; the bot's own closes try again at the next tick.
PATIENCE = 30.0


def rebuild_file(conn: sqlite3.Connection, patience: float = 0.0) -> bool:
    """Rebuild the whole database file (VACUUM) and empty the write-ahead log into it;
    False if it could not be done within `patience` seconds (a reader held the log, or
    the file was busy).

    Deleting zeroes a row (`secure_delete`), but when SQLite moves rows between pages
    (a page splits or merges) the old copies stay in the pages' unused space, and the
    log keeps every page as it was written. Rebuilt, every page holds only live rows,
    in the order they are now; emptied, the log holds nothing. Outside a transaction
    only. A reader holding the log is waited for only briefly at a time: emptying it
    holds every writer back meanwhile.
    """
    return vacuum(conn) and empty_log(conn, patience)


def vacuum(conn: sqlite3.Connection) -> bool:
    """Rewrite every page of the file with only live rows (into the log, until emptied);
    False if another connection was writing."""
    if conn.in_transaction:
        return False
    try:
        conn.execute("vacuum")
    except sqlite3.OperationalError:
        return False
    return True


def empty_log(conn: sqlite3.Connection, patience: float = 0.0) -> bool:
    """Empty the write-ahead log into the file (after `rebuild_file`'s VACUUM); False if
    a reader held it for longer than `patience` seconds. Waits at most briefly at a time,
    and never on SQLite's busy timeout (it would hold every writer back meanwhile)."""
    if conn.in_transaction:
        return False
    (waits,) = conn.execute("pragma busy_timeout").fetchone()
    give_up = time.monotonic() + patience
    try:
        conn.execute("pragma wal_checkpoint(passive)")
        conn.execute("pragma busy_timeout = 300")
        while True:
            for _attempt in range(3):  # another checkpoint (the WAL keeper's) may be under way
                busy, _, _ = conn.execute("pragma wal_checkpoint(truncate)").fetchone()
                if busy == 0:
                    return True
            if time.monotonic() >= give_up:
                return False
            time.sleep(0.05)  # let the reader finish its query
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute(f"pragma busy_timeout = {int(waits)}")


def checkpoint(db: Database) -> bool:
    """Fold the write-ahead log into the file and empty it; False if it could not be.

    Outside a transaction only. A reader in the middle of a query (another process) can
    stop it, and is waited for only briefly (never the busy timeout, which would hold the
    bot up for half a minute); the log is then emptied at the next close or checkpoint.
    """
    return empty_log(db.conn)
