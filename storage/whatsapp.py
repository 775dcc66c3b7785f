"""WhatsApp's chats: when each window opened, template invitations, numbered menus, and
the outbox rows held until a member opens their window (see whatsapp_schema.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.timestamps import iso, parse

PLATFORM = "whatsapp"
WINDOW = timedelta(hours=24)
# The errors held rows carry: they tell `outbox status` why a row waits, and pick it out.
HELD = "held: waiting for the member to answer the template (WhatsApp's 24-hour rule)"
HELD_FOR_LIMIT = "held: today's limit of members reached by template is used up"


def wrote(db: Database, chat_id: str, now: datetime) -> None:
    """The member wrote: their window is open from the hour they wrote (rounded down)."""
    hour = iso(now.replace(minute=0, second=0, microsecond=0))
    db.execute(
        "insert into whatsapp_chats (chat_id, wrote_hour) values (?, ?) "
        "on conflict (chat_id) do update set wrote_hour = excluded.wrote_hour",
        [chat_id, hour],
    )


def window_closes(db: Database, chat_id: str) -> datetime | None:
    """When the member's window closes (may be past), or None if they never wrote."""
    row = db.execute(
        "select wrote_hour from whatsapp_chats where chat_id = ?", [chat_id]
    ).fetchone()
    return parse(row[0]) + WINDOW if row and row[0] else None


def close_window(db: Database, chat_id: str) -> None:
    """Meta said the window is closed (error 131047): believe it."""
    db.execute("update whatsapp_chats set wrote_hour = null where chat_id = ?", [chat_id])


def invited(db: Database, chat_id: str, when: datetime | None) -> None:
    """The member was invited by template at `when` (None: never, an invitation undone)."""
    db.execute(
        "insert into whatsapp_chats (chat_id, invited_at) values (?, ?) "
        "on conflict (chat_id) do update set invited_at = excluded.invited_at",
        [chat_id, iso(when) if when else None],
    )


def invited_at(db: Database, chat_id: str) -> datetime | None:
    row = db.execute(
        "select invited_at from whatsapp_chats where chat_id = ?", [chat_id]
    ).fetchone()
    return parse(row[0]) if row and row[0] else None


def invitations_since(db: Database, since: datetime) -> list[datetime]:
    """When each member invited by template since `since` was invited, oldest first
    (Meta's daily limit counts members reached outside their window in 24 hours)."""
    rows = db.execute(
        "select invited_at from whatsapp_chats where invited_at >= ? order by invited_at",
        [iso(since)],
    ).fetchall()
    return [parse(r[0]) for r in rows]


def windows_open(db: Database, now: datetime) -> int:
    """How many chats have an open window now."""
    since = iso(now.replace(minute=0, second=0, microsecond=0) - WINDOW)
    return db.execute(
        "select count(*) from whatsapp_chats where wrote_hour > ?", [since]
    ).fetchone()[0]


def release_held(db: Database, chat_id: str, now: datetime) -> int:
    """The member opened their window: messages held for it are due now; how many."""
    return db.execute(
        "update outbox set not_before = ?, error = null where platform = ? and chat_id = ? "
        "and status = 'pending' and error in (?, ?)",
        [iso(now), PLATFORM, chat_id, HELD, HELD_FOR_LIMIT],
    ).rowcount


def delivery_failed(db: Database, row_id: int, status: str, error: str) -> bool:
    """A status webhook said a message marked sent failed after all."""
    return bool(
        db.execute(
            "update outbox set status = ?, error = ? where id = ? and platform = ? "
            "and status = 'sent'",
            [status, error, row_id, PLATFORM],
        ).rowcount
    )


def set_menu(db: Database, chat_id: str, options: list[tuple[str, str]]) -> None:
    db.execute(
        "insert into whatsapp_chats (chat_id, menu) values (?, ?) "
        "on conflict (chat_id) do update set menu = excluded.menu",
        [chat_id, json.dumps(options) if options else None],
    )


def menu(db: Database, chat_id: str) -> list[tuple[str, str]]:
    row = db.execute("select menu from whatsapp_chats where chat_id = ?", [chat_id]).fetchone()
    return [tuple(option) for option in json.loads(row[0])] if row and row[0] else []


def reach(db: Database, now: datetime) -> tuple[int, int]:
    """Members reachable on WhatsApp, and how many of them have no open window now (a
    message to them would go as a template)."""
    since = iso(now.replace(minute=0, second=0, microsecond=0) - WINDOW)
    row = db.execute(
        """select count(*), sum(c.wrote_hour is null or c.wrote_hour <= ?)
        from identities i join members m on m.member_id = i.member_id
        left join whatsapp_chats c on c.chat_id = i.chat_id
        where i.platform = ? and i.unreachable_at is null and m.erased_at is null""",
        [since, PLATFORM],
    ).fetchone()
    return row[0], row[1] or 0


def forget_strangers(db: Database, before: datetime) -> int:
    """Forget the chats of people who wrote but never joined once their window (the only
    reason to keep when they wrote) has closed by `before`; how many."""
    return db.execute(
        "delete from whatsapp_chats where (wrote_hour is null or wrote_hour < ?) "
        "and chat_id not in (select chat_id from identities where platform = ?)",
        [iso(before - WINDOW), PLATFORM],
    ).rowcount
