"""One bot per database: `<db>.lock`, locked for as long as the running bot lives.

`flock` is released by the kernel when the process ends however it ends (kill -9 and
power cuts included), so a crash never leaves a stale lock for an operator to delete.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class AlreadyRunning(Exception):
    """Another process holds the database's lock."""

    def __init__(self, database: Path, pid: int | None) -> None:
        self.database, self.pid = database, pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"a bot is already running on {database} ({who})")


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class RunLock:
    """The exclusive lock of one database; `acquire` raises AlreadyRunning if it is held."""

    def __init__(self, database: Path) -> None:
        self.database = Path(database)
        self.path = lock_path(self.database)
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(self.database, holder_pid(self.path)) from None
        # The pid is only a hint for the message; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_pid(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(path.read_text().strip())
    return None


def running_pid(database: Path) -> int | None:
    """The pid of the bot running on `database` (0 if unknown), or None if none is."""
    try:
        with RunLock(database):
            return None
    except AlreadyRunning as running:
        return running.pid or 0
