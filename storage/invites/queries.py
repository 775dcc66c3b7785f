"""One-time invite tokens; only their hashes are stored, so a database leak opens no doors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def replace_unused(
    db: Database,
    rows: Iterable[tuple[str, str]],
    now: datetime,
    expires: datetime,
    issued: datetime | None = None,
) -> None:
    """Store new (token, member id) invites, revoking each member's earlier unused ones.
    `issued` is when the letters say they were issued (prepared), if not `now`."""
    stamp = iso(now)
    new = [
        {
            "token_hash": token_hash(token),
            "member_id": member_id,
            "created_at": iso(issued or now),
            "expires_at": iso(expires),
        }
        for token, member_id in rows
    ]
    db.execute(
        "update invites set revoked_at = ? where used_at is null and revoked_at is null "
        "and member_id in (select value from json_each(?))",
        [stamp, json.dumps([row["member_id"] for row in new])],
    )
    db["invites"].insert_all(new)


def live_unused(db: Database, member_ids: Iterable[str], now: datetime) -> int:
    """How many invites of these members are unused, unrevoked and unexpired at `now`:
    the links that new invites for them would stop."""
    row = db.execute(
        "select count(*) from invites where used_at is null and revoked_at is null "
        "and expires_at > ? and member_id in (select value from json_each(?))",
        [iso(now), json.dumps(list(member_ids))],
    ).fetchone()
    return row[0]


def latest_issued(db: Database, member_ids: Iterable[str]) -> dict[str, str]:
    """When each of these members was last sent an invite (members never invited are left out)."""
    rows = db.execute(
        "select member_id, max(created_at) from invites "
        "where member_id in (select value from json_each(?)) group by member_id",
        [json.dumps(list(member_ids))],
    ).fetchall()
    return dict(rows)


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


def joining(db: Database) -> list[dict[str, Any]]:
    """Each active member with their latest invite (if any) and when they first connected."""
    return list(
        db.query(
            """select m.member_id, m.name, m.constituency,
                (select min(i.linked_at) from identities i
                 where i.member_id = m.member_id) as joined_at,
                v.created_at as invited_at, v.expires_at, v.used_at
            from members m
            left join invites v on v.rowid = (
                select rowid from invites w where w.member_id = m.member_id
                order by w.created_at desc, w.rowid desc limit 1)
            where m.erased_at is null
            order by m.member_id"""
        )
    )
