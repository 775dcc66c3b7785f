"""Sign-in links and sessions of the officer's console; tokens are stored only as hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.invites.queries import token_hash as digest
from storage.timestamps import iso


def add_link(db: Database, token: str, member_id: str, now: datetime, expires: datetime) -> None:
    db["console_links"].insert(
        {
            "token_hash": digest(token),
            "member_id": member_id,
            "created_at": iso(now),
            "expires_at": iso(expires),
        }
    )


def use_link(db: Database, token: str, now: datetime) -> str | None:
    """Spend the link once: the member it was for, or None if unknown, used or expired."""
    cursor = db.execute(
        "update console_links set used_at = ? "
        "where token_hash = ? and used_at is null and expires_at > ?",
        [iso(now), digest(token), iso(now)],
    )
    if cursor.rowcount != 1:
        return None
    return db["console_links"].get(digest(token))["member_id"]


def forget_links_before(db: Database, before: datetime) -> None:
    db.execute("delete from console_links where expires_at < ?", [iso(before)])


def add_session(db: Database, session_id: str, member_id: str, now: datetime) -> None:
    db["console_sessions"].insert(
        {
            "session_hash": digest(session_id),
            "member_id": member_id,
            "created_at": iso(now),
            "last_seen_at": iso(now),
        }
    )


def live_session(db: Database, session_id: str, idle_since: datetime) -> dict[str, Any] | None:
    """The session if it has not ended and was seen after `idle_since`."""
    rows = db.execute(
        "select * from console_sessions where session_hash = ? and ended_at is null "
        "and last_seen_at > ?",
        [digest(session_id), iso(idle_since)],
    ).fetchall()
    if not rows:
        return None
    columns = [c.name for c in db["console_sessions"].columns]
    return dict(zip(columns, rows[0], strict=True))


def touch_session(db: Database, session_id: str, now: datetime) -> None:
    db.execute(
        "update console_sessions set last_seen_at = ? where session_hash = ?",
        [iso(now), digest(session_id)],
    )


def end_session(db: Database, session_id: str, now: datetime) -> bool:
    cursor = db.execute(
        "update console_sessions set ended_at = ? where session_hash = ? and ended_at is null",
        [iso(now), digest(session_id)],
    )
    return cursor.rowcount == 1


def end_sessions_of(db: Database, member_id: str, now: datetime) -> int:
    cursor = db.execute(
        "update console_sessions set ended_at = ? where member_id = ? and ended_at is null",
        [iso(now), member_id],
    )
    return cursor.rowcount
