"""The secrets of open flows, kept outside the database file: `<db>.keys`.

A check-in round's secret makes each member's respondent key, and a vote that allows a
change has a secret that makes each ballot's replacement key. Whoever holds a secret
and the file can pair members with their answers, so the secrets are not in the file:
a copy of the database, of its `-wal`, or a `mutual-voice backup` pairs no one. Only
someone who takes both files while the flow is open could.

The keys file is JSON, `{label: {"key": hex, "made": iso time}}`, mode 0600. Every
change is written to a new file, flushed to disk, renamed over the old one and the
folder flushed too, under an exclusive lock of the folder (the bot, the command line
and the console may write at once): so a crash leaves either the old file or the new
one, never half of one. A secret is written (and on disk) before the flow that uses
it is committed as open, and dropped once the flow stops taking answers. A secret
whose flow never opened (a crash in between) is dropped by `prune` after a day.

An in-memory database (tests) keeps its secrets beside it, in memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

SUFFIX = ".keys"
ORPHAN_AGE = timedelta(days=1)  # an unclaimed secret older than this is dropped


def path_of(db: Database) -> Path | None:
    """The keys file beside the database file; None for a database in memory."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(file + SUFFIX) if file else None
    return None


def new_label(kind: str) -> str:
    """A label for a flow's secret that says nothing of the flow but its kind."""
    return f"{kind}:{secrets.token_hex(8)}"


def get(db: Database, label: str) -> bytes | None:
    """The secret stored under `label`, or None (never stored, dropped, or the file lost)."""
    entry = _read(db).get(label)
    return bytes.fromhex(entry["key"]) if entry else None


def put(db: Database, label: str, secret: bytes) -> None:
    """Store `secret` under `label` (replacing any), on disk when this returns."""
    with _changing(db) as keys:
        keys[label] = {"key": secret.hex(), "made": datetime.now(UTC).isoformat()}


def put_new(db: Database, label: str, secret: bytes) -> bytes:
    """Store `secret` under `label` unless a secret is there already; the one kept (a
    racing writer's, if it came first), on disk when this returns."""
    with _changing(db) as keys:
        if label not in keys:
            keys[label] = {"key": secret.hex(), "made": datetime.now(UTC).isoformat()}
        return bytes.fromhex(keys[label]["key"])


def drop(db: Database, labels: Iterable[str | None]) -> None:
    """Forget the secrets under `labels` (those not there are ignored)."""
    wanted = {label for label in labels if label}
    if not wanted or not wanted & _read(db).keys():
        return
    with _changing(db) as keys:
        for label in wanted:
            keys.pop(label, None)


def prune(db: Database, live: set[str], now: datetime | None = None) -> list[str]:
    """Drop the secrets of flows that no longer take answers: every label not in `live`
    (the labels of every flow taking answers) older than ORPHAN_AGE. A label another
    process wrote a moment ago for a flow it is opening now is young, so it stays.
    Returns the labels dropped."""
    moment = now or datetime.now(UTC)
    gone = [
        label
        for label, entry in _read(db).items()
        if label not in live and moment - datetime.fromisoformat(entry["made"]) > ORPHAN_AGE
    ]
    drop(db, gone)
    return gone


def labels(db: Database) -> set[str]:
    return set(_read(db))


# ---------------------------------------------------------------------- the file


def _memory(db: Database) -> dict[str, Any]:
    if not hasattr(db, "_mv_flow_keys"):
        db._mv_flow_keys = {}  # type: ignore[attr-defined]
    return db._mv_flow_keys  # type: ignore[attr-defined]


def _read(db: Database) -> dict[str, Any]:
    path = path_of(db)
    if path is None:
        return dict(_memory(db))
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except FileNotFoundError:
        return {}


@contextlib.contextmanager
def _changing(db: Database) -> Iterator[dict[str, Any]]:
    """The keys, to change; written back atomically and durably, under the folder's lock."""
    path = path_of(db)
    if path is None:
        keys = _memory(db)
        yield keys
        return
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        keys = _read(db)
        yield keys
        temporary = path.with_name(path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # a leftover .new of other rights is made private
            os.write(fd, json.dumps(keys, sort_keys=True).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        os.fsync(folder)  # the rename itself is on disk
    finally:
        os.close(folder)  # closing releases the lock
