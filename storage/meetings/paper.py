"""Paper ballots of a meeting: tellers' entries waiting to agree, and spoilt or refused
ballots kept as counts with their reasons (never who)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso
from storage.votes.queries import NOT_YET, VOTED


def save_entry(
    db: Database, meeting_id: str, teller: str, rows: list[dict[str, Any]], now: datetime
) -> None:
    """A teller's entry, replacing their earlier one still waiting."""
    db.execute(
        "insert or replace into paper_entries (meeting_id, teller, rows, entered_at) "
        "values (?, ?, ?, ?)",
        [meeting_id, teller, json.dumps(rows), iso(now)],
    )


def entries(db: Database, meeting_id: str) -> dict[str, list[dict[str, Any]]]:
    """The entries waiting, by teller, oldest first."""
    return {
        teller: json.loads(rows)
        for teller, rows in db.execute(
            "select teller, rows from paper_entries where meeting_id = ? order by entered_at, rowid",
            [meeting_id],
        ).fetchall()
    }


def forget_entries(db: Database, meeting_id: str) -> None:
    db.execute("delete from paper_entries where meeting_id = ?", [meeting_id])


def add_counts(
    db: Database, meeting_id: str, vote_id: str, kind: str, reasons: Mapping[str, int]
) -> None:
    """Add to the spoilt (or refused) count of `vote_id`, by reason."""
    db.conn.executemany(
        "insert into paper_counts (meeting_id, vote_id, kind, reason, n) values (?, ?, ?, ?, ?) "
        "on conflict (meeting_id, vote_id, kind, reason) do update set n = n + excluded.n",
        [(meeting_id, vote_id, kind, reason, n) for reason, n in reasons.items() if n],
    )


def counts(db: Database, vote_id: str) -> dict[str, dict[str, int]]:
    """{"spoilt": {reason: n}, "refused": {reason: n}} for a vote."""
    found: dict[str, dict[str, int]] = {"spoilt": {}, "refused": {}}
    for kind, reason, n in db.execute(
        "select kind, reason, n from paper_counts where vote_id = ? order by kind, reason",
        [vote_id],
    ).fetchall():
        found.setdefault(kind, {})[reason] = n
    return found


def voted_by(db: Database, vote_id: str, member_id: str) -> str | None:
    """How the member voted ("" if not noted), or None if they have not (yet)."""
    row = db.execute(
        f"select coalesce(channel, '') from vote_voters where vote_id = ? and member_id = ? "
        f"and {VOTED}",
        [vote_id, member_id],
    ).fetchone()
    return None if row is None else row[0]


def set_origin(db: Database, vote_id: str, member_id: str, origin: str) -> None:
    """Note the way a member's counted ballot came (a paper ballot that replaced one)."""
    db.execute(
        "update vote_voters set channel = ? where vote_id = ? and member_id = ?",
        [origin, vote_id, member_id],
    )


def mark_spoilt(
    db: Database, vote_id: str, member_id: str, voted_on: str, origin: str, now: datetime
) -> bool:
    """A member whose paper was spoilt has taken part (a later ballot is refused) and
    fills no ballot: their empty slot stays empty. False if they had voted already or
    the vote is not open."""
    return bool(
        db.execute(
            "update vote_voters set voted_on = ?, channel = ? where vote_id = ? and member_id = ? "
            "and voted_on = ? and exists (select 1 from votes where vote_id = ? "
            "and status = 'open' and closes_at > ?)",
            [voted_on, origin, vote_id, member_id, NOT_YET, vote_id, iso(now)],
        ).rowcount
    )


def roll_readers(db: Database, meeting_id: str) -> list[dict[str, Any]]:
    """The meeting's roll with each member's language (an erased member is left out)."""
    return list(
        db.query(
            "select r.member_id, m.language, m.language_chosen from meeting_roll r "
            "join members m on m.member_id = r.member_id "
            "where r.meeting_id = ? and m.erased_at is null order by r.member_id",
            [meeting_id],
        )
    )


def forget_vote(db: Database, vote_id: str) -> None:
    """A vote that stops taking ballots (closed, cancelled) leaves every entry waiting:
    its rows name members beside their choices (an entry left with none goes)."""
    db.execute(
        """update paper_entries set rows = (
            select json_group_array(json(value)) from json_each(paper_entries.rows)
            where json_extract(value, '$.vote') != ?
        )
        where exists (
            select 1 from json_each(paper_entries.rows) where json_extract(value, '$.vote') = ?
        )""",
        [vote_id, vote_id],
    )
    db.execute("delete from paper_entries where json_array_length(rows) = 0")
