"""Links to the member's page: tokens stored only as hashes, one member and one flow each.

A copy of the database opens no page: only the SHA-256 of each token is kept. A ballot's
receipt code is kept with the link it was cast through, sealed by the caller with a key
that only the token gives (`handlers/members/page_links.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.invites.queries import token_hash as digest
from storage.timestamps import iso


def add(
    db: Database,
    token: str,
    member_id: str,
    flow: str,
    now: datetime,
    forget_at: datetime,
    filler: bytes,
    good_until: datetime | None = None,
) -> None:
    """A new link; `filler` (random bytes as long as a sealed receipt) holds the receipt's
    place, so that sealing one rewrites the row where it is: no row moves when a ballot
    is cast, and a link used to vote looks like one that was not."""
    db["page_links"].insert(
        {
            "token_hash": digest(token),
            "member_id": member_id,
            "flow": flow,
            "created_at": iso(now),
            "good_until": iso(good_until) if good_until else None,
            "forget_at": iso(forget_at),
            "receipt": filler,
        }
    )


def find(db: Database, token: str, now: datetime) -> dict[str, Any] | None:
    """The link's row, unless it is unknown or already due to be forgotten."""
    rows = list(
        db.query(
            "select * from page_links where token_hash = ? and forget_at > ?",
            [digest(token), iso(now)],
        )
    )
    return rows[0] if rows else None


def keep_receipt(db: Database, token: str, sealed: bytes) -> None:
    db.execute("update page_links set receipt = ? where token_hash = ?", [sealed, digest(token)])


def forget_before(db: Database, now: datetime) -> int:
    """Delete the links due to be forgotten by `now`; how many went."""
    return db.execute("delete from page_links where forget_at <= ?", [iso(now)]).rowcount
