"""The digests' own record, and the queries they need over other features' tables.

Read here by name (never written): `pulse_rounds` (pulses), `members` and
`identities` (core). Everything else comes through the features' own functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso, parse

# --- our record -----------------------------------------------------------------------


def record(
    db: Database,
    kind: str,
    *,
    due: datetime,
    since: datetime,
    until: datetime,
    messages: int,
    chart: str | None,
    by: str,
) -> bool:
    """Remember a digest that was built for sending; False if this one was recorded already."""
    cursor = db.execute(
        "insert or ignore into digest_runs (kind, due, since, until, messages, chart, by) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [kind, iso(due), iso(since), iso(until), messages, chart, by],
    )
    return cursor.rowcount == 1


def last_until(db: Database, kind: str) -> datetime | None:
    """Where the latest digest of this kind stopped counting (None before the first)."""
    row = db.execute("select max(until) from digest_runs where kind = ?", [kind]).fetchone()
    return parse(row[0]) if row and row[0] else None


def runs(db: Database, kind: str | None = None) -> list[dict[str, Any]]:
    where, params = ("kind = ?", [kind]) if kind else (None, None)
    return list(db["digest_runs"].rows_where(where, params, order_by="due"))


# --- pulse rounds ---------------------------------------------------------------------


def rounds_during(db: Database, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Rounds open at some moment in [since, until]: opened by the end, not closed before
    the start. Oldest survey first, then by round number."""
    return list(
        db.query(
            "select * from pulse_rounds where opened_at <= ? "
            "and (closed_at is null or closed_at >= ?) order by survey_id, number",
            [iso(until), iso(since)],
        )
    )


def closed_rounds(
    db: Database, survey_id: str, until: datetime, limit: int = 8
) -> list[dict[str, Any]]:
    """The survey's last `limit` rounds closed before `until`, oldest first."""
    rows = list(
        db.query(
            "select * from pulse_rounds where survey_id = ? and closed_at is not null "
            "and closed_at <= ? order by number desc limit ?",
            [survey_id, iso(until), limit],
        )
    )
    return rows[::-1]


def latest_closed_rounds(db: Database, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Each survey's latest round closed in [since, until], newest first."""
    return list(
        db.query(
            """select r.* from pulse_rounds r where r.closed_at >= ? and r.closed_at <= ?
            and r.number = (select max(number) from pulse_rounds x where x.survey_id = r.survey_id
                and x.closed_at >= ? and x.closed_at <= ?)
            order by r.closed_at desc, r.survey_id""",
            [iso(since), iso(until), iso(since), iso(until)],
        )
    )


def surveys_with_closed_rounds(db: Database, until: datetime) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "select survey_id from pulse_rounds where closed_at is not null and closed_at <= ? "
            "group by survey_id order by max(closed_at) desc, survey_id",
            [iso(until)],
        ).fetchall()
    ]


# --- who gets the newsletter ----------------------------------------------------------


def newsletter_readers(db: Database) -> list[dict[str, Any]]:
    """Active members who have not opted out and can be reached in a chat, by member id."""
    return list(
        db.query(
            """select m.member_id, m.name, m.constituency, m.created_at, m.timezone,
            m.language, m.language_chosen
            from members m where m.erased_at is null and coalesce(m.newsletter_opt_out, 0) = 0
            and exists (select 1 from identities i where i.member_id = m.member_id
                and i.unreachable_at is null)
            order by m.member_id"""
        )
    )


def member(db: Database, member_id: str) -> dict[str, Any] | None:
    """One member as `newsletter_readers` gives them, with the opt-out flag (for previews)."""
    rows = list(
        db.query(
            "select member_id, name, constituency, created_at, timezone, language, "
            "language_chosen, "
            "coalesce(newsletter_opt_out, 0) as newsletter_opt_out, erased_at "
            "from members where member_id = ?",
            [member_id],
        )
    )
    return rows[0] if rows else None
