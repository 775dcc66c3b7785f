"""One-time invite tokens; only their hashes are stored, so a database leak opens no doors."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(db: Database, token: str, member_id: str, now: datetime, expires: datetime) -> None:
    db["invites"].insert(
        {
            "token_hash": token_hash(token),
            "member_id": member_id,
            "created_at": iso(now),
            "expires_at": iso(expires),
        }
    )


def find(db: Database, token: str) -> dict[str, Any] | None:
    rows = list(db["invites"].rows_where("token_hash = ?", [token_hash(token)]))
    return rows[0] if rows else None


def mark_used(db: Database, token: str, platform: str, now: datetime) -> bool:
    """Use the invite once; False if someone else used it first."""
    cursor = db.execute(
        "update invites set used_at = ?, used_platform = ? where token_hash = ? and used_at is null",
        [iso(now), platform, token_hash(token)],
    )
    return cursor.rowcount == 1
