"""What each chat is in the middle of, and which platform events were handled.

Kept in the database rather than in a platform library, so Slack, Telegram and the
console share the same flows and a restart forgets nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def first_time(db: Database, platform: str, event_id: str, now: datetime) -> bool:
    """Record an incoming event; False if it was handled before (a re-delivery)."""
    cursor = db.execute(
        "insert or ignore into processed_events (platform, event_id, at) values (?, ?, ?)",
        [platform, event_id, iso(now)],
    )
    return cursor.rowcount == 1


def handled(db: Database, platform: str, event_id: str) -> bool:
    """Whether an incoming event was recorded as handled."""
    rows = db.execute(
        "select 1 from processed_events where platform = ? and event_id = ?", [platform, event_id]
    ).fetchall()
    return bool(rows)


def forget_events_before(db: Database, before: datetime) -> None:
    db.execute("delete from processed_events where at < ?", [iso(before)])


def set_prompt(
    db: Database,
    platform: str,
    chat_id: str,
    prompt: str,
    context: dict[str, Any],
    now: datetime,
) -> None:
    db["conversations"].upsert(
        {
            "platform": platform,
            "chat_id": chat_id,
            "prompt": prompt,
            "context": json.dumps(context),
            "updated_at": iso(now),
        },
        pk=("platform", "chat_id"),
    )


def pending_prompt(
    db: Database, platform: str, chat_id: str, since: datetime
) -> tuple[str, dict[str, Any]] | None:
    """The question this chat was asked at or after `since` and has not answered yet."""
    rows = list(
        db["conversations"].rows_where(
            "platform = ? and chat_id = ? and updated_at >= ?", [platform, chat_id, iso(since)]
        )
    )
    if not rows:
        return None
    return rows[0]["prompt"], json.loads(rows[0]["context"] or "{}")


def clear_prompt(db: Database, platform: str, chat_id: str) -> None:
    db.execute(
        "delete from conversations where platform = ? and chat_id = ?",
        [platform, chat_id],
    )
