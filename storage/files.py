"""Checking the database file before trusting it: the header, SQLite's own quick check,
and that a leftover `-wal` beside it belongs to it.

Each problem is one line saying what is wrong and what to do (BadDatabase). A leftover
log is tried on a copy, never on the file itself: SQLite would otherwise copy another
database's pages into ours at the first checkpoint.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import sqlite3
import struct
import tempfile
from pathlib import Path

MAGIC = b"SQLite format 3\x00"
WAL_MAGIC = (0x377F0682, 0x377F0683)
# PRAGMA application_id of every Mutual Voice database ("MVoi").
APPLICATION_ID = 0x4D566F69
RESTORE = "restore a backup with: mutual-voice restore BACKUP-FILE"


class BadDatabase(Exception):
    """The file is not a sound Mutual Voice database; the message says what to do."""


def header(path: Path) -> bytes:
    """The file's first 100 bytes, after refusing an empty file or one that is not SQLite."""
    with path.open("rb") as file:
        first = file.read(100)
    if not first:
        raise BadDatabase(
            f"{path} is empty (0 bytes), not a database: if it is new, delete it and run "
            f"mutual-voice init; if it held your data, {RESTORE}"
        )
    if len(first) < 100 or not first.startswith(MAGIC):
        raise BadDatabase(f"{path} is not an SQLite database (its header is wrong): {RESTORE}")
    return first


def page_size(first: bytes) -> int:
    size = struct.unpack(">H", first[16:18])[0]
    return 65536 if size == 1 else size


def identity(first: bytes) -> tuple[int, int]:
    """(application_id, user_version) from a header: which database this is."""
    return struct.unpack(">I", first[68:72])[0], struct.unpack(">I", first[60:64])[0]


def new_identity(conn: sqlite3.Connection) -> None:
    """Mark a database as Mutual Voice's with an id of its own (kept in page 1, so a
    `-wal` written for another database shows another id)."""
    conn.execute(f"pragma application_id = {APPLICATION_ID}")
    conn.execute(f"pragma user_version = {random.randint(1, 2**31 - 1)}")


def quick_check(conn: sqlite3.Connection) -> str | None:
    """SQLite's quick check: None if sound, else its first complaint."""
    try:
        rows = conn.execute("pragma quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if rows == [("ok",)] else str(rows[0][0])


def check_wal(path: Path, first: bytes) -> None:
    """Refuse a `-wal` that does not belong to `path`: a wrong header or page size, another
    database's identity in its pages, or a database that does not hold together with it."""
    wal = path.with_name(path.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return
    move = f"move {wal} away (keep it until you are sure) and start again, or {RESTORE}"
    try:
        with wal.open("rb") as file:
            wal_header = file.read(32)
    except FileNotFoundError:  # another process opened and closed the database meanwhile:
        return  # it replayed the log into the file (a command run beside a restart)
    if len(wal_header) < 32 or struct.unpack(">I", wal_header[:4])[0] not in WAL_MAGIC:
        raise BadDatabase(f"{wal} is not a write-ahead log: {move}")
    if struct.unpack(">I", wal_header[8:12])[0] != page_size(first):
        raise BadDatabase(f"{wal} belongs to another database (its page size differs): {move}")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".mv-check-") as folder:
        copy = Path(folder) / "check.db"
        shutil.copyfile(path, copy)
        try:
            shutil.copyfile(wal, copy.with_name("check.db-wal"))
        except FileNotFoundError:  # replayed meanwhile, as above
            return
        conn = sqlite3.connect(copy)
        try:
            try:
                replayed = (
                    conn.execute("pragma application_id").fetchone()[0],
                    conn.execute("pragma user_version").fetchone()[0],
                )
            except sqlite3.DatabaseError as error:
                raise BadDatabase(f"{wal} does not fit {path} ({error}): {move}") from None
            own_app, own_id = identity(first)
            if (own_app == APPLICATION_ID and replayed[0] != own_app) or (
                own_id and replayed[1] != own_id
            ):
                raise BadDatabase(f"{wal} belongs to another database: {move}")
            problem = quick_check(conn)
            if problem:
                raise BadDatabase(f"{wal} does not fit {path} ({problem}): {move}")
        finally:
            conn.close()


# SQLite's "dead man switch": every connection to a WAL database holds a shared lock on
# this byte of the `-shm` file (see SQLite's os_unix.c, UNIX_SHM_DMS).
SHM_DMS_BYTE = 128


def nobody_has_it_open(path: Path) -> bool:
    """True if no other process has the database open, so a `-wal` beside it is a
    leftover (of a crash, or of another database) rather than the log of a live writer.
    Call it before this process opens the database: POSIX locks are per process."""
    shm = path.with_name(path.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return True  # every connection to a WAL database keeps a -shm
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE)
    except OSError:
        return False
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, SHM_DMS_BYTE)
        return True
    finally:
        os.close(fd)


def check_database(path: Path, wal: bool) -> None:
    """Refuse a damaged database at `path` (if there is one) with one line; `wal` also
    tries a leftover log, which only a process alone on the file may do."""
    if not path.exists():
        return
    first = header(path)
    if wal:
        check_wal(path, first)
    try:
        conn = sqlite3.connect(path, timeout=30)
    except sqlite3.DatabaseError as error:
        raise BadDatabase(f"{path} cannot be opened ({error}): {RESTORE}") from None
    try:
        problem = quick_check(conn)
    finally:
        conn.close()
    if problem:
        raise BadDatabase(f"{path} is damaged ({problem}): {RESTORE}")


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
