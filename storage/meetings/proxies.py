"""Proxies at a general meeting in SQL: appointed, revoked, counted, and proxy ballots'
mark on the roll of a vote.

A proxy ballot is cast with `storage.votes.queries.cast` like any ballot, its channel
"proxy"; `claim_own` turns such a row into the member's own when they vote themselves.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

PROXY = "proxy"  # the channel a proxy ballot comes by (vote_voters.channel, until the seal)


def appoint(db: Database, row: dict[str, Any]) -> None:
    """Store a member's proxy for a meeting, replacing the one they had (one transaction)."""
    with db.atomic():
        db.execute(
            "delete from meeting_proxies where meeting_id = ? and member_id = ?",
            [row["meeting_id"], row["member_id"]],
        )
        db["meeting_proxies"].insert({**row, "instructions": json.dumps(row["instructions"])})


def revoke(db: Database, meeting_id: str, member_id: str) -> bool:
    return (
        db.execute(
            "delete from meeting_proxies where meeting_id = ? and member_id = ?",
            [meeting_id, member_id],
        ).rowcount
        == 1
    )


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "instructions": json.loads(row["instructions"] or "{}")}


def of_member(db: Database, meeting_id: str, member_id: str) -> dict[str, Any] | None:
    rows = db["meeting_proxies"].rows_where(
        "meeting_id = ? and member_id = ?", [meeting_id, member_id]
    )
    return next((_row(r) for r in rows), None)


def held_by(db: Database, meeting_id: str, holder_kind: str, holder_id: str | None) -> list[dict]:
    """The proxies one holder holds (the chair: `holder_kind` "chair"), by member id."""
    where = "meeting_id = ? and holder_kind = ? and holder_id is ?"
    rows = db["meeting_proxies"].rows_where(
        where, [meeting_id, holder_kind, holder_id], order_by="member_id"
    )
    return [_row(r) for r in rows]


def all_proxies(db: Database, meeting_id: str) -> list[dict[str, Any]]:
    rows = db["meeting_proxies"].rows_where("meeting_id = ?", [meeting_id], order_by="member_id")
    return [_row(r) for r in rows]


def held_anywhere(db: Database, member_id: str) -> list[dict[str, Any]]:
    """The proxies a member holds, at every meeting."""
    rows = db["meeting_proxies"].rows_where("holder_id = ?", [member_id], order_by="meeting_id")
    return [_row(r) for r in rows]


def present_by_proxy(db: Database, meeting_id: str, present: list[str], chair: bool) -> list[str]:
    """Members of the roll not `present` themselves (member ids checked in) but represented
    by a proxy whose holder is present, or held by the chair when `chair` is there; by id.
    The quorum counts them and a motion puts itself to them: one query, so both agree."""
    marks = ",".join("?" * len(present))
    held = f"(p.holder_kind = 'member' and p.holder_id in ({marks}))" if present else "0"
    absent = f"and p.member_id not in ({marks})" if present else ""
    chaired = "p.holder_kind = 'chair'" if chair else "0"
    rows = db.execute(
        f"select p.member_id from meeting_proxies p where p.meeting_id = ? "
        f"and ({held} or {chaired}) {absent} and exists (select 1 from meeting_roll r "
        "where r.meeting_id = p.meeting_id and r.member_id = p.member_id) order by p.member_id",
        [meeting_id, *present, *present],
    ).fetchall()
    return [row[0] for row in rows]


def voted_by_proxy(db: Database, vote_id: str, member_id: str) -> bool:
    """Whether the member's ballot in this open vote was cast by their proxy."""
    return (
        db.execute(
            "select 1 from vote_voters where vote_id = ? and member_id = ? and channel = ?",
            [vote_id, member_id, PROXY],
        ).fetchone()
        is not None
    )


def claim_own(db: Database, vote_id: str, member_id: str, channel: str | None) -> None:
    """The member's own ballot replaced their proxy's: the roll row says it came by their
    channel, so that a later proxy ballot is refused and turnout by origin is right."""
    db.execute(
        "update vote_voters set channel = ? where vote_id = ? and member_id = ? and channel = ?",
        [channel, vote_id, member_id, PROXY],
    )


def forget_instructions(db: Database, vote_id: str) -> None:
    """A vote no longer takes ballots: how members asked their proxies to vote in it goes
    (it would say how they meant to vote; the seal's rebuild of the file wipes the bytes)."""
    path = '$."' + vote_id.replace('"', "") + '"'
    db.execute(
        "update meeting_proxies set instructions = json_remove(instructions, ?) "
        "where json_extract(instructions, ?) is not null",
        [path, path],
    )


def key_every_slot(db: Database, vote_id: str) -> None:
    """Give every ballot slot of a vote without replacement keys a random one, once its
    first proxy ballot (which carries a key, to be replaced by the member's own) is cast:
    so that no slot stands out as a proxy's."""
    db.execute(
        "update vote_ballots set ballot_key = lower(hex(randomblob(16))) "
        "where vote_id = ? and ballot_key is null",
        [vote_id],
    )


def find_on_roll(db: Database, meeting_id: str, text: str) -> list[dict[str, Any]]:
    """Members on the roll whose id is `text`, or whose name is it (any case)."""
    return list(
        db.query(
            "select m.member_id, m.name from meeting_roll r join members m "
            "on m.member_id = r.member_id where r.meeting_id = ? "
            "and (m.member_id = ? or lower(m.name) = lower(?)) order by m.member_id",
            [meeting_id, text.strip(), text.strip()],
        )
    )


def on_roll(db: Database, meeting_id: str, member_id: str) -> dict[str, Any] | None:
    rows = db["meeting_roll"].rows_where(
        "meeting_id = ? and member_id = ?", [meeting_id, member_id]
    )
    return next(iter(rows), None)


def held_in_motion(db: Database, meeting_id: str, vote_id: str, opened_at: str) -> list[dict]:
    """The proxies a motion was put to: members on its roll not checked in when it was
    put (`opened_at`), whose holder was (on its roll too) or is the chair."""
    return list(
        db.query(
            "select p.member_id, p.holder_kind, p.holder_id from meeting_proxies p "
            "join vote_voters v on v.vote_id = ? and v.member_id = p.member_id "
            "where p.meeting_id = ? and not exists (select 1 from meeting_attendance a "
            "where a.meeting_id = p.meeting_id and a.member_id = p.member_id "
            "and a.present is not null and a.checked_in_at <= ?) "
            "and (p.holder_kind = 'chair' or exists (select 1 from vote_voters h "
            "where h.vote_id = v.vote_id and h.member_id = p.holder_id)) order by p.member_id",
            [vote_id, meeting_id, opened_at],
        )
    )
