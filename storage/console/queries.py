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


def live_session(
    db: Database, session_id: str, idle_since: datetime, started_since: datetime
) -> dict[str, Any] | None:
    """The session if it has not ended, was seen after `idle_since` and started after
    `started_since` (the absolute limit)."""
    rows = db.execute(
        "select * from console_sessions where session_hash = ? and ended_at is null "
        "and last_seen_at > ? and created_at > ?",
        [digest(session_id), iso(idle_since), iso(started_since)],
    ).fetchall()
    if not rows:
        return None
    columns = [c.name for c in db["console_sessions"].columns]
    return dict(zip(columns, rows[0], strict=True))


def session_member(db: Database, session_id: str) -> str | None:
    """Whose session this was, if it was not ended (signed out, revoked), live or not."""
    row = db.execute(
        "select member_id from console_sessions where session_hash = ? and ended_at is null",
        [digest(session_id)],
    ).fetchone()
    return row[0] if row else None


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


def sessions_of(
    db: Database, member_id: str, idle_since: datetime, started_since: datetime
) -> list[dict[str, Any]]:
    """The officer's live sessions, newest first (hashes only: no session id is known)."""
    return list(
        db.query(
            "select session_hash, created_at, last_seen_at from console_sessions "
            "where member_id = ? and ended_at is null and last_seen_at > ? and created_at > ? "
            "order by created_at desc",
            [member_id, iso(idle_since), iso(started_since)],
        )
    )


def void_links_of(db: Database, member_id: str, now: datetime) -> int:
    """Spend every unused sign-in link of the member, so none can start a session."""
    return db.execute(
        "update console_links set used_at = ? where member_id = ? and used_at is null",
        [iso(now), member_id],
    ).rowcount


def members_with_access(db: Database) -> list[str]:
    """Members with a session not ended or a link not used (to check against the officers)."""
    return [
        row[0]
        for row in db.execute(
            "select member_id from console_sessions where ended_at is null union "
            "select member_id from console_links where used_at is null"
        )
    ]
