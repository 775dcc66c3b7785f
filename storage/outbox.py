"""The outbox table: every outgoing message is a row before it is a platform call.

Statuses: pending -> sending -> sent | failed | unreachable. A row left in `sending`
by a hard kill goes back to pending at start-up.

Ids of messages that stay only go up (AUTOINCREMENT keeps the highest ever given): a
close deletes its messages, and a reused id would let a sender holding the old row mark
a new one sent. Every change a sender makes to a row it claimed names the row by id and
key and requires it still to be `sending`, so that never happens.

Ids count only the messages that stay: the k-th is `k << SPACING`, and a message that
goes (`forgets`: ballots, receipts, answers, deleted once sent or at close) takes the
next id after the last one given, in the room below the next multiple. So ids keep the
order messages were queued in (delivery is by id), and the rows that stay are numbered
one by one whatever secret messages went between them. When secret messages are
deleted, the table's counter (`sqlite_sequence`) goes back to the highest id still
needed (`forget_count`): otherwise it would still say how many went since the last
message that stays. A later secret message may then take an id one of them had.

Two lanes per platform: replies to what a member just did (lane 0: messages that may go
at any hour) go ahead of broadcasts (lane 1: messages that wait out quiet hours), so a
member is answered in seconds while a mass send to 67,000 is under way.

Secret messages (`forgets`) are sealed while they wait: their payload is encrypted
(`storage.sealed`) under a key kept in the keys file beside the database
(`storage.flow_keys`, label `SEAL_LABEL`), so a copy of the database or its `-wal`
taken while a vote is open does not pair a member with their receipt code or choice.
Reading rows (`claim_due`, `abandon_chat`, `rows_for`) opens them; a row whose key is
lost opens as `LOST` (its language only), and the sender says something that carries
no content instead. The key is dropped once no sealed row waits (`drop_idle_seal_key`),
so old sealed cells left in freed pages open for no one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from sqlite_utils import Database

from storage import flow_keys, sealed
from storage.timestamps import iso

log = logging.getLogger(__name__)
SEAL_LABEL = "outbox:seal"  # the label of the outbox's key in the keys file

REPLIES, BROADCASTS = 0, 1  # lanes: replies are claimed first


@dataclass(frozen=True)
class Row:
    id: int
    key: str
    platform: str
    chat_id: str
    member_id: str | None
    payload: dict[str, Any]
    attempts: int
    quiet: bool
    timezone: str | None
    routed: bool = False  # the channel was chosen from the member's identities

    @classmethod
    def from_db(cls, row: dict[str, Any]) -> Row:
        return cls(
            id=row["id"],
            key=row["key"],
            platform=row["platform"],
            chat_id=row["chat_id"],
            member_id=row["member_id"],
            payload=payload if isinstance(payload := row["payload"], dict) else json.loads(payload),
            attempts=row["attempts"],
            quiet=bool(row["quiet"]),
            timezone=row["timezone"],
            routed=bool(row.get("routed")),
        )


def enqueue(db: Database, rows: Iterable[dict[str, Any]], now: datetime) -> int:
    """Insert rows (key, platform, chat_id, member_id, payload, quiet, timezone, routed).

    A row whose key is already present is ignored: that is the idempotency guarantee.
    Returns how many new rows were written. A quiet row (unrequested) is a broadcast,
    any other a reply: replies go first (`claim_due`).
    """
    stamp = iso(now)
    rows = list(rows)
    with db.atomic():
        # The key is read (or made) inside the write transaction, so that
        # `drop_idle_seal_key` cannot drop it between this read and the insert.
        key = _seal_key(db, make=True) if any(forgets(row["key"]) for row in rows) else None
        # executemany rather than insert_all: a fan-out to 67,000 members is written in
        # chunks between members' messages, and each chunk must be quick.
        records = [
            (
                row["key"],
                row["platform"],
                row["chat_id"],
                row.get("member_id"),
                json.dumps(_sealed(row, key) if key and forgets(row["key"]) else row["payload"]),
                stamp,
                int(bool(row.get("quiet"))),
                row.get("timezone"),
                stamp,
                REPLIES if not row.get("quiet") else BROADCASTS,
                int(not forgets(row["key"])),
                int(bool(row.get("routed"))),
            )
            for row in rows
        ]
        before = db.conn.total_changes
        db.conn.executemany(_INSERT, records)
        return db.conn.total_changes - before


SPACING = 32  # room for 2**32 messages that go after each one that stays
# The highest id ever given (AUTOINCREMENT notes it even of rows since deleted).
_HIGHEST = (
    "max(coalesce((select seq from sqlite_sequence where name = 'outbox'), 0), "
    "coalesce((select max(id) from outbox), 0))"
)
# A row that stays takes the next multiple, one that goes the next id; a key already
# present is ignored (the idempotency guarantee) and takes none.
_INSERT = (
    "insert into outbox (key, platform, chat_id, member_id, payload, status, attempts, "
    "not_before, quiet, timezone, created_at, lane, routed, id) "
    "values (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7, ?8, ?9, ?10, ?12, "
    f"case when ?11 then (({_HIGHEST} >> {SPACING}) + 1) << {SPACING} else {_HIGHEST} + 1 end) "
    "on conflict (key) do nothing"
)


def forget_count(db: Database) -> None:
    """Set the outbox's counter back to the last id given to a message that stays, or
    the highest row left if higher: it then says nothing of secret messages deleted."""
    db.execute(
        f"update sqlite_sequence set seq = max((seq >> {SPACING}) << {SPACING}, "
        "coalesce((select max(id) from outbox), 0)) where name = 'outbox'"
    )


def _seal_key(db: Database, make: bool = False) -> bytes | None:
    """The outbox's key from the keys file (made and stored first if `make`)."""
    key = flow_keys.get(db, SEAL_LABEL)
    if key is None and make:
        key = sealed.new_key()
        flow_keys.put(db, SEAL_LABEL, key)
    return key


def _bound(key: str, chat_id: str) -> bytes:
    """What a sealed payload is bound to: it opens only on its own row."""
    return f"{key}\0{chat_id}".encode()


def _sealed(row: dict[str, Any], key: bytes) -> dict[str, Any]:
    payload = row["payload"]
    if payload == FORGOTTEN:
        return payload
    text = json.dumps(payload).encode()
    blob = sealed.seal(key, text, _bound(row["key"], row["chat_id"]))
    return {"sealed": blob, "language": payload.get("language", "")}


# What a sealed row whose key is lost opens as: its language, and `lost` for the sender.
LOST = {"text": "", "lost": True}
SEALED_LIKE = '{"sealed": %'  # how a sealed payload's JSON starts


def _opened(db: Database, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` with their payloads read (sealed ones opened)."""
    out, key, looked = [], None, False
    for row in rows:
        payload = json.loads(row["payload"])
        if "sealed" in payload:
            if not looked:
                key, looked = _seal_key(db), True
            text = key and sealed.open_sealed(
                key, payload["sealed"], _bound(row["key"], row["chat_id"])
            )
            if text:
                payload = json.loads(text)
            else:
                log.warning(
                    "outbox row %s: its sealed content cannot be opened (the key in the keys "
                    "file is lost or changed); the member is sent a notice without it",
                    row["id"],
                )
                payload = {**LOST, "language": payload.get("language", "")}
        out.append({**row, "payload": payload})
    return out


def drop_idle_seal_key(db: Database) -> bool:
    """Drop the outbox's key if no sealed row waits (after that, sealed cells left in
    the file's free pages open for no one; the next secret message makes a new key).
    Inside a write transaction, so no `enqueue` can use the key meanwhile."""
    with db.atomic():
        if flow_keys.get(db, SEAL_LABEL) is None:
            return False
        if db.execute(
            "select 1 from outbox where payload like ? limit 1", [SEALED_LIKE]
        ).fetchone():
            return False
        flow_keys.drop(db, [SEAL_LABEL])
        return True


def claim_due(
    db: Database,
    platform: str,
    now: datetime,
    limit: int,
    chats: tuple[str, ...] = (),
    broadcasts: int | None = None,
) -> list[Row]:
    """Mark up to `limit` due rows as sending and return them: replies first, then
    broadcasts (at most `broadcasts` of them), each oldest first.

    `chats`, if given, limits the claim to those chats (the console serves one member).
    """
    only = f"and chat_id in ({','.join('?' * len(chats))})" if chats else ""
    sql = (
        f"select * from outbox where platform = ? and status = 'pending' and lane = ? "
        f"and not_before <= ? {only} order by not_before, id limit ?"
    )
    with db.atomic():
        rows = list(db.query(sql, [platform, REPLIES, iso(now), *chats, limit]))
        room = min(limit - len(rows), limit if broadcasts is None else broadcasts)
        if room > 0:
            rows += db.query(sql, [platform, BROADCASTS, iso(now), *chats, room])
        if rows:
            marks = ",".join("?" * len(rows))
            db.execute(
                f"update outbox set status = 'sending', attempts = attempts + 1 "
                f"where id in ({marks})",
                [r["id"] for r in rows],
            )
    return [Row.from_db({**r, "attempts": r["attempts"] + 1}) for r in _opened(db, rows)]


def waiting_replies(db: Database, platform: str, now: datetime) -> bool:
    """Whether a reply is due and waiting (a sender then stops claiming broadcasts)."""
    return bool(
        db.execute(
            "select 1 from outbox where platform = ? and status = 'pending' and lane = ? "
            "and not_before <= ? limit 1",
            [platform, REPLIES, iso(now)],
        ).fetchone()
    )


def release(db: Database, rows: list[Row]) -> None:
    """Give back claimed rows not yet sent (the sender is stopping), as if never claimed."""
    with db.atomic():
        for row in rows:
            db.execute(
                "update outbox set status = 'pending', attempts = attempts - 1 "
                "where id = ? and key = ? and status = 'sending'",
                [row.id, row.key],
            )


def next_due(db: Database, platform: str, chats: tuple[str, ...] = ()) -> datetime | None:
    only = f"and chat_id in ({','.join('?' * len(chats))})" if chats else ""
    row = db.execute(
        f"select min(not_before) from outbox where platform = ? and status = 'pending' {only}",
        [platform, *chats],
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


# Messages that show one member their ballot, receipt code or answer. Once delivered or
# given up, only the key stays (so nothing is sent twice), never what they said; the rows
# themselves go at the close of their round or vote.
FORGET_ONCE_SENT = ("vote:*:b:*", "pulse:*:tick:*")
# Rows that go entirely once delivered or given up: answers to `/receipt` (a random key,
# so nothing to send twice), so that nothing says who asked about which ballot; and
# messages between a member and the bot about suggestions (and a member's copy of their
# own data), whose times, order and recipient would tell who sent an anonymous
# suggestion (no key is posted twice: the event it answers is handled once, and a closed
# suggestion takes no more messages).
FORGET_ENTIRELY = ("receipt:*", "suggestion:*", "mydata:*")
FORGOTTEN = {"text": "(Cleared once delivered, so that what it said is not kept.)", "title": ""}
_BLANKED = " or ".join("key glob ?" for _ in FORGET_ONCE_SENT)
_DELETED = " or ".join("key glob ?" for _ in FORGET_ENTIRELY)


def forgets(key: str) -> bool:
    """Whether what the message with this key said is forgotten once it is sent or given
    up (then the write-ahead log, which still holds it, is worth emptying soon)."""
    return any(fnmatchcase(key, pattern) for pattern in (*FORGET_ONCE_SENT, *FORGET_ENTIRELY))


def scrub_messages(db: Database, prefix: str, sent_only: bool = True) -> int:
    """Blank the text of messages whose key starts with `prefix`; returns how many.

    Waiting messages are left alone unless `sent_only` is False.
    """
    status = "and status not in ('pending', 'sending')" if sent_only else ""
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # past every key starting with prefix
    forgotten = json.dumps(FORGOTTEN)
    return db.execute(
        f"update outbox set payload = ? where key >= ? and key < ? {status} and payload != ?",
        [forgotten, prefix, after, forgotten],
    ).rowcount


# The claim a sender holds on a row: marking it touches that row only while it is still
# that claim (a close may have deleted it meanwhile; its id may be given again, its key not).
CLAIMED = "id = ? and key = ? and status = 'sending'"


def mark_sent(db: Database, row: Row, now: datetime) -> bool:
    """The claimed `row` was delivered; False if it is no longer that claim (nothing else
    is ever marked in its place). The platform's id of the message is not kept: an edit
    takes it from the member's press, and a row of ids would count each member's messages.
    What a secret message said is forgotten (`forgets`)."""
    marked = db.execute(
        f"update outbox set status = 'sent', sent_at = ?, error = null where {CLAIMED}",
        [iso(now), row.id, row.key],
    ).rowcount
    if marked:
        _forget_secrets(db, "id = ?", [row.id])
    return bool(marked)


def _forget_secrets(db: Database, where: str, params: list[Any]) -> bool:
    """Blank the ballot and answer messages among the rows `where` selects, and delete the
    rows that go entirely (`FORGET_ENTIRELY`); True if there were any."""
    deleted = db.execute(
        f"delete from outbox where ({where}) and ({_DELETED})", [*params, *FORGET_ENTIRELY]
    ).rowcount
    if deleted:
        forget_count(db)
    blanked = db.execute(
        f"update outbox set payload = ? where ({where}) and ({_BLANKED}) and payload != ?",
        [json.dumps(FORGOTTEN), *params, *FORGET_ONCE_SENT, json.dumps(FORGOTTEN)],
    ).rowcount
    return bool(deleted or blanked)


def postpone(
    db: Database, row: Row, until: datetime, error: str | None = None, count_attempt: bool = True
) -> None:
    """Put a row back to pending until `until` (rate limits, quiet hours, transient errors).

    Stored times have whole seconds, so `until` is rounded up: rounding down would make
    the row due again at once and the sender would spin on it.
    """
    if until.microsecond:
        until = until.replace(microsecond=0) + timedelta(seconds=1)
    db.execute(
        "update outbox set status = 'pending', not_before = ?, error = ?, "
        "attempts = attempts - ? where id = ? and key = ? and status = 'sending'",
        [iso(until), error, 0 if count_attempt else 1, row.id, row.key],
    )


def mark_failed(db: Database, row: Row, status: str, error: str) -> bool:
    """Give the claimed `row` up; False if it is no longer that claim. What a secret
    message said is forgotten as when delivered."""
    marked = db.execute(
        f"update outbox set status = ?, error = ? where {CLAIMED}", [status, error, row.id, row.key]
    ).rowcount
    if marked:
        _forget_secrets(db, "id = ?", [row.id])
    return bool(marked)


def recover_in_flight(db: Database, platform: str) -> int:
    """Return `platform`'s rows a crash left in `sending` to pending; returns how many.
    Only its own: another platform's sender, started a moment earlier, may have rows in
    flight (resetting them had them sent twice)."""
    return db.execute(
        "update outbox set status = 'pending' where status = 'sending' and platform = ?",
        [platform],
    ).rowcount


def status_counts(db: Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select platform, status, count(*) as messages from outbox "
            "group by platform, status order by platform, status"
        )
    )


def rows_for(db: Database, platform: str | None = None) -> list[dict[str, Any]]:
    where, params = ("platform = ?", [platform]) if platform else (None, None)
    return _opened(db, list(db["outbox"].rows_where(where, params, order_by="id")))


def abandon_chat(db: Database, platform: str, chat_id: str, status: str, error: str) -> list[Row]:
    """Give up every waiting message to a chat that can no longer be reached (forgetting
    what ballot, answer and receipt messages said, as `mark_failed`); returns them as
    they were."""
    with db.atomic():
        given_up = [
            Row.from_db(row)
            for row in _opened(
                db,
                list(
                    db.query(
                        "select * from outbox where platform = ? and chat_id = ? "
                        "and status = 'pending' order by id",
                        [platform, chat_id],
                    )
                ),
            )
        ]
        db.execute(
            "update outbox set status = ?, error = ? where platform = ? and chat_id = ? "
            "and status = 'pending'",
            [status, error, platform, chat_id],
        )
        _forget_secrets(
            db, "platform = ? and chat_id = ? and status = ?", [platform, chat_id, status]
        )
    return given_up


def waiting(db: Database, platform: str) -> int:
    row = db.execute(
        "select count(*) from outbox where platform = ? and status in ('pending', 'sending')",
        [platform],
    ).fetchone()
    return row[0]


def scrub_delivered(db: Database, before: datetime) -> int:
    """Blank what was said in messages delivered (or given up) before `before`.

    The keys stay, so nothing is ever sent twice; the text and the member link go, so
    old notices no longer tie a member to a suggestion, vote or survey round.
    """
    return db.execute(
        "update outbox set payload = '{}', member_id = null "
        "where status != 'pending' and status != 'sending' and payload != '{}' "
        "and created_at < ?",
        [iso(before)],
    ).rowcount


def beat(db: Database, platform: str, now: datetime) -> None:
    """The running bot's sender for `platform` is alive at `now`."""
    db["sender_beats"].upsert({"platform": platform, "seen_at": iso(now)}, pk="platform")


def live_senders(db: Database, since: datetime) -> list[str]:
    """Platforms whose sender was alive at or after `since`."""
    rows = db.execute(
        "select platform from sender_beats where seen_at >= ? order by platform", [iso(since)]
    )
    return [row[0] for row in rows]


def clock_set_back(db: Database, jump: timedelta, now: datetime) -> int:
    """The clock was set back by `jump`: waiting messages that were due (or due within the
    lost stretch) are due now, not `jump` later. Returns how many."""
    return db.execute(
        "update outbox set not_before = ? where status = 'pending' and not_before > ? "
        "and not_before <= ?",
        [iso(now), iso(now), iso(now + jump)],
    ).rowcount
