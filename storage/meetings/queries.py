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


def readers(
    db: Database, meeting_id: str, after: str = "", limit: int = -1
) -> list[dict[str, Any]]:
    """Members on the roll with their time zone and language (the notice's fan-out), by
    member id, the `limit` after `after`."""
    return list(
        db.query(
            "select m.member_id, m.timezone, m.language, m.language_chosen from meeting_roll r "
            "join members m on m.member_id = r.member_id "
            "where r.meeting_id = ? and r.member_id > ? and m.erased_at is null "
            "order by r.member_id limit ?",
            [meeting_id, after, limit],
        )
    )


def on_roll(db: Database, meeting_id: str, member_id: str) -> bool:
    return (
        db.execute(
            "select 1 from meeting_roll where meeting_id = ? and member_id = ?",
            [meeting_id, member_id],
        ).fetchone()
        is not None
    )


def set_rsvp(db: Database, meeting_id: str, member_id: str, rsvp: str, at: datetime) -> None:
    """Record (or change) a member's reply to the notice."""
    with db.atomic():
        db.execute(
            "insert into meeting_attendance (meeting_id, member_id, rsvp, rsvp_at) "
            "values (?, ?, ?, ?) on conflict (meeting_id, member_id) "
            "do update set rsvp = excluded.rsvp, rsvp_at = excluded.rsvp_at",
            [meeting_id, member_id, rsvp, iso(at)],
        )


def answer_of(db: Database, meeting_id: str, member_id: str) -> dict[str, Any]:
    """A member's reply to the notice (`rsvp`) and check-in (`present`): None if not yet."""
    row = db.execute(
        "select rsvp, present from meeting_attendance where meeting_id = ? and member_id = ?",
        [meeting_id, member_id],
    ).fetchone()
    return {"rsvp": row[0] if row else None, "present": row[1] if row else None}


def check_in(
    db: Database, meeting_id: str, member_id: str, present: str, at: datetime, by: str
) -> str | None:
    """Record a member as present (in-person or online); returns how they were already
    checked in (nothing changes then), or None for a first check-in."""
    with db.atomic():
        row = db.execute(
            "select present from meeting_attendance where meeting_id = ? and member_id = ?",
            [meeting_id, member_id],
        ).fetchone()
        if row and row[0]:
            return row[0]
        db.execute(
            "insert into meeting_attendance (meeting_id, member_id, present, checked_in_at, "
            "checked_in_by) values (?, ?, ?, ?, ?) on conflict (meeting_id, member_id) do "
            "update set present = excluded.present, checked_in_at = excluded.checked_in_at, "
            "checked_in_by = excluded.checked_in_by",
            [meeting_id, member_id, present, iso(at), by],
        )
    return None


def attendance(db: Database, meeting_id: str) -> dict[str, dict[str, int]]:
    """{"rsvp": {reply: members}, "present": {how: members}} for one meeting."""
    counts: dict[str, dict[str, int]] = {"rsvp": {}, "present": {}}
    for column in counts:
        counts[column] = dict(
            db.execute(
                f"select {column}, count(*) from meeting_attendance where meeting_id = ? "
                f"and {column} is not null group by {column} order by {column}",
                [meeting_id],
            ).fetchall()
        )
    return counts


def present(db: Database, meeting_id: str) -> list[str]:
    """Members checked in (by member id): those a motion in the room is put to."""
    return [
        row[0]
        for row in db.execute(
            "select member_id from meeting_attendance where meeting_id = ? and present is not "
            "null and member_id is not null order by member_id",
            [meeting_id],
        ).fetchall()
    ]


def present_members(db: Database, meeting_id: str) -> list[dict[str, Any]]:
    """Members checked in, with their constituency (a motion's roll), by member id."""
    return list(
        db.query(
            "select a.member_id, m.constituency, m.timezone, m.language, m.language_chosen "
            "from meeting_attendance a "
            "join members m on m.member_id = a.member_id "
            "where a.meeting_id = ? and a.present is not null and m.erased_at is null "
            "order by a.member_id",
            [meeting_id],
        )
    )


def add_motion(db: Database, row: dict[str, Any]) -> None:
    db["meeting_motions"].insert(row)


def motion(db: Database, vote_id: str) -> dict[str, Any] | None:
    """The meeting a vote was put to in the room, or None for any other vote."""
    rows = list(db["meeting_motions"].rows_where("vote_id = ?", [vote_id]))
    return rows[0] if rows else None


def motions(db: Database, meeting_id: str) -> list[dict[str, Any]]:
    return list(
        db["meeting_motions"].rows_where("meeting_id = ?", [meeting_id], order_by="opened_at")
    )


def coming(db: Database, meeting_id: str) -> list[dict[str, Any]]:
    """Members who replied they would come (in person or online) and have not checked in."""
    return list(
        db.query(
            "select m.member_id, m.timezone, m.language, m.language_chosen from "
            "meeting_attendance a join members m on m.member_id = a.member_id "
            "where a.meeting_id = ? and a.rsvp in ('in-person', 'online') and a.present is null "
            "and m.erased_at is null order by a.member_id",
            [meeting_id],
        )
    )


def sent(db: Database, meeting_id: str, notice: str) -> bool:
    found = db.execute(
        "select 1 from meeting_notices where meeting_id = ? and notice = ?", [meeting_id, notice]
    ).fetchone()
    return found is not None


def mark_sent(db: Database, meeting_id: str, notice: str, at: datetime) -> None:
    db.execute(
        "insert or ignore into meeting_notices (meeting_id, notice, sent_at) values (?, ?, ?)",
        [meeting_id, notice, iso(at)],
    )


def roll_entry(db: Database, meeting_id: str, member_id: str) -> dict[str, Any] | None:
    """The member's row on the meeting's roll (their constituency and weight as fixed on
    the notice date), or None if they are not on it."""
    rows = list(
        db.query(
            "select constituency, weight from meeting_roll where meeting_id = ? and member_id = ?",
            [meeting_id, member_id],
        )
    )
    return rows[0] if rows else None
