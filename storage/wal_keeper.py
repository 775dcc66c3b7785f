"""Copying the write-ahead log into the database file in a thread of its own.

By default SQLite does this itself in whichever commit takes the log past 1,000 pages,
and that commit then waits for the copy and a disk flush: on a loaded disk, hundreds of
milliseconds on the event loop, holding up every member's message. The running bot
turns that off on its own connection and a WalKeeper copies the log from another
connection every second or so ("passive": it never blocks a writer). Short-lived
commands keep SQLite's default.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from pathlib import Path

from sqlite_utils import Database

log = logging.getLogger(__name__)

EVERY_SECONDS = 1.0
WORTH_IT_BYTES = 1 << 20  # a log smaller than this is left to grow a little more


class WalKeeper:
    """Takes over `db`'s automatic checkpoints until `stop()`."""

    def __init__(self, db: Database, path: Path, every: float = EVERY_SECONDS) -> None:
        self.db, self.path, self.every = db, path, every
        self._wal = path.with_name(path.name + "-wal")
        self._stopping = threading.Event()
        self._wanted = threading.Event()  # something secret was forgotten: empty the log
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.db.execute("pragma wal_autocheckpoint = 0")
        self._thread = threading.Thread(target=self._run, name="wal-keeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop copying and give the checkpoints back to SQLite's own connection."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("pragma wal_autocheckpoint = 1000")

    def empty(self) -> bool:
        """Copy the whole log into the file and empty it, from a connection of its own
        (call it in a thread): first without blocking anyone, then the short rest, which
        holds writers back only while it lasts. False if a reader held it up."""
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute("pragma wal_checkpoint(passive)")
            busy, _, _ = conn.execute("pragma wal_checkpoint(truncate)").fetchone()
            return busy == 0
        except sqlite3.Error as error:
            log.warning("could not empty the write-ahead log: %s", error)
            return False
        finally:
            conn.close()

    def empty_soon(self) -> None:
        """Empty the whole log at the next turn (and each turn after, until it could): it
        holds the earlier versions of rows just forgotten."""
        self._wanted.set()

    def copy_once(self, conn: sqlite3.Connection) -> int:
        """Copy what the log holds into the file, if it is worth it; the pages copied."""
        try:
            if self._wal.stat().st_size < WORTH_IT_BYTES:
                return 0
        except FileNotFoundError:
            return 0
        _busy, _logged, copied = conn.execute("pragma wal_checkpoint(passive)").fetchone()
        return max(copied, 0)

    def turn(self, conn: sqlite3.Connection) -> None:
        """One turn of the thread: empty the log if asked to, else copy it if worth it."""
        if self._wanted.is_set():
            self._wanted.clear()
            if not self._truncate(conn):
                self._wanted.set()  # a reader held it up: next turn
        else:
            self.copy_once(conn)

    @property
    def emptying(self) -> bool:
        """Whether the log is still to be emptied."""
        return self._wanted.is_set()

    @staticmethod
    def _truncate(conn: sqlite3.Connection) -> bool:
        """Empty the log if no reader holds it; wait only briefly, since the last step
        holds the bot's writers back while it waits."""
        conn.execute("pragma wal_checkpoint(passive)")
        conn.execute("pragma busy_timeout = 200")
        try:
            busy, _, _ = conn.execute("pragma wal_checkpoint(truncate)").fetchone()
        finally:
            conn.execute("pragma busy_timeout = 5000")
        return busy == 0

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, check_same_thread=True)
        try:
            while not self._stopping.wait(self.every):
                try:
                    self.turn(conn)
                except sqlite3.Error as error:  # e.g. locked for a moment: next time
                    log.debug("copying the write-ahead log waits: %s", error)
        finally:
            conn.close()
