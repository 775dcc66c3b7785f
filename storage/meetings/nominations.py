"""Nominations for a meeting's seats: the period, each nomination and its seconder.

Changes of state are compare-and-set on the current status, so a seconder's answer, a
withdrawal and the close racing each other leave one outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso


def open_period(db: Database, meeting_id: str, now: datetime, closes: datetime, actor: str) -> bool:
    """Open the meeting's nominations until `closes`; False if they were opened before."""
    return (
        db.execute(
            "insert or ignore into nomination_periods (meeting_id, opened_at, closes_at, "
            "opened_by) values (?, ?, ?, ?)",
            [meeting_id, iso(now), iso(closes), actor],
        ).rowcount
        == 1
    )


def period(db: Database, meeting_id: str) -> dict[str, Any] | None:
    rows = list(db["nomination_periods"].rows_where("meeting_id = ?", [meeting_id]))
    return rows[0] if rows else None


def open_periods(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Periods open now (not closed, not yet due to close)."""
    return list(
        db["nomination_periods"].rows_where(
            "closed_at is null and closes_at > ?", [iso(now)], order_by="closes_at"
        )
    )


def due_to_close(db: Database, now: datetime) -> list[dict[str, Any]]:
    return list(
        db["nomination_periods"].rows_where(
            "closed_at is null and closes_at <= ?", [iso(now)], order_by="closes_at"
        )
    )


def close_period(db: Database, meeting_id: str, now: datetime) -> bool:
    """Close the period once; nominations still unfinished (no statement sent, or no
    seconder's Yes) lapse with it."""
    with db.atomic():
        closed = db.execute(
            "update nomination_periods set closed_at = ? where meeting_id = ? and closed_at is null",
            [iso(now), meeting_id],
        ).rowcount
        if closed:
            db.execute(
                "update meeting_nominations set status = 'lapsed', updated_at = ? "
                "where meeting_id = ? and status in ('draft', 'awaiting-seconder')",
                [iso(now), meeting_id],
            )
    return closed == 1


def save_statement(
    db: Database,
    meeting_id: str,
    seat_id: str,
    member_id: str,
    statement: str,
    status: str,
    now: datetime,
) -> int:
    """A member's nomination for a seat with its statement (again after a withdrawal or a
    seconder's No: the same row, its old seconder forgotten). Returns its id."""
    with db.atomic():
        db.execute(
            "insert into meeting_nominations (meeting_id, seat_id, member_id, statement, "
            "status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?) "
            "on conflict (meeting_id, seat_id, member_id) do update set "
            "statement = excluded.statement, status = excluded.status, reason = null, "
            "updated_at = excluded.updated_at",
            [meeting_id, seat_id, member_id, statement, status, iso(now), iso(now)],
        )
        found = db.execute(
            "select nomination_id from meeting_nominations where meeting_id = ? and "
            "seat_id = ? and member_id = ?",
            [meeting_id, seat_id, member_id],
        ).fetchone()[0]
        db.execute("delete from nomination_seconders where nomination_id = ?", [found])
    return found


def get(db: Database, nomination_id: int) -> dict[str, Any] | None:
    """A nomination with its seconder (`seconder_id`, `answer`)."""
    rows = list(
        db.query(
            "select n.*, s.member_id as seconder_id, s.answer from meeting_nominations n "
            "left join nomination_seconders s using (nomination_id) where n.nomination_id = ?",
            [nomination_id],
        )
    )
    return rows[0] if rows else None


def of_member(db: Database, meeting_id: str, member_id: str) -> list[dict[str, Any]]:
    return list(
        db["meeting_nominations"].rows_where(
            "meeting_id = ? and member_id = ?", [meeting_id, member_id], order_by="seat_id"
        )
    )


def of_meeting(db: Database, meeting_id: str) -> list[dict[str, Any]]:
    """Every nomination with the nominee's and the seconder's names, by seat and name."""
    return list(
        db.query(
            "select n.*, m.name, s.member_id as seconder_id, s.answer, sm.name as seconder "
            "from meeting_nominations n join members m on m.member_id = n.member_id "
            "left join nomination_seconders s using (nomination_id) "
            "left join members sm on sm.member_id = s.member_id "
            "where n.meeting_id = ? order by n.seat_id, m.name, n.member_id",
            [meeting_id],
        )
    )


def move(
    db: Database,
    nomination_id: int,
    before: Iterable[str],
    after: str,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """Set the status to `after` if it is one of `before`; whether it was."""
    before = tuple(before)
    marks = ",".join("?" * len(before))
    return (
        db.execute(
            f"update meeting_nominations set status = ?, reason = ?, updated_at = ? "
            f"where nomination_id = ? and status in ({marks})",
            [after, reason, iso(now), nomination_id, *before],
        ).rowcount
        == 1
    )


def ask_seconder(db: Database, nomination_id: int, member_id: str, now: datetime) -> bool:
    """Name the seconder of a draft nomination, which now waits for their answer."""
    with db.atomic():
        if not move(db, nomination_id, ("draft",), "awaiting-seconder", now):
            return False
        db.execute(
            "insert or replace into nomination_seconders (nomination_id, member_id, asked_at) "
            "values (?, ?, ?)",
            [nomination_id, member_id, iso(now)],
        )
    return True


def answer_seconder(
    db: Database, nomination_id: int, member_id: str, yes: bool, now: datetime
) -> bool:
    """The named seconder's Yes (nominated) or No (declined), once, while it waits."""
    with db.atomic():
        answered = db.execute(
            "update meeting_nominations set status = ?, updated_at = ? where "
            "nomination_id = ? and status = 'awaiting-seconder' and exists (select 1 from "
            "nomination_seconders s where s.nomination_id = meeting_nominations.nomination_id "
            "and s.member_id = ? and s.answer is null)",
            ["nominated" if yes else "declined", iso(now), nomination_id, member_id],
        ).rowcount
        if answered:
            db.execute(
                "update nomination_seconders set answer = ?, answered_at = ? "
                "where nomination_id = ?",
                ["yes" if yes else "no", iso(now), nomination_id],
            )
    return answered == 1


def on_roll(db: Database, meeting_id: str, member_id: str) -> str | None:
    """The member's constituency on the meeting's roll, or None if they are not on it."""
    found = db.execute(
        "select constituency from meeting_roll where meeting_id = ? and member_id = ?",
        [meeting_id, member_id],
    ).fetchone()
    return found[0] if found else None


def roll_named(db: Database, meeting_id: str, typed: str) -> list[dict[str, Any]]:
    """Members on the roll whose membership number is `typed`, or else whose name it is
    (ignoring case and spaces at the ends)."""
    typed = " ".join(typed.split())
    by_id = (
        "select m.member_id, m.name, r.constituency from meeting_roll r join members m "
        "using (member_id) where r.meeting_id = ? and lower(m.member_id) = lower(?)"
    )
    found = list(db.query(by_id, [meeting_id, typed]))
    if found:
        return found
    return list(
        db.query(
            "select m.member_id, m.name, r.constituency from meeting_roll r join members m "
            "using (member_id) where r.meeting_id = ? and lower(trim(m.name)) = lower(?) "
            "order by m.member_id",
            [meeting_id, typed],
        )
    )
