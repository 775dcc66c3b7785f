"""The audit log of admin actions and refused joins."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def record(
    db: Database, at: datetime, actor: str, action: str, subject: str = "", **detail: Any
) -> None:
    db["audit"].insert(
        {
            "at": iso(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": json.dumps(detail, sort_keys=True),
        }
    )


def record_many(db: Database, at: datetime, actor: str, action: str, subjects: list[str]) -> None:
    """The same action on many subjects (e.g. 10,000 invites) in one insert."""
    db["audit"].insert_all(
        {"at": iso(at), "actor": actor, "action": action, "subject": subject, "detail": "{}"}
        for subject in subjects
    )


def entries(db: Database, action: str | None = None) -> list[dict[str, Any]]:
    where, params = ("action = ?", [action]) if action else (None, None)
    return list(db["audit"].rows_where(where, params, order_by="id"))
