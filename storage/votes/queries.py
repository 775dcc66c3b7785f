"""Member votes in SQL: definitions and state, the secret ballot, drafts and the roll.

The ballot is secret by construction (see storage/votes/schema.py), while open too: at
opening, `prepare_roll` writes a "not voted yet" row for every member on the roll and an
empty ballot slot for each, all of one size. `cast` then sets the member's row and fills
a randomly drawn empty slot, both in place and in one transaction, so that where rows
sit in the file says nothing of who voted when, nor which slot is whose. The update of
a row still "not voted yet" decides a race between two presses: the second finds none.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Generator, Iterable, Mapping
from datetime import datetime
from secrets import randbelow, token_hex
from typing import Any

from sqlite_utils import Database

from storage import close_leases, conversations, faults, flow_keys, outbox, secrecy
from storage.timestamps import iso

CAST, REPLACED, ALREADY, NOT_OPEN = "cast", "replaced", "already voted", "not open"
SEAL_PART = 500  # ballots (or voters) moved per transaction when a vote is sealed
# `voted_on` of a member on the roll who has not voted: as long as a day (2026-11-30), so
# that voting overwrites the row in place rather than moving it.
NOT_YET = "-" * 10
VOTED = f"voted_on != '{NOT_YET}'"
FILLED = "rtrim(choice) != ''"  # an empty slot's choice is all spaces
EMPTY = "rtrim(choice) = ''"


def insert_vote(db: Database, row: dict[str, Any], replace: bool = False) -> None:
    """Add a vote (`short` is assigned here); `replace` overwrites one not yet opened."""
    with db.atomic():
        if replace:
            existing = get(db, row["vote_id"])
            if existing is not None:
                db["votes"].update(row["vote_id"], {**row, "short": existing["short"]})
                return
        top = db.execute("select coalesce(max(short), 0) from votes").fetchone()[0]
        db["votes"].insert({**row, "short": top + 1})


def get(db: Database, vote_id: str) -> dict[str, Any] | None:
    rows = list(db["votes"].rows_where("vote_id = ?", [vote_id]))
    return rows[0] if rows else None


def by_short(db: Database, short: int) -> dict[str, Any] | None:
    rows = list(db["votes"].rows_where("short = ?", [short]))
    return rows[0] if rows else None


def all_votes(db: Database, status: str | None = None) -> list[dict[str, Any]]:
    where, params = ("status = ?", [status]) if status else (None, None)
    return list(db["votes"].rows_where(where, params, order_by="closes_at, vote_id"))


def due_to_open(db: Database, now: datetime) -> list[dict[str, Any]]:
    return list(
        db["votes"].rows_where(
            "status = 'scheduled' and opens_at <= ? and closes_at > ?",
            [iso(now), iso(now)],
            order_by="opens_at",
        )
    )


def due_to_close(db: Database, now: datetime) -> list[dict[str, Any]]:
    return list(
        db["votes"].rows_where(
            "status = 'open' and closes_at <= ?", [iso(now)], order_by="closes_at"
        )
    )


def due_to_miss(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Votes still scheduled whose closing time has passed: they can never open."""
    return list(
        db["votes"].rows_where(
            "status = 'scheduled' and closes_at <= ?", [iso(now)], order_by="closes_at"
        )
    )


def unfinished_closes(db: Database) -> list[dict[str, Any]]:
    """Closed votes whose close is not done (not sealed yet, or the result not sent):
    under way, or cut short (`close_leases.claim` tells which)."""
    return list(
        db["votes"].rows_where(
            "status = 'closed' and (sealed_at is null or json_extract(notices, '$.result') "
            "is null)",
            order_by="closed_at",
        )
    )


def mark_open(db: Database, vote_id: str, now: datetime, eligible: int, secret: str | None) -> bool:
    """scheduled -> open, once: False if someone else (or an earlier run) opened it.

    A `secret` (a vote that allows a change) goes to the keys file beside the database
    (storage/flow_keys.py), on disk before the caller commits the opening; never into the
    file itself. Only the process whose update opened the vote writes it (the update
    holds the write lock), so a racing opener never replaces a secret in use."""
    opened = (
        db.execute(
            "update votes set status = 'open', opened_at = ?, swept_at = ?, eligible = ?, "
            "secret = null where vote_id = ? and status = 'scheduled'",
            [iso(now), iso(now), eligible, vote_id],
        ).rowcount
        == 1
    )
    if opened and secret is not None:
        flow_keys.put(db, key_label(vote_id), secret.encode())
    return opened


def key_label(vote_id: str) -> str:
    """Where a vote's secret is kept in the keys file."""
    return f"vote:{vote_id}"


def secret(db: Database, vote_id: str, kept: str | None) -> str | None:
    """The secret of an open vote that allows a change: `kept` (the `votes.secret` of a
    vote opened before secrets left the database) or the keys file's (None if lost)."""
    if kept:
        return kept
    found = flow_keys.get(db, key_label(vote_id))
    return found.decode() if found else None


def forget_secret(db: Database, vote_id: str) -> None:
    """Drop the secret of a vote that takes no more ballots from the keys file (again if
    need be: a close cut short before this is carried on by the seal)."""
    row = db.execute("select status from votes where vote_id = ?", [vote_id]).fetchone()
    if row and row[0] not in ("scheduled", "open"):
        flow_keys.drop(db, [key_label(vote_id)])


def key_labels(db: Database) -> tuple[set[str], list[dict[str, Any]]]:
    """The key labels of votes that may still take ballots, and the open ones that allow
    a change and keep their secret in the keys file."""
    rows = list(db.query("select vote_id, status, definition, secret from votes "
                         "where status in ('scheduled', 'open')"))  # fmt: skip
    changeable = [
        r for r in rows
        if r["status"] == "open" and not r["secret"]
        and json.loads(r["definition"]).get("allow_change")
    ]  # fmt: skip
    return {key_label(r["vote_id"]) for r in rows}, changeable


def mark_closed(db: Database, vote_id: str, now: datetime) -> bool:
    """open -> closed, once: no more ballots, no secret, no count so far, no drafts.

    The caller counts in the same transaction; `seal_in_parts` does the rest."""
    with db.atomic():
        if not db.execute(
            "update votes set status = 'closed', closed_at = ?, sealing_at = ?, sealing_by = ?, "
            "secret = null, live = null where vote_id = ? and status = 'open'",
            [iso(now), iso(now), close_leases.holder(db), vote_id],
        ).rowcount:
            return False
        db.execute("delete from vote_drafts where vote_id = ?", [vote_id])
    return True


def mark_missed(db: Database, vote_id: str, now: datetime) -> bool:
    """scheduled -> missed, once, if its closing time has passed at `now`."""
    return (
        db.execute(
            "update votes set status = 'missed' "
            "where vote_id = ? and status = 'scheduled' and closes_at <= ?",
            [vote_id, iso(now)],
        ).rowcount
        == 1
    )


def mark_cancelled(db: Database, vote_id: str, now: datetime, reason: str) -> int | None:
    """scheduled or open -> cancelled, once: its ballots, voters and drafts deleted (their
    old bytes zeroed), its announcements and reminders not yet delivered withdrawn.
    Returns how many had voted, or None if it was neither scheduled nor open."""
    with db.atomic():
        db.execute("pragma secure_delete = on")
        voted = count_voters(db, vote_id)  # not the roll's "not voted yet" rows
        if not db.execute(
            "update votes set status = 'cancelled', cancelled_at = ?, cancel_reason = ?, "
            "secret = null, live = null, voted = 0 "
            "where vote_id = ? and status in ('scheduled', 'open')",
            [iso(now), reason, vote_id],
        ).rowcount:
            return None
        for table in ("vote_ballots", "vote_voters", "vote_drafts"):
            db.execute(f"delete from {table} where vote_id = ?", [vote_id])
        prefix = f"vote:{vote_id}:"
        db.execute(
            "delete from outbox where key >= ? and key < ? and status = 'pending'",
            [prefix, prefix[:-1] + chr(ord(":") + 1)],
        )
        outbox.forget_count(db)
    return int(voted)


def told_members(db: Database, vote_id: str, after: str = "", limit: int = -1) -> list[dict]:
    """Members after `after` (by id) whose announcement of the vote was delivered (or is
    being delivered), with what their words need: time zone and languages."""
    return list(
        db.query(
            """select m.member_id, m.timezone, m.language, m.language_chosen from members m
            where m.member_id > ? and exists (select 1 from outbox o where o.key = ? || m.member_id
                and o.status in ('sending', 'sent'))
            order by m.member_id limit ?""",
            [after, announcement_key(vote_id, ""), limit],
        )
    )


def mark_swept(db: Database, vote_id: str, now: datetime) -> None:
    """Record when members who became reachable late were last looked for."""
    db.execute("update votes set swept_at = ? where vote_id = ?", [iso(now), vote_id])


def save_result(db: Database, vote_id: str, voted: int, result: dict[str, Any]) -> None:
    db.execute(
        "update votes set voted = ?, result = ? where vote_id = ?",
        [voted, json.dumps(result, sort_keys=True), vote_id],
    )


def notices(db: Database, vote_id: str) -> dict[str, str]:
    row = db.execute("select notices from votes where vote_id = ?", [vote_id]).fetchone()
    return json.loads(row[0] or "{}") if row else {}


def mark_notice(db: Database, vote_id: str, notice: str, now: datetime) -> bool:
    """Record that a notice (announcement, one reminder batch, result) went; False if it had."""
    with db.atomic():
        done = notices(db, vote_id)
        if notice in done:
            return False
        done[notice] = iso(now)
        db.execute(
            "update votes set notices = ? where vote_id = ?",
            [json.dumps(done, sort_keys=True), vote_id],
        )
    return True


# --- the roll -------------------------------------------------------------------------


def _roll(groups: list[str], joined_by: datetime, meeting: str = "") -> tuple[str, list[Any]]:
    """The one definition of a vote's roll, for its count and its rows alike: a `from ...
    where ...` naming the members `m` on it, and its parameters. Active members of the constituencies who joined by `joined_by`; or, for
    a vote put to a general meeting, the active members on `meeting`'s roll (fixed when
    its notice was given) whose constituency recorded there is one of them."""
    marks = ",".join("?" * len(groups))
    if meeting:
        return (
            "from meeting_roll r join members m on m.member_id = r.member_id "
            f"where r.meeting_id = ? and m.erased_at is null and r.constituency in ({marks})",
            [meeting, *groups],
        )
    return (
        f"from members m where m.erased_at is null and m.constituency in ({marks}) and m.created_at <= ?",
        [*groups, iso(joined_by)],
    )


def eligible_members(
    db: Database,
    constituencies: Iterable[str],
    joined_by: datetime,
    after: str = "",
    limit: int = -1,
    meeting: str = "",
) -> list[dict[str, Any]]:
    """Members entitled to vote (`_roll`), by member id, the `limit` after `after` (a big
    roll is read in pages)."""
    source, params = _roll(list(constituencies), joined_by, meeting)
    return list(
        db.query(
            f"select m.member_id, m.timezone, m.language, m.language_chosen {source} "
            "and m.member_id > ? order by m.member_id limit ?",
            [*params, after, limit],
        )
    )


def count_eligible(
    db: Database, constituencies: Iterable[str], joined_by: datetime, meeting: str = ""
) -> int:
    """How many are on the roll (`_roll`): the same members `prepare_roll` writes."""
    source, params = _roll(list(constituencies), joined_by, meeting)
    (count,) = db.execute(f"select count(*) {source}", params).fetchone()
    return count


def waiting_members(
    db: Database,
    vote_id: str,
    constituencies: Iterable[str],
    joined_by: datetime,
    after: str = "",
    limit: int = -1,
    unannounced: bool = False,
    meeting: str = "",
) -> tuple[list[dict[str, Any]], str | None]:
    """Of the next `limit` members on the roll (`_roll`) after `after` (by member id),
    those who can be reached and have not voted; with `unannounced`, only those with no
    announcement in the outbox (its key stays when housekeeping blanks its text). Returns
    them and the last member id looked at (None when the roll is done): a page costs the
    same however few of its members are found."""
    source, roll = _roll(list(constituencies), joined_by, meeting)
    (last,) = db.execute(
        f"select max(member_id) from (select m.member_id {source} "
        "and m.member_id > ? order by m.member_id limit ?)",
        [*roll, after, limit],
    ).fetchone()
    if last is None:
        return [], None
    announced = "and not exists (select 1 from outbox o where o.key = ? || m.member_id)"
    rows = db.query(
        f"""select m.member_id, m.timezone, m.language, m.language_chosen {source}
        and m.member_id > ? and m.member_id <= ?
        and exists (select 1 from identities i where i.member_id = m.member_id
            and i.unreachable_at is null)
        and not exists (select 1 from vote_voters v where v.vote_id = ?
            and v.member_id = m.member_id and v.{VOTED})
        {announced if unannounced else ""} order by m.member_id""",
        [*roll, after, last, vote_id, *([announcement_key(vote_id, "")] if unannounced else [])],
    )
    return list(rows), last


def announcement_key(vote_id: str, member_id: str) -> str:
    return f"vote:{vote_id}:open:{member_id}"


def voted_members(db: Database, vote_id: str) -> set[str]:
    return {
        row[0]
        for row in db.execute(
            f"select member_id from vote_voters where vote_id = ? and member_id is not null "
            f"and {VOTED}",
            [vote_id],
        )
    }


def has_voted(db: Database, vote_id: str, member_id: str) -> bool:
    return (
        db.execute(
            f"select 1 from vote_voters where vote_id = ? and member_id = ? and {VOTED}",
            [vote_id, member_id],
        ).fetchone()
        is not None
    )


def voters_by_channel(db: Database, vote_id: str) -> dict[str, int]:
    """How many voted through each channel ("" where none was noted: before the seal
    cleared it, a ballot taken before channels were noted)."""
    return dict(
        db.execute(
            f"select coalesce(channel, ''), count(*) from vote_voters where vote_id = ? "
            f"and {VOTED} group by 1",
            [vote_id],
        ).fetchall()
    )


def count_voters(db: Database, vote_id: str) -> int:
    """How many voted; erasing a member keeps their row (without the id), so this never drops."""
    return db.execute(
        f"select count(*) from vote_voters where vote_id = ? and {VOTED}", [vote_id]
    ).fetchone()[0]


# --- the ballot -----------------------------------------------------------------------


def prepare_roll(
    db: Database,
    vote_id: str,
    constituencies: Iterable[str],
    joined_by: datetime,
    width: int,
    keyed: bool,
    make_receipt: Callable[[], str],
    weights: Mapping[str, int] | None = None,
    meeting: str = "",
) -> int:
    """At opening (in its transaction): a "not voted yet" row for every member on the
    roll (`_roll`, as `count_eligible` counts it), and as many empty ballot slots, each
    under a random receipt code and as long as the longest ballot (`width`), with a
    random stand-in for the replacement key if the vote is `keyed` (allows a change).
    With `weights` (votes per member by constituency, 1 if not named; the constituency
    on the meeting's roll for a vote put to one), each constituency's slots carry its
    members' weight. Returns the size of the roll."""
    by_weight: dict[int, list[str]] = {}
    for group in constituencies:
        by_weight.setdefault((weights or {}).get(group, 1), []).append(group)
    on_roll = 0
    for weight, groups in sorted(by_weight.items()):
        source, params = _roll(groups, joined_by, meeting)
        added = db.execute(
            f"insert or ignore into vote_voters (vote_id, member_id, voted_on) "
            f"select ?, m.member_id, ? {source} order by m.member_id",
            [vote_id, NOT_YET, *params],
        ).rowcount
        _add_slots(db, vote_id, added, width, keyed, make_receipt, weight)
        on_roll += added
    return on_roll


def _add_slots(
    db: Database,
    vote_id: str,
    count: int,
    width: int,
    keyed: bool,
    make_receipt: Callable[[], str],
    weight: int = 1,
) -> None:
    blank = " " * width
    while count > 0:  # a receipt drawn twice is ignored, and drawn again
        before = db.conn.total_changes
        db.conn.executemany(
            "insert or ignore into vote_ballots (vote_id, receipt, choice, ballot_key, weight) "
            "values (?, ?, ?, ?, ?)",
            [
                (vote_id, make_receipt(), blank, token_hex(16) if keyed else None, weight)
                for _ in range(count)
            ],
        )
        count -= db.conn.total_changes - before


def cast(
    db: Database,
    vote_id: str,
    member_id: str,
    choice: str,
    make_receipt: Callable[[], str],
    voted_on: str,
    now: datetime,
    ballot_key: str | None = None,
    weight: int = 1,
    channel: str | None = None,
) -> tuple[str, str | None]:
    """Record that the member voted and store their ballot, atomically.

    Returns (outcome, receipt). The first statement is a write, so the check that the
    vote is open (and its closing time not yet reached at `now`) is made under the
    write lock. The member's "not voted yet" row is overwritten in place, and the ballot
    fills a randomly drawn empty slot in place (`prepare_roll`). Without `ballot_key` a
    second ballot is refused (ALREADY); with it, the slot stored under that key is
    emptied and the new ballot fills another (REPLACED). The slot drawn is one of the
    member's `weight` (the votes their ballot counts for). No count is taken here: a count
    taken as a ballot comes in would date that ballot (`take_live_count`). `channel` (the
    platform the ballot came by) is noted on the member's roll row, the first one only,
    for turnout per channel at close; the seal clears it.
    """
    is_open = "exists (select 1 from votes where vote_id = ? and status = 'open' and closes_at > ?)"
    with db.atomic():
        outcome = CAST
        emptied = None
        written = db.execute(
            f"update vote_voters set voted_on = ?, channel = ? where vote_id = ? "
            f"and member_id = ? and voted_on = ? and {is_open}",
            [voted_on, channel, vote_id, member_id, NOT_YET, vote_id, iso(now)],
        ).rowcount
        if not written:
            row = db.execute(
                "select voted_on from vote_voters where vote_id = ? and member_id = ?",
                [vote_id, member_id],
            ).fetchone()
            if row is None:  # not on the roll prepared at opening (a vote opened before)
                written = db.execute(
                    f"insert into vote_voters (vote_id, member_id, voted_on, channel) "
                    f"select ?, ?, ?, ? where {is_open}",
                    [vote_id, member_id, voted_on, channel, vote_id, iso(now)],
                ).rowcount
            elif row[0] != NOT_YET:
                if ballot_key is None:
                    return ALREADY, None
                written = db.execute(
                    f"update vote_voters set voted_on = ? where vote_id = ? and member_id = ? "
                    f"and {is_open}",
                    [voted_on, vote_id, member_id, vote_id, iso(now)],
                ).rowcount
                if written:
                    emptied = _empty_slot(db, vote_id, ballot_key)
                outcome = REPLACED
        if not written:
            return NOT_OPEN, None
        receipt = _fill_slot(db, vote_id, choice, ballot_key, emptied, weight) or _new_ballot(
            db, vote_id, choice, ballot_key, make_receipt, weight
        )
        return outcome, receipt


def _fill_slot(
    db: Database,
    vote_id: str,
    choice: str,
    ballot_key: str | None,
    avoid: str | None = None,
    weight: int = 1,
) -> str | None:
    """Put `choice` in an empty slot drawn at random (from the operating system's random
    source), in place; its receipt, or None if there is no slot it fits. The slot
    `avoid` (the one a changed ballot just left) is never drawn: a new vote always gets
    a new receipt code."""
    others = f"vote_id = ? and {EMPTY} and receipt != ? and weight = ?"
    (empty,) = db.execute(
        f"select count(*) from vote_ballots where {others}", [vote_id, avoid or "", weight]
    ).fetchone()
    if not empty:
        return None
    receipt, width = db.execute(
        f"select receipt, length(choice) from vote_ballots where {others} "
        "order by receipt limit 1 offset ?",
        [vote_id, avoid or "", weight, randbelow(empty)],
    ).fetchone()
    if len(choice) > width:
        return None
    db.execute(
        "update vote_ballots set choice = ?, ballot_key = coalesce(?, ballot_key) "
        "where vote_id = ? and receipt = ?",
        [choice.ljust(width), ballot_key, vote_id, receipt],
    )
    return receipt


def _empty_slot(db: Database, vote_id: str, ballot_key: str) -> str | None:
    """Empty the slot holding the ballot stored under `ballot_key`, in place; its receipt
    (None if there was none)."""
    found = db.execute(
        "select receipt, length(choice) from vote_ballots where vote_id = ? and ballot_key = ?",
        [vote_id, ballot_key],
    ).fetchone()
    if found is None:
        return None
    receipt, width = found
    db.execute(
        "update vote_ballots set choice = ?, ballot_key = ? where vote_id = ? and receipt = ?",
        [" " * width, token_hex(16), vote_id, receipt],
    )
    return receipt


def _new_ballot(
    db: Database,
    vote_id: str,
    choice: str,
    ballot_key: str | None,
    make_receipt: Callable[[], str],
    weight: int = 1,
) -> str:
    for _attempt in range(5):
        receipt = make_receipt()
        try:
            db.execute(
                "insert into vote_ballots (vote_id, receipt, choice, ballot_key, weight) "
                "values (?, ?, ?, ?, ?)",
                [vote_id, receipt, choice, ballot_key, weight],
            )
            return receipt
        except sqlite3.IntegrityError:
            continue  # a receipt collision: draw again
    raise RuntimeError("could not draw a unique receipt code")


def take_live_count(db: Database, vote_id: str, every: int, hour: datetime) -> bool:
    """At a fixed time (`hour`, the top of an hour), keep the count so far of an open
    vote if at least `every` ballots came in since the last one kept; True if it did.

    Checked once per `hour`: when a count is taken says nothing about when any ballot
    came in, and two counts differ by at least `every` ballots (a changed ballot is
    mixed in with them), so comparing two looks tells no one's vote.
    """
    with db.atomic():
        row = db.execute(
            "select live from votes where vote_id = ? and status = 'open'", [vote_id]
        ).fetchone()
        if row is None:
            return False
        live = json.loads(row[0]) if row[0] else {"ballots": 0, "counts": []}
        if live.get("checked", "") >= iso(hour):
            return False
        (ballots,) = db.execute(
            f"select count(*) from vote_ballots where vote_id = ? and {FILLED}", [vote_id]
        ).fetchone()
        taken = ballots - live["ballots"] >= every
        if taken:
            live = {"ballots": ballots, "counts": choice_counts(db, vote_id)}
        live["checked"] = iso(hour)
        db.execute("update votes set live = ? where vote_id = ?", [json.dumps(live), vote_id])
        return taken


def live_count(db: Database, vote_id: str) -> tuple[int, list[tuple[str, int]]]:
    """The count so far as last taken: (ballots, [(choice, how many)]); (0, []) if none."""
    row = db.execute("select live from votes where vote_id = ?", [vote_id]).fetchone()
    if not row or not row[0]:
        return 0, []
    live = json.loads(row[0])
    return live["ballots"], [(choice, n) for choice, n in live["counts"]]


def insert_ballots(
    db: Database, vote_id: str, rows: Iterable[tuple[str, str] | tuple[str, str, int]]
) -> None:
    """Bulk-load (receipt, choice) ballots, or (receipt, choice, weight) where the rules
    weight them, e.g. from a paper count or a benchmark."""
    with db.atomic():
        db.conn.executemany(
            "insert into vote_ballots (vote_id, receipt, choice, weight) values (?, ?, ?, ?)",
            ((vote_id, row[0], row[1], row[2] if len(row) > 2 else 1) for row in rows),
        )


def choice_counts(db: Database, vote_id: str) -> list[tuple[str, int]]:
    """Identical ballots grouped: (choice, how many votes), the input of every count; a
    ballot counts for its weight (1 unless the society's rules weight it)."""
    return db.execute(
        f"select rtrim(choice), sum(weight) from vote_ballots where vote_id = ? and {FILLED} "
        "group by rtrim(choice)",
        [vote_id],
    ).fetchall()


def ballot_list(db: Database, vote_id: str) -> list[tuple[str, str]]:
    """The anonymised ballots as (receipt, choice), sorted by receipt."""
    return [(receipt, choice) for receipt, choice, _ in weighed_ballot_list(db, vote_id)]


def weighed_ballot_list(db: Database, vote_id: str) -> list[tuple[str, str, int]]:
    """The anonymised ballots as (receipt, choice, weight), sorted by receipt."""
    return db.execute(
        f"select receipt, rtrim(choice), weight from vote_ballots where vote_id = ? and {FILLED} "
        "order by receipt",
        [vote_id],
    ).fetchall()


def find_receipt(db: Database, receipt: str) -> list[dict[str, Any]]:
    """Ballots with this receipt code in closed votes (receipts are unique per vote)."""
    return list(
        db.query(
            "select b.vote_id, rtrim(b.choice) as choice from vote_ballots b "
            "join votes v on v.vote_id = b.vote_id where b.receipt = ? "
            "and rtrim(b.choice) != '' and v.status = 'closed' and v.sealed_at is not null",
            [receipt],
        )
    )


def seal_in_parts(db: Database, vote_id: str, closed_on: str) -> Generator[None, None, bool]:
    """After the close (`mark_closed`): nothing may link a ballot to a member any more.

    One short transaction per part, yielding between parts. The ballot messages
    (choices, confirmation, receipt) are deleted from the outbox, so that no count of
    rows per member is left either. Then the ballots (their replacement keys cleared) and
    the roll of who voted (with the closing day for everyone, and no channel) are written again in random
    orders, through staging tables (`secrecy.rewrite_in_parts`: rewriting a slice in
    place would leave each row near where it was). So is the order in which members
    first took part (tiers), and every platform event handled so far is forgotten.
    `mark_sealed` follows once the file is rebuilt (handlers/votes/admin.py): only then
    are the ballots published. Every part can be done again: a seal cut short is carried
    on by calling this again, and once all is rewritten that returns at once. Returns
    whether the vote is rewritten (False if it is not closed, or sealed already).
    """
    name = f"vote:{vote_id}"
    forget_secret(db, vote_id)  # a close cut short right after its commit left it
    if secrecy.rewritten(db, name):
        return True
    prefix = ballot_message_prefix(vote_id)
    faults.at("vote: seal")
    yield from secrecy.delete_in_parts(
        db, "outbox", "key >= ? and key < ?", [prefix, _after(prefix)]
    )
    outbox.forget_count(db)  # nor does the counter say how many there were
    outbox.drop_idle_seal_key(db)  # with no sealed row left, old sealed cells open for no one
    # The slots nobody filled, and the roll's "not voted yet" rows, go first.
    yield from secrecy.delete_in_parts(db, "vote_ballots", f"vote_id = ? and {EMPTY}", [vote_id])
    yield from secrecy.delete_in_parts(
        db, "vote_voters", "vote_id = ? and voted_on = ?", [vote_id, NOT_YET]
    )
    yield from secrecy.rewrite_in_parts(
        db, "vote_ballots", "vote_id = ?", [vote_id], {"ballot_key": None}, SEAL_PART
    )
    yield from secrecy.rewrite_in_parts(
        db,
        "vote_voters",
        "vote_id = ?",
        [vote_id],
        {"voted_on": closed_on, "channel": None},
        SEAL_PART,
    )
    yield from secrecy.shuffle_member_order_in_parts(db)
    faults.at("vote: sealed_at")
    with db.atomic():
        conversations.forget_events(db)
        row = db.execute(
            "select 1 from votes where vote_id = ? and status = 'closed' and sealed_at is null",
            [vote_id],
        ).fetchone()
        if row:
            secrecy.mark_rewritten(db, name)
        return bool(row)


def mark_sealed(db: Database, vote_id: str) -> bool:
    """The close is done (rewritten, and the file rebuilt): nothing links a ballot to a
    voter, and the ballots may be published. False if it was sealed already."""
    with db.atomic():
        secrecy.mark_rewritten(db, f"vote:{vote_id}", done=False)
        return bool(
            db.execute(
                "update votes set sealed_at = closed_at "
                "where vote_id = ? and status = 'closed' and sealed_at is null",
                [vote_id],
            ).rowcount
        )


def ballot_message_prefix(vote_id: str) -> str:
    return f"vote:{vote_id}:b:"


def _after(prefix: str) -> str:
    """The first key past every key starting with `prefix` (so the range uses the index)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# --- drafts ---------------------------------------------------------------------------


def get_draft(db: Database, vote_id: str, member_id: str) -> tuple[list[int], bool]:
    row = db.execute(
        "select picks, confirming from vote_drafts where vote_id = ? and member_id = ?",
        [vote_id, member_id],
    ).fetchone()
    if row is None:
        return [], False
    return [int(p) for p in row[0].split(",") if p], bool(row[1])


def save_draft(
    db: Database, vote_id: str, member_id: str, picks: list[int], confirming: bool, now: datetime
) -> None:
    db.execute(
        "insert into vote_drafts (vote_id, member_id, picks, confirming, updated_at) "
        "values (?, ?, ?, ?, ?) on conflict (vote_id, member_id) do update set "
        "picks = excluded.picks, confirming = excluded.confirming, updated_at = excluded.updated_at",
        [vote_id, member_id, ",".join(map(str, picks)), int(confirming), iso(now)],
    )


def delete_draft(db: Database, vote_id: str, member_id: str) -> None:
    db.execute("delete from vote_drafts where vote_id = ? and member_id = ?", [vote_id, member_id])


def prepare_roll_of(
    db: Database,
    vote_id: str,
    members: Mapping[str, int],
    width: int,
    keyed: bool,
    make_receipt: Callable[[], str],
) -> int:
    """`prepare_roll` for a roll named member by member (a motion put to those present at
    a meeting): `members` maps each member id to their ballot's weight. Returns its size."""
    by_weight: dict[int, list[str]] = {}
    for member_id, weight in members.items():
        by_weight.setdefault(weight, []).append(member_id)
    on_roll = 0
    for weight, ids in sorted(by_weight.items()):
        added = db.execute(
            "insert or ignore into vote_voters (vote_id, member_id, voted_on) "
            "select ?, value, ? from json_each(?) order by value",
            [vote_id, NOT_YET, json.dumps(sorted(ids))],
        ).rowcount
        _add_slots(db, vote_id, added, width, keyed, make_receipt, weight)
        on_roll += added
    return on_roll


def on_roll(db: Database, vote_id: str, member_id: str) -> bool:
    """Whether the member has a row on the vote's roll (voted or not yet)."""
    found = db.execute(
        "select 1 from vote_voters where vote_id = ? and member_id = ?", [vote_id, member_id]
    ).fetchone()
    return found is not None
