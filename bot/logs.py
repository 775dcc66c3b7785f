"""How the bot's log reads: one line per event, as a service manager expects.

- Tracebacks only for bugs: an error of the world (network, platform, a full disk) is
  one line naming it; anything else keeps its traceback, because it is ours to fix.
- The same line repeated is shown once a minute with how many were held back (a platform
  outage or a full disk must not flood the disk it is short of).
- `--log-format json`: one JSON object a line. Under systemd (JOURNAL_STREAM set), lines
  carry the `<N>` level prefix the journal reads, and no time (the journal adds it).
- No colour: nothing here writes escape codes, terminal or not.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable

WINDOW_SECONDS = 60.0
# Exception classes (by name, so no platform library is imported here) that report the
# world, not a bug: their record is one line.
WORLDLY = {
    "NetworkError",
    "TimedOut",
    "RetryAfter",
    "TransportError",
    "TimeoutException",
    "ClientError",
    "SlackApiError",
    "SlackClientError",
    "Unreachable",
}
JOURNAL_LEVELS = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
DISK_FULL = (
    "disk full: the bot cannot write to its database; free space on the disk that holds "
    "it and the bot carries on by itself"
)


def is_disk_full(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, sqlite3.Error):
            code = getattr(error, "sqlite_errorcode", 0) & 0xFF
            if code == 13 or "disk is full" in str(error):  # SQLITE_FULL
                return True
        if isinstance(error, OSError) and error.errno == 28:  # ENOSPC
            return True
        error = error.__cause__ or error.__context__
    return False


# SQLite's busy, locked, read-only, I/O, full and cannot-open: the disk, not a bug (a
# syntax error or a missing column is an OperationalError too, and keeps its traceback).
SQLITE_WORLDLY = {5, 6, 8, 10, 13, 14}


def is_worldly(error: BaseException) -> bool:
    if isinstance(error, (OSError, TimeoutError)):
        return True
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorcode", 0) & 0xFF in SQLITE_WORLDLY
    return any(cls.__name__ in WORLDLY for cls in type(error).__mro__)


class OneLine(logging.Filter):
    """Worldly errors lose their traceback; a full disk is named as such."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        # (the redactor may have turned the exception into text already)
        said = f"{record.getMessage()} {record.exc_text or ''}"
        if is_disk_full(error) or "database or disk is full" in said:
            record.msg, record.args = DISK_FULL, ()
            record.exc_info = record.exc_text = None
            record.disk_full = True
        elif error is not None and is_worldly(error):
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


class RateLimit(logging.Filter):
    """Passes a line, then holds back the same line (same logger, level and wording) for
    `window` seconds, and says how many it held back with the next one it passes."""

    def __init__(
        self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.window, self.clock = window, clock
        self._seen: dict[tuple[object, ...], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key: tuple[object, ...] = (
            ("disk full",)
            if getattr(record, "disk_full", False)
            else (record.name, record.levelno, str(record.msg))
        )
        now = self.clock()
        since, held = self._seen.get(key, (-1e18, 0))
        if now - since < self.window:
            self._seen[key] = (since, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.getMessage()} ({held} more like this held back)"
            record.args = ()
        if len(self._seen) > 1000:  # many distinct lines: forget the oldest
            for old in sorted(self._seen, key=lambda k: self._seen[k][0])[:500]:
                del self._seen[old]
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # (the redactor may have turned the traceback into redacted text already)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class JournalFormatter(logging.Formatter):
    """systemd's journal: `<N>` gives the level; every line of a traceback keeps it."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{JOURNAL_LEVELS.get(record.levelno, 6)}>"
        text = super().format(record)
        return "\n".join(prefix + line for line in text.splitlines())


def make_handler(log_format: str = "text", stream=None) -> logging.Handler:  # noqa: ANN001
    """A handler writing the bot's lines to `stream` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    elif os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(OneLine())
    handler.addFilter(RateLimit())
    return handler


def configure(level: int, log_format: str = "text", stream=None) -> logging.Handler:  # noqa: ANN001
    """Replace the root logger's handlers with one of `make_handler`'s."""
    handler = make_handler(log_format, stream)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
