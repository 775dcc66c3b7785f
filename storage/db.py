"""Opening the one SQLite file the bot keeps everything in."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from storage import faults
from storage.files import APPLICATION_ID, header, new_identity
from storage.schema import migrate, pending

# How long any connection waits for another one's write before giving up: the bot, the
# CLI and the console share the file, and a write waits its turn rather than failing.
BUSY_SECONDS = 30.0


class SharedDatabase(Database):
    """A database another process writes too (the bot, the command line, the console).

    Every transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), waiting
    for it up to the busy timeout. SQLite's default (`BEGIN`, deferred) takes it at the
    first write: a transaction that read first then fails at once with "database is
    locked", without waiting, if another connection holds the lock or wrote meanwhile
    (a seal's checkpoint, a command-line import) - as the sender's claim of its next rows
    did right after a vote was sealed."""

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:
            with super().atomic():  # a savepoint within the transaction
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


class NoDatabase(Exception):
    """The database file is not there, and this command does not create one."""


def connect(path: str | Path, readonly: bool = False) -> Database:
    """A connection that waits (bounded) for others' writes from its first statement."""
    conn = sqlite3.connect(str(path), timeout=BUSY_SECONDS, check_same_thread=False)
    db = Database(conn) if readonly else SharedDatabase(conn)
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    if readonly:
        db.execute("PRAGMA query_only = 1")
    return db


def open_database(path: str | Path | None = None, create: bool = True) -> Database:
    """Open and migrate the database (None means in memory); a missing file is created
    only with `create`, and never its folder. Before a pending migration changes an
    existing file, a backup of it is written beside it (`upgrade_backup_path`)."""
    if path is None or str(path) == ":memory:":
        db = SharedDatabase(memory=True)
    else:
        path = Path(path)
        if not path.exists() and not create:
            raise NoDatabase(f"no database at {path}")
        if not path.parent.is_dir():
            raise NoDatabase(f"no folder {path.parent} for the database")
        if path.exists():
            header(path)  # an empty or foreign file is refused, never taken for a new one
        db = connect(path)
        # WAL lets a CLI command write rows while the running bot reads and sends.
        db.enable_wal()
        # With WAL, NORMAL keeps the database consistent on a crash and skips a disk
        # flush per write; at worst the last moments before a power cut are lost.
        db.execute("PRAGMA synchronous = NORMAL")
        if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            new_identity(db.conn)
        if pending(db):
            backup_before_upgrade(db, path)
    db.execute("PRAGMA foreign_keys = ON")
    # What is deleted or overwritten is zeroed in the file, not left in its free space.
    db.execute("PRAGMA secure_delete = ON")
    migrate(db)
    faults.watch(db)  # a debugging hook, inert unless MUTUAL_VOICE_KILL_AT is set
    return db


def upgrade_backup_path(path: Path, version: str) -> Path:
    return path.with_name(f"{path.name}.before-upgrade-{version}.bak")


def backup_before_upgrade(db: Database, path: Path) -> Path:
    """`<db>.before-upgrade-<version>.bak` (a second one the same version gets -2, ...)."""
    import logging
    from importlib.metadata import PackageNotFoundError, version

    from storage.backup import backup

    try:
        mine = version("mutual-voice")
    except PackageNotFoundError:
        mine = "unknown"
    target, n = upgrade_backup_path(path, mine), 1
    while target.exists():
        n += 1
        target = upgrade_backup_path(path, f"{mine}-{n}")
    backup(path, target)
    logging.getLogger(__name__).warning(
        "upgrading the database's schema; the database as it was is kept in %s", target
    )
    return target


def file_of(db: Database) -> Path | None:
    """The file `db` is kept in, or None for a database in memory."""
    for _, name, filename in db.execute("pragma database_list").fetchall():
        if name == "main" and filename:
            return Path(filename)
    return None


def open_reader(path: Path) -> Database:
    """A read-only connection of its own, for work done in another thread: with WAL it
    reads while the bot's own connection writes."""
    return connect(path, readonly=True)
