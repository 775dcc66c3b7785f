"""Suggestions: drafts, the council's record, the relay link, and the digest's queries.

Rows returned for the council, the CLI and the digest never carry a member id except
for a suggestion sent with the member's name (`named`), and then as `name`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage import outbox
from storage.suggestions.schema import SENDS_TABLE
from storage.timestamps import iso

NEW, ACKNOWLEDGED, UNDER_DISCUSSION = "new", "acknowledged", "under_discussion"
ADOPTED, NOT_ADOPTED = "adopted", "not_adopted"
STATUSES = (NEW, ACKNOWLEDGED, UNDER_DISCUSSION, ADOPTED, NOT_ADOPTED)
CLOSED = (ADOPTED, NOT_ADOPTED)
COUNCIL, MEMBER, STATUS = "council", "member", "status"

_PUBLIC = (
    "s.id, s.text, s.topic, s.named, s.sentiment, s.polarity, s.similar, s.status, s.note, "
    "s.created_at, s.status_at, s.responded_at, s.overdue_at, s.closed_at, "
    "case when s.named = 1 then m.name end as name"
)
_FROM = "from suggestions s left join members m on s.named = 1 and m.member_id = s.member_id"


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "named": bool(row["named"]), "similar": json.loads(row["similar"] or "[]")}


# ------------------------------------------------------------------ drafts


def start_draft(db: Database, member_id: str, text: str | None, now: datetime) -> int:
    """A fresh draft for the member, replacing any earlier one; returns its id."""
    with db.atomic():
        db.execute("delete from suggestion_drafts where member_id = ?", [member_id])
        stamp = iso(now)
        return (
            db["suggestion_drafts"]
            .insert(
                {"member_id": member_id, "text": text, "created_at": stamp, "updated_at": stamp}
            )
            .last_pk
        )


def draft(db: Database, draft_id: int, member_id: str) -> dict[str, Any] | None:
    """The member's draft with this id (None if it was sent, cancelled, or is not theirs)."""
    rows = db["suggestion_drafts"].rows_where(
        "id = ? and member_id = ?", [draft_id, member_id], limit=1
    )
    return next(iter(rows), None)


def member_draft(db: Database, member_id: str) -> dict[str, Any] | None:
    """The member's draft with words in it, if any (a member has at most one)."""
    rows = db["suggestion_drafts"].rows_where(
        "member_id = ? and text is not null and text != ''", [member_id], limit=1
    )
    return next(iter(rows), None)


def update_draft(db: Database, draft_id: int, now: datetime, **fields: Any) -> None:
    db["suggestion_drafts"].update(draft_id, {**fields, "updated_at": iso(now)})


def delete_draft(db: Database, draft_id: int) -> None:
    db.execute("delete from suggestion_drafts where id = ?", [draft_id])


# ------------------------------------------------------------------ daily limit


def day_of(moment: datetime) -> str:
    """The day (UTC) a send is counted on: all the daily limit keeps of when."""
    return iso(moment)[:10]


def sends_on(db: Database, member_id: str, day: str) -> int:
    row = db.execute(
        "select sends from suggestion_sends where member_id = ? and day = ?", [member_id, day]
    ).fetchone()
    return row[0] if row else 0


def forget_sends_before(db: Database, day: str) -> None:
    db.execute("delete from suggestion_sends where day < ?", [day])


def forget_drafts_before(db: Database, before: datetime) -> None:
    db.execute("delete from suggestion_drafts where updated_at <= ?", [iso(before)])


# ------------------------------------------------------------------ suggestions


def create(
    db: Database,
    *,
    member_id: str,
    text: str,
    topic: str,
    named: bool,
    sentiment: str,
    polarity: float,
    words: list[str],
    similar: list[int],
    now: datetime,
) -> int:
    """Record a sent suggestion and its relay link; returns its number.

    The member id is stored with the suggestion only if it is `named`; otherwise it
    is kept only in the relay table, which is emptied when the suggestion closes.
    """
    stamp = iso(now)
    with db.atomic():
        number = (
            db["suggestions"]
            .insert(
                {
                    "text": text,
                    "topic": topic,
                    "named": int(named),
                    "member_id": member_id if named else None,
                    "sentiment": sentiment,
                    "polarity": polarity,
                    "words": " ".join(words),
                    "similar": json.dumps(similar),
                    "status": NEW,
                    "created_at": stamp,
                    "status_at": stamp,
                }
            )
            .last_pk
        )
        db["suggestion_relay"].insert(
            {"suggestion_id": number, "member_id": member_id, "linked_at": stamp}
        )
        db.execute(
            "insert into suggestion_sends (member_id, day, sends) values (?, ?, 1) "
            "on conflict (member_id, day) do update set sends = sends + 1",
            [member_id, day_of(now)],
        )
        log(db, number, STATUS, NEW, now)
    return number


def get(db: Database, number: int) -> dict[str, Any] | None:
    rows = list(db.query(f"select {_PUBLIC} {_FROM} where s.id = ?", [number]))
    return _public(rows[0]) if rows else None


def listing(db: Database, status: str | None = None) -> list[dict[str, Any]]:
    """Suggestions, oldest first; `status` may also be "open" or "overdue"."""
    where, params = "", []
    if status == "open":
        where = f"where s.status not in ({_marks(CLOSED)})"
        params = list(CLOSED)
    elif status == "overdue":
        where = "where s.overdue_at is not null and s.responded_at is null"
    elif status:
        where, params = "where s.status = ?", [status]
    return [_public(r) for r in db.query(f"select {_PUBLIC} {_FROM} {where} order by s.id", params)]


def earlier_words(db: Database) -> list[tuple[int, str]]:
    return [(r["id"], r["words"] or "") for r in db.query("select id, words from suggestions")]


def set_status(
    db: Database, number: int, status: str, now: datetime, note: str | None = None
) -> None:
    stamp = iso(now)
    closed = stamp if status in CLOSED else None
    with db.atomic():
        db.execute(
            "update suggestions set status = ?, status_at = ?, note = coalesce(?, note), "
            "closed_at = ?, responded_at = coalesce(responded_at, ?) where id = ?",
            [status, stamp, note, closed, stamp, number],
        )
        log(db, number, STATUS, status if note is None else f"{status}: {note}", now)
        if closed:
            forget_sender(db, number)


def forget_sender(db: Database, number: int) -> None:
    """Nothing may link a member to suggestion `number` any more: it is closed.

    The relay link goes, so do the messages about it already delivered (those still
    waiting go once delivered: `storage.outbox.FORGET_ENTIRELY`) and a question about it
    a member or the council left unanswered. Deleted rows are zeroed (`secure_delete`).
    """
    prefix = f"suggestion:{number}:"
    db.execute("delete from suggestion_relay where suggestion_id = ?", [number])
    db.execute(
        "delete from outbox where key >= ? and key < ? and status not in ('pending', 'sending')",
        [prefix, prefix[:-1] + ";"],
    )
    outbox.forget_count(db)
    db.execute(
        "delete from conversations where prompt in (?, ?, ?)",
        [f"suggest.{step}:{number}" for step in ("answer", "reply", "reason")],
    )
    _sends_in_member_order(db)


def _sends_in_member_order(db: Database) -> None:
    """Write the day's send counts again, in order of member id.

    SQLite puts each new row's bytes before the last one's in its page, so the counts
    kept in the order members sent would pair the N-th sender with suggestion N to a
    thief of the file. Written again into a fresh table in member order, their order
    tells nothing; the old pages are zeroed (`secure_delete`). A day's senders: quick.
    """
    db.execute(SENDS_TABLE.format(name="suggestion_sends_sorted"))
    db.execute(
        "insert into suggestion_sends_sorted (member_id, day, sends) "
        "select member_id, day, sends from suggestion_sends order by member_id, day"
    )
    db.execute("drop table suggestion_sends")
    db.execute("alter table suggestion_sends_sorted rename to suggestion_sends")


def mark_responded(db: Database, number: int, now: datetime) -> None:
    db.execute(
        "update suggestions set responded_at = coalesce(responded_at, ?) where id = ?",
        [iso(now), number],
    )


def mark_overdue(db: Database, created_before: datetime, now: datetime) -> list[int]:
    """Mark open suggestions with no council response since before `created_before`."""
    rows = db.execute(
        f"select id from suggestions where overdue_at is null and responded_at is null "
        f"and status not in ({_marks(CLOSED)}) and created_at <= ? order by id",
        [*CLOSED, iso(created_before)],
    ).fetchall()
    numbers = [row[0] for row in rows]
    if numbers:
        db.execute(
            f"update suggestions set overdue_at = ? where id in ({_marks(numbers)})",
            [iso(now), *numbers],
        )
    return numbers


# ------------------------------------------------------------------ relay and record


def suggester(db: Database, number: int) -> str | None:
    """Who to relay to: set only while the suggestion is open."""
    row = db.execute(
        "select member_id from suggestion_relay where suggestion_id = ?", [number]
    ).fetchone()
    return row[0] if row else None


def log(db: Database, number: int, kind: str, text: str, now: datetime) -> int:
    return (
        db["suggestion_log"]
        .insert({"suggestion_id": number, "kind": kind, "text": text, "at": iso(now)})
        .last_pk
    )


def history(db: Database, number: int) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select id, kind, text, at from suggestion_log where suggestion_id = ? order by id",
            [number],
        )
    )


# ------------------------------------------------------------------ for the digest


def new_since(db: Database, since: datetime) -> list[dict[str, Any]]:
    """Suggestions sent since `since`, oldest first."""
    return [
        _public(r)
        for r in db.query(
            f"select {_PUBLIC} {_FROM} where s.created_at >= ? order by s.id", [iso(since)]
        )
    ]


def counts_since(db: Database, since: datetime) -> list[dict[str, Any]]:
    """How many suggestions were sent since `since`, by topic and sentiment."""
    return list(
        db.query(
            "select topic, sentiment, count(*) as suggestions from suggestions "
            "where created_at >= ? group by topic, sentiment order by topic, sentiment",
            [iso(since)],
        )
    )


def overdue(db: Database) -> list[dict[str, Any]]:
    """Open suggestions still waiting for a first response past the deadline."""
    return listing(db, "overdue")


def adopted(db: Database, since: datetime | None = None) -> list[dict[str, Any]]:
    """Adopted suggestions (closed since `since`, if given) with the council's replies."""
    rows = [r for r in listing(db, ADOPTED) if since is None or r["closed_at"] >= iso(since)]
    for row in rows:
        row["replies"] = [h["text"] for h in history(db, row["id"]) if h["kind"] == COUNCIL]
    return rows


def _marks(values: list | tuple) -> str:
    return ",".join("?" * len(values))
