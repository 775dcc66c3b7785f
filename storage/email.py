"""E-mail's unsubscribe links and opt-outs (see email_schema.py)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.invites.queries import token_hash
from storage.timestamps import iso

PLATFORM = "email"
# A link in an old e-mail still works this long; mail clients keep e-mail for years, but
# a member who has read a newer one holds a newer link.
KEEP = timedelta(days=400)
UNSUBSCRIBED = "unsubscribed from e-mail (one-click link)"


def address_key(address: str) -> str:
    """An address as opt-outs compare it (mailbox names are case-insensitive in practice)."""
    return address.strip().lower()


def new_unsubscribe_link(db: Database, member_id: str, address: str, now: datetime) -> str:
    """A fresh token for one e-mail's unsubscribe link; only its hash is kept."""
    token = secrets.token_urlsafe(24)
    db["email_unsubscribe_links"].insert(
        {
            "token_hash": token_hash(token),
            "member_id": member_id,
            "address": address,
            "made_on": now.date().isoformat(),
        }
    )
    return token


def unsubscribe_target(db: Database, token: str, now: datetime) -> tuple[str, str] | None:
    """(member id, address) the token was made for, or None if unknown or too old."""
    row = db.execute(
        "select member_id, address from email_unsubscribe_links "
        "where token_hash = ? and made_on >= ?",
        [token_hash(token), (now - KEEP).date().isoformat()],
    ).fetchone()
    return (row[0], row[1]) if row else None


def opt_out(db: Database, member_id: str, address: str, now: datetime) -> bool:
    """Note that `address` is to get no more e-mail; True the first time."""
    cursor = db.execute(
        "insert or ignore into email_opt_outs (address, member_id, opted_out_at) values (?, ?, ?)",
        [address_key(address), member_id, iso(now)],
    )
    return cursor.rowcount > 0


def opted_out(db: Database, address: str) -> bool:
    row = db.execute(
        "select 1 from email_opt_outs where address = ?", [address_key(address)]
    ).fetchone()
    return row is not None


def forget_old_links(db: Database, now: datetime) -> int:
    return db.execute(
        "delete from email_unsubscribe_links where made_on < ?", [(now - KEEP).date().isoformat()]
    ).rowcount
