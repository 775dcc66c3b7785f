"""The returning officer's sign-off of a meeting's declaration, once per meeting."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def record(
    db: Database, meeting_id: str, signed_by: str, actor: str, declared: dict, now: datetime
) -> None:
    """Record the sign-off with the declaration as signed (a second one for the same
    meeting fails: its primary key)."""
    db.execute(
        "insert into meeting_signoffs (meeting_id, signed_by, signed_at, actor, declaration) "
        "values (?, ?, ?, ?, ?)",
        [meeting_id, signed_by, iso(now), actor, json.dumps(declared, sort_keys=True)],
    )


def get(db: Database, meeting_id: str) -> dict[str, Any] | None:
    """{"signed_by", "signed_at", "actor", "declaration"} (the declaration as a dict), or
    None if not signed off."""
    row = db.execute(
        "select signed_by, signed_at, actor, declaration from meeting_signoffs "
        "where meeting_id = ?",
        [meeting_id],
    ).fetchone()
    if row is None:
        return None
    signed_by, signed_at, actor, declared = row
    return {
        "signed_by": signed_by,
        "signed_at": signed_at,
        "actor": actor,
        "declaration": json.loads(declared),
    }
