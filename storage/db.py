"""Opening the one SQLite file the bot keeps everything in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from storage import faults
from storage.schema import migrate


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


def open_database(path: str | Path | None = None, create: bool = True) -> Database:
    """Open and migrate the database (None means in memory); a missing file is created
    only with `create`, and never its folder."""
    if path is None or str(path) == ":memory:":
        db = SharedDatabase(memory=True)
    else:
        if not Path(path).exists() and not create:
            raise NoDatabase(f"no database at {path}")
        if not Path(path).parent.is_dir():
            raise NoDatabase(f"no folder {Path(path).parent} for the database")
        db = SharedDatabase(path)
        # WAL lets a CLI command write rows while the running bot reads and sends.
        db.enable_wal()
        # With WAL, NORMAL keeps the database consistent on a crash and skips a disk
        # flush per write; at worst the last moments before a power cut are lost.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA foreign_keys = ON")
    # What is deleted or overwritten is zeroed in the file, not left in its free space.
    db.execute("PRAGMA secure_delete = ON")
    migrate(db)
    faults.watch(db)  # a debugging hook, inert unless MUTUAL_VOICE_KILL_AT is set
    return db


def file_of(db: Database) -> Path | None:
    """The file `db` is kept in, or None for a database in memory."""
    for _, name, filename in db.execute("pragma database_list").fetchall():
        if name == "main" and filename:
            return Path(filename)
    return None


def open_reader(path: Path) -> Database:
    """A read-only connection of its own, for work done in another thread: with WAL it
    reads while the bot's own connection writes."""
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA query_only = 1")
    return db
