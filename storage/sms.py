"""SMS chats: the numbered menu of the last question, and what Twilio's status callbacks
say about a text (see sms_schema.py)."""

from __future__ import annotations

import json

from sqlite_utils import Database

from storage import outbox

PLATFORM = "sms"


def set_menu(db: Database, chat_id: str, options: list[tuple[str, str]]) -> None:
    db.execute(
        "insert into sms_chats (chat_id, menu) values (?, ?) "
        "on conflict (chat_id) do update set menu = excluded.menu",
        [chat_id, json.dumps(options) if options else None],
    )


def menu(db: Database, chat_id: str) -> list[tuple[str, str]]:
    row = db.execute("select menu from sms_chats where chat_id = ?", [chat_id]).fetchone()
    return [tuple(option) for option in json.loads(row[0])] if row and row[0] else []


def take_from_menu(db: Database, chat_id: str, typed: str) -> str | None:
    """The option `typed` numbers in the chat's menu, which it empties: one answer per
    question, however often the number is sent."""
    chosen = dict(menu(db, chat_id)).get(typed)
    if chosen is not None:
        set_menu(db, chat_id, [])
    return chosen


def delivery_failed(db: Database, row_id: int, status: str, error: str) -> bool:
    """A status callback said a text marked sent failed after all."""
    return bool(
        db.execute(
            "update outbox set status = ?, error = ? where id = ? and platform = ? "
            "and status = 'sent'",
            [status, error, row_id, PLATFORM],
        ).rowcount
    )


def waiting_payloads(db: Database) -> list[dict]:
    """What each text queued for SMS and not yet sent says (for the cost estimate)."""
    return [
        row["payload"]  # sealed ones opened: a ballot's confirmation costs as it reads
        for row in outbox.rows_for(db, PLATFORM)
        if row["status"] == "pending"
    ]


def reach(db: Database) -> list[tuple[str | None, int]]:
    """Members reachable by SMS now, by their language (None: the organisation's)."""
    rows = db.execute(
        """select coalesce(m.language_chosen, m.language), count(*)
        from identities i join members m on m.member_id = i.member_id
        where i.platform = ? and i.unreachable_at is null and m.erased_at is null
        group by 1 order by 1""",
        [PLATFORM],
    ).fetchall()
    return [(language or None, n) for language, n in rows]
