"""A meeting and its roll: stored once, read by the console and the CLI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def insert_meeting(
    db: Database,
    row: dict[str, Any],
    constituencies: Iterable[str],
    joined_by: datetime,
    weights: Mapping[str, int],
) -> int:
    """Store a meeting and fix its roll: active members of `constituencies` who joined by
    `joined_by`, each with their constituency's weight (1 if not named). One
    transaction; returns the size of the roll."""
    groups = list(constituencies)
    marks = ",".join("?" * len(groups))
    weight = " ".join(f"when ? then {int(w)}" for w in weights.values())
    case = f"case m.constituency {weight} else 1 end" if weights else "1"
    with db.atomic():
        db["meetings"].insert(row)
        return db.execute(
            "insert into meeting_roll (meeting_id, member_id, constituency, weight) "
            f"select ?, m.member_id, m.constituency, {case} from members m "
            f"where m.erased_at is null and m.constituency in ({marks}) and m.created_at <= ? "
            "order by m.member_id",
            [row["meeting_id"], *weights.keys(), *groups, iso(joined_by)],
        ).rowcount


def get(db: Database, meeting_id: str) -> dict[str, Any] | None:
    rows = list(db["meetings"].rows_where("meeting_id = ?", [meeting_id]))
    return rows[0] if rows else None


def all_meetings(db: Database) -> list[dict[str, Any]]:
    return list(db["meetings"].rows_where(order_by="starts_at"))


def roll(db: Database, meeting_id: str) -> list[dict[str, Any]]:
    """The roll by member id (an erased member's row last, without a name)."""
    return list(
        db.query(
            "select member_id, constituency, weight from meeting_roll where meeting_id = ? "
            "order by member_id is null, member_id",
            [meeting_id],
        )
    )


def roll_sizes(db: Database, meeting_id: str) -> dict[str, int]:
    """Members on the roll per constituency."""
    return dict(
        db.execute(
            "select constituency, count(*) from meeting_roll where meeting_id = ? "
            "group by constituency order by constituency",
            [meeting_id],
        ).fetchall()
    )
