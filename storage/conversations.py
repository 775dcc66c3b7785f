"""What each chat is in the middle of, and which platform events were handled.

A handled event is kept as a keyed hash of the platform's own event id (an update id,
a Slack event or trigger id), never who sent it, which button or what value: only what
recognising a re-delivery needs. The hashes and their secret are forgotten at every
close of a round or vote, and after `EVENT_MEMORY` anyway (handlers/housekeeping.py).

Kept in the database rather than in a platform library, so Slack, Telegram and the
console share the same flows and a restart forgets nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def first_time(db: Database, platform: str, event_id: str, now: datetime) -> bool:
    """Record an incoming event; False if it was handled before (a re-delivery).

    One statement, so that it takes the write lock first (a read before it would make a
    racing writer fail at once rather than wait)."""
    _register(db)
    cursor = db.execute(
        "insert or ignore into processed_events (digest, at) "
        "select mv_event_digest(secret, ?), ? from dedupe_secret",
        [f"{platform}\n{event_id}", iso(now.replace(minute=0, second=0, microsecond=0))],
    )
    return cursor.rowcount == 1


def handled(db: Database, platform: str, event_id: str) -> bool:
    """Whether an incoming event was recorded as handled."""
    _register(db)
    rows = db.execute(
        "select 1 from processed_events, dedupe_secret where digest = mv_event_digest(secret, ?)",
        [f"{platform}\n{event_id}"],
    ).fetchall()
    return bool(rows)


def event_tag(db: Database, platform: str, event_id: str) -> str:
    """What an outbox key says of the event it answers: a keyed hash of the platform's
    event id (under the dedupe secret, for another purpose than `first_time`'s), stable
    for a re-delivery, never the raw id (a Slack trigger id, a Telegram update number
    that counts a chat's messages). It changes at every close, as the dedupe does."""
    (secret,) = db.execute("select secret from dedupe_secret").fetchone()
    return _digest(secret, f"outbox\n{platform}\n{event_id}")


def forget_events_before(db: Database, before: datetime) -> None:
    db.execute("delete from processed_events where at < ?", [iso(before)])


def forget_events(db: Database) -> None:
    """Forget every event handled so far, and the secret they were recorded under (at the
    close of a round or vote: no record of a press made while it was open outlives it)."""
    db.execute("pragma secure_delete = on")
    db.execute("delete from processed_events")
    db.execute("delete from dedupe_secret")
    new_event_secret(db)


def new_event_secret(db: Database) -> None:
    db.execute("insert into dedupe_secret (secret) values (?)", [secrets.token_bytes(32)])


def _digest(secret: bytes, event: str) -> str:
    """A keyed hash of the platform's event id: enough to recognise a re-delivery, and
    nothing about who did what (the secret changes at every close)."""
    return hmac.new(secret, event.encode(), hashlib.sha256).hexdigest()[:32]


def _register(db: Database) -> None:
    db.conn.create_function("mv_event_digest", 2, _digest, deterministic=True)


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
