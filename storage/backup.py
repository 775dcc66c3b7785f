"""Backups with `VACUUM INTO`, and restoring one in place of the database.

`VACUUM INTO` writes a consistent copy from one read snapshot while the bot goes on
writing (WAL: readers and the writer do not wait for each other), and the copy holds
only live rows, compacted: no freed pages, no stale cells. A plain file copy of a WAL
database misses what is still in the `-wal`.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from storage.files import (
    BadDatabase,
    header,
    new_identity,
    quick_check,
    remove_quietly,
)

BUSY_MS = 30_000
CORE_SET = "mutual_voice.core"


class BackupError(Exception):
    """The backup cannot be written or used; the message says why."""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
    conn.execute(f"pragma busy_timeout = {BUSY_MS}")
    return conn


def backup(database: Path, target: Path) -> None:
    """Write a consistent copy of `database` to `target` (which must not exist yet)."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new name")
    if not target.parent.is_dir():
        raise BackupError(f"no folder {target.parent} for the backup")
    partial = target.with_name(target.name + ".partial")
    remove_quietly(partial)
    conn = connect(database)
    try:
        conn.execute("vacuum into ?", [str(partial)])
    except sqlite3.Error:
        remove_quietly(partial)
        raise
    finally:
        conn.close()
    copy = connect(partial)
    try:
        # One self-contained file, and an identity of its own, so a `-wal` left beside the
        # database it came from is never taken for this copy's (storage/files.py).
        copy.execute("pragma journal_mode = delete")
        new_identity(copy)
    finally:
        copy.close()
    with partial.open("rb") as file:
        os.fsync(file.fileno())
    os.replace(partial, target)


def check_backup(path: Path) -> None:
    """Refuse a file that is not a sound Mutual Voice database this version can use."""
    from storage.schema import MIGRATION_SETS, SchemaTooNew, refuse_newer

    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    try:
        header(path)
    except BadDatabase as error:
        raise BackupError(str(error).split(": restore")[0]) from None
    conn = connect(path)
    try:
        problem = quick_check(conn)
        if problem:
            raise BackupError(f"{path} is damaged ({problem})")
        names = {row[0] for row in conn.execute("select name from sqlite_master")}
        sets = (
            {
                row[0]
                for row in conn.execute("select distinct migration_set from _sqlite_migrations")
            }
            if "_sqlite_migrations" in names
            else set()
        )
        if CORE_SET not in sets:
            raise BackupError(f"{path} is not a Mutual Voice database")
        from sqlite_utils import Database

        try:
            refuse_newer(Database(conn), MIGRATION_SETS)
        except SchemaTooNew as error:
            raise BackupError(f"{path}: {error}") from None
    finally:
        conn.close()


def restore(backup_file: Path, database: Path, now: datetime) -> Path | None:
    """Put a copy of `backup_file` in place of `database`, after checking it. The database
    there before (with its `-wal`) is moved aside, never deleted: its new name is returned.
    The caller holds the database's RunLock, so no bot writes meanwhile."""
    check_backup(backup_file)
    incoming = database.with_name(database.name + ".restoring")
    remove_quietly(incoming)
    source = connect(backup_file)
    try:  # a copy through SQLite, so a backup with a -wal of its own comes whole
        source.execute("vacuum into ?", [str(incoming)])
    finally:
        source.close()
    with incoming.open("rb") as file:
        os.fsync(file.fileno())
    aside = None
    if database.exists():
        aside = database.with_name(f"{database.name}.before-restore-{now:%Y%m%dT%H%M%S}")
        os.replace(database, aside)
    wal = database.with_name(database.name + "-wal")
    if wal.exists():
        # Kept beside the old file under its new name, so that pair still opens as it was.
        if aside is not None:
            os.replace(wal, aside.with_name(aside.name + "-wal"))
        else:
            os.replace(wal, database.with_name(f"{database.name}-wal.stale-{now:%Y%m%dT%H%M%S}"))
    remove_quietly(database.with_name(database.name + "-shm"))
    os.replace(incoming, database)
    return aside
