"""Pulse survey rounds, who takes part, and the answers, kept apart from each other.

Outbox keys of a round all start with `pulse:<round id>:` and chat prompts of its
comment questions with `pulse.c:<round id>.`, so closing a round can forget every
message that showed a member's answers (see `close_round`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable
from datetime import datetime
from secrets import token_hex
from typing import Any

from sqlite_utils import Database

from storage import conversations, faults, flow_keys, outbox, secrecy
from storage.timestamps import iso

# Which comment languages may stay noted, given (respondent key, language) of the writers.
NotedLanguages = Callable[[list[tuple[str, str | None]]], frozenset[str]]
# Respondents per channel as the file may keep them (small channels merged as OTHER).
ShownChannels = Callable[[dict[str, int]], dict[str, int]]
SEALED = "s"  # respondent keys given at close start with it; an open round's are hex
REKEY_PART = 200
ENROL_PART = 5000  # members added to a round's roll per transaction when it opens in parts  # respondents given new keys per transaction at close


def key_prefix(round_id: int) -> str:
    """The start of every outbox key of one round."""
    return f"pulse:{round_id}:"


def comment_prompt(round_id: int, index: int) -> str:
    return f"pulse.c:{round_id}.{index}"


def _prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds matching every text starting with `prefix` (uses indexes, unlike LIKE)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def create_round(
    db: Database,
    *,
    survey_id: str,
    title: str,
    anonymous: bool,
    definition: str,
    audience: Iterable[str],
    opened_by: str,
    opened_at: datetime,
    closes_at: datetime,
    remind_at: datetime | None,
    secret: bytes,
    scheduled_for: datetime | None = None,
    whole: bool = True,
) -> dict[str, Any] | None:
    """Open a round: its row, its secret, and a snapshot of who may answer (the whole
    roll, or with `whole` False none yet: `enrol_more` then takes it in parts).

    Eligible: members of the audience constituencies, not erased, who have not paused
    pulses. Returns the round, or None when this scheduled time was already opened.
    """
    groups = list(audience)
    # The secret is on disk, outside the database file, before the round exists.
    label = flow_keys.new_label("pulse")
    flow_keys.put(db, label, secret)
    with db.atomic():
        if scheduled_for is not None:
            found = db.execute(
                "select 1 from pulse_rounds where survey_id = ? and scheduled_for = ?",
                [survey_id, iso(scheduled_for)],
            ).fetchone()
            if found:
                return None
        (number,) = db.execute(
            "select coalesce(max(number), 0) + 1 from pulse_rounds where survey_id = ?",
            [survey_id],
        ).fetchone()
        cursor = db.execute(
            """insert into pulse_rounds (survey_id, number, title, anonymous, definition,
            opened_by, opened_at, closes_at, remind_at, scheduled_for, key_label)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                survey_id,
                number,
                title,
                int(anonymous),
                definition,
                opened_by,
                iso(opened_at),
                iso(closes_at),
                iso(remind_at) if remind_at else None,
                iso(scheduled_for) if scheduled_for else None,
                label,
            ],
        )
        round_id = cursor.lastrowid
        if whole:
            _enrol(db, round_id, groups, "", -1)
        else:
            _note_enrolling(db, round_id, groups, "")
    return get_round(db, round_id)


def enrol_more(db: Database, round_id: int, part: int | None = None) -> bool:
    """Add the next `part` members to the roll of a round opened without it whole; True
    once the roll is complete. Each part is a transaction of its own."""
    with db.atomic():
        row = db.execute("select enrolling from pulse_rounds where id = ?", [round_id]).fetchone()
        if row is None or row[0] is None:
            return True
        state = json.loads(row[0])
        last = _enrol(db, round_id, state["audience"], state["after"], part or ENROL_PART)
        _note_enrolling(db, round_id, state["audience"], last)
        return last is None


def _enrol(db: Database, round_id: int, groups: list[str], after: str, limit: int) -> str | None:
    """Enrol the eligible members after `after` (the first `limit`, all if -1): the last
    one enrolled, or None if none are left."""
    marks = ",".join("?" * len(groups))
    found = db.execute(
        f"""select member_id, constituency from members
        where erased_at is null and coalesce(pulses_paused, 0) = 0
        and constituency in ({marks}) and member_id > ? order by member_id limit ?""",
        [*groups, after, limit],
    ).fetchall()
    db.conn.executemany(
        "insert or ignore into pulse_participation (round_id, member_id, constituency) "
        "values (?, ?, ?)",
        [(round_id, member_id, constituency) for member_id, constituency in found],
    )
    return found[-1][0] if found and (limit < 0 or len(found) == limit) else None


def _note_enrolling(db: Database, round_id: int, groups: list[str], after: str | None) -> None:
    state = None if after is None else json.dumps({"audience": groups, "after": after})
    db.execute("update pulse_rounds set enrolling = ? where id = ?", [state, round_id])


def get_round(db: Database, round_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from pulse_rounds where id = ?", [round_id]))
    return rows[0] if rows else None


def round_by_number(db: Database, survey_id: str, number: int) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "select * from pulse_rounds where survey_id = ? and number = ?", [survey_id, number]
        )
    )
    return rows[0] if rows else None


def latest_round(db: Database, survey_id: str) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "select * from pulse_rounds where survey_id = ? order by number desc limit 1",
            [survey_id],
        )
    )
    return rows[0] if rows else None


def previous_round(db: Database, round_row: dict[str, Any]) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "select * from pulse_rounds where survey_id = ? and number < ? "
            "order by number desc limit 1",
            [round_row["survey_id"], round_row["number"]],
        )
    )
    return rows[0] if rows else None


def all_rounds(db: Database, survey_id: str | None = None) -> list[dict[str, Any]]:
    where, params = ("where survey_id = ?", [survey_id]) if survey_id else ("", [])
    return list(db.query(f"select * from pulse_rounds {where} order by survey_id, number", params))


def unclosed_rounds(db: Database) -> list[dict[str, Any]]:
    """Rounds not yet closed (some may be past their closing time)."""
    return list(db.query("select * from pulse_rounds where closed_at is null order by id"))


def secret(db: Database, round_id: int) -> bytes | None:
    """The secret of a round taking answers: from the keys file (None if it was lost), or
    for a round opened before secrets left the database, from `pulse_secrets`."""
    row = db.execute(
        "select r.key_label, s.secret from pulse_rounds r "
        "left join pulse_secrets s on s.round_id = r.id where r.id = ?",
        [round_id],
    ).fetchone()
    if row is None:
        return None
    label, kept = row
    return flow_keys.get(db, label) if label else kept


def forget_secret(db: Database, round_id: int) -> None:
    """Drop a round's secret from the keys file, once it takes no more answers (again if
    need be: a close cut short between its stop and this is carried on)."""
    row = db.execute(
        "select key_label from pulse_rounds where id = ? and (closing_at is not null "
        "or closed_at is not null)",
        [round_id],
    ).fetchone()
    if row:
        flow_keys.drop(db, [row[0]])


def key_labels(db: Database) -> tuple[set[str], list[dict[str, Any]]]:
    """The key labels of rounds still taking answers, and those rounds."""
    rounds = list(
        db.query(
            "select id, survey_id, number, key_label from pulse_rounds "
            "where closing_at is null and closed_at is null and key_label is not null"
        )
    )
    return {r["key_label"] for r in rounds}, rounds


def participant(db: Database, round_id: int, member_id: str) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "select * from pulse_participation where round_id = ? and member_id = ?",
            [round_id, member_id],
        )
    )
    return rows[0] if rows else None


def rounds_of_member(db: Database, member_id: str, now: datetime) -> list[dict[str, Any]]:
    """Open rounds this member may answer, oldest first, with their progress."""
    return list(
        db.query(
            """select r.*, p.step, p.answered_at, p.finished from pulse_rounds r
            join pulse_participation p on p.round_id = r.id
            where p.member_id = ? and r.closing_at is null and r.closed_at is null
            and r.closes_at > ?
            order by r.opened_at, r.id""",
            [member_id, iso(now)],
        )
    )


def open_rounds(db: Database, now: datetime) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select * from pulse_rounds where closing_at is null and closed_at is null "
            "and closes_at > ? order by id",
            [iso(now)],
        )
    )


def set_progress(
    db: Database,
    round_id: int,
    member_id: str,
    step: int,
    finished: bool,
    answered_at: datetime | None = None,
    channel: str | None = None,
) -> None:
    """The next question, whether done, and (from the first answer, `answered_at` given)
    that they answered and the channel they answered by (for turnout per channel at
    close). What is kept is the round's opening time, never when: while the round is
    open too, no time in the file says in what order members answered (which could be
    matched to where their answers sit in the answers' pages)."""
    db.execute(
        "update pulse_participation set step = ?, finished = ?, answered_at = coalesce("
        "answered_at, case when ? then (select opened_at from pulse_rounds where id = ?) end), "
        "channel = coalesce(channel, ?) "
        "where round_id = ? and member_id = ?",
        [
            step,
            int(finished),
            answered_at is not None,
            round_id,
            channel if answered_at else None,
            round_id,
            member_id,
        ],
    )


def answer_value(db: Database, round_id: int, respondent: str, question_id: str) -> str | None:
    row = db.execute(
        "select value from pulse_answers where round_id = ? and respondent = ? and question_id = ?",
        [round_id, respondent, question_id],
    ).fetchone()
    return row[0] if row else None


def save_answer(
    db: Database,
    round_id: int,
    respondent: str,
    question_id: str,
    constituency: str,
    value: str,
    member_id: str | None,
) -> None:
    """Record (or replace) one respondent's answer to one question; no time is kept."""
    db.execute(
        """insert into pulse_answers
        (round_id, respondent, question_id, constituency, value, member_id)
        values (?, ?, ?, ?, ?, ?)
        on conflict (round_id, respondent, question_id) do update set value = excluded.value""",
        [round_id, respondent, question_id, constituency, value, member_id],
    )


def save_comment(
    db: Database,
    round_id: int,
    respondent: str,
    question_id: str,
    constituency: str,
    text: str,
    member_id: str | None,
    language: str | None = None,
) -> None:
    """Save (or replace) a comment; `language` is null unless the council may be told it."""
    db.execute(
        """insert into pulse_comments
        (round_id, respondent, question_id, constituency, text, member_id, language)
        values (?, ?, ?, ?, ?, ?, ?)
        on conflict (round_id, respondent, question_id) do update
        set text = excluded.text, language = excluded.language""",
        [round_id, respondent, question_id, constituency, text, member_id, language],
    )


def participant_languages(db: Database, round_id: int) -> dict[str | None, int]:
    """How many of the round's participants read each language tag (roster or own choice)."""
    return dict(
        db.execute(
            """select coalesce(m.language_chosen, m.language), count(*)
            from pulse_participation p join members m on m.member_id = p.member_id
            where p.round_id = ? group by 1""",
            [round_id],
        ).fetchall()
    )


def comment_writers(db: Database, round_id: int) -> list[tuple[str, str | None]]:
    """(respondent key, language) of each comment writer: keys are rewritten at close,
    consistently across a round's rows, so distinct writers per language can be counted
    after close too, and nothing says who they are."""
    return db.execute(
        "select distinct respondent, language from pulse_comments where round_id = ?",
        [round_id],
    ).fetchall()


_REACHABLE = """exists (select 1 from identities i where i.member_id = p.member_id
    and i.unreachable_at is null)"""


def due_invitations(
    db: Database, round_id: int, after: str = "", limit: int = -1
) -> list[dict[str, Any]]:
    """Participants who can be reached, have not started, and have no invitation yet
    (by member id, the `limit` after `after`: a big round is read in pages).

    Members who join (or become reachable) while the round is open turn up here too.
    """
    return list(
        db.query(
            f"""select p.member_id, p.step, m.language, m.language_chosen from pulse_participation p
            join members m on m.member_id = p.member_id
            where p.round_id = ? and p.member_id > ? and p.step = 0 and p.answered_at is null
            and m.erased_at is null and coalesce(m.pulses_paused, 0) = 0 and {_REACHABLE}
            and not exists (select 1 from outbox o where o.key = ? || p.member_id)
            order by p.member_id limit ?""",
            [round_id, after, f"{key_prefix(round_id)}invite:", limit],
        )
    )


def due_reminders(
    db: Database, round_id: int, invited_before: datetime, after: str = "", limit: int = -1
) -> list[dict[str, Any]]:
    """Those not finished and not yet reminded, who started or were invited before the
    reminder time (someone invited since, on joining late, has just been asked); by
    member id, the `limit` after `after`."""
    prefix = key_prefix(round_id)
    return list(
        db.query(
            f"""select p.member_id, p.step, m.language, m.language_chosen from pulse_participation p
            join members m on m.member_id = p.member_id
            where p.round_id = ? and p.member_id > ? and p.finished = 0
            and m.erased_at is null and coalesce(m.pulses_paused, 0) = 0 and {_REACHABLE}
            and (p.step > 0 or exists (select 1 from outbox o where o.key = ? || p.member_id
                and o.created_at <= ?))
            and not exists (select 1 from outbox o where o.key = ? || p.member_id)
            order by p.member_id limit ?""",
            [round_id, after, f"{prefix}invite:", iso(invited_before), f"{prefix}remind:", limit],
        )
    )


def mark_swept(db: Database, round_id: int, column: str, now: datetime) -> None:
    """Record when invitations (`invited_at`) or reminders (`reminded_at`) were last queued."""
    if column not in ("invited_at", "reminded_at"):
        raise ValueError(f"not a sweep column: {column!r}")
    db.execute(f"update pulse_rounds set {column} = ? where id = ?", [iso(now), round_id])


def not_joined(db: Database, round_id: int) -> int:
    """Participants with no reachable chat account (they have not joined yet)."""
    (count,) = db.execute(
        f"select count(*) from pulse_participation p where p.round_id = ? and not {_REACHABLE}",
        [round_id],
    ).fetchone()
    return count


def close_round(
    db: Database,
    round_id: int,
    now: datetime,
    languages: NotedLanguages | None = None,
    threshold: int = 0,
    channels: ShownChannels | None = None,
) -> bool:
    """Close a round for good, all at once (outside a transaction); False if it was
    already closed, or the file could not be rebuilt now.

    See `close_in_parts`, which does the work; then the file is rebuilt and its
    write-ahead log emptied (earlier versions of the pages, the secret and the order
    answers came in, live on there), and only then is the round closed.
    """
    parts = close_in_parts(db, round_id, now, languages, threshold, channels)
    while True:
        try:
            next(parts)
        except StopIteration as end:
            if not end.value or not secrecy.rebuild_file(db.conn):
                return False
            closed = mark_closed(db, round_id)
            secrecy.checkpoint(db)
            return closed


def close_in_parts(
    db: Database,
    round_id: int,
    now: datetime,
    languages: NotedLanguages | None = None,
    threshold: int = 0,
    channels: ShownChannels | None = None,
) -> Generator[None, None, bool]:
    """Close a round, one short transaction per part, yielding between parts; returns
    whether it closed it (False if it was closed already).

    First the round stops taking answers (`closing_at`): turnout and answers are counted
    per constituency, and the secret and waiting comment prompts are deleted. Then the
    round's messages in the outbox (which showed members their own answers) are deleted,
    and participation is cut down to who took part: no progress, which could be matched
    to how many questions a respondent key answered, and for everyone the round's
    opening time instead of when they answered. Answers, comments and who took part are
    written again in random orders (see storage/secrecy.py), the answers under new
    random respondent keys; every platform event handled so far is forgotten. Then, once
    the file is rebuilt (handlers/pulses/rounds.py), `mark_closed` sets `closed_at`:
    nothing links an answer to a member. Returns whether the round is rewritten (at once
    if it was already).

    Every part can be done again: a close cut short (a crash, the bot stopped) is carried
    on by calling this again, which the bot's tick does for a round with `closing_at` set.
    """
    low, high = _prefix_range(key_prefix(round_id))
    faults.at("round: stop answers")
    name = f"round:{round_id}"
    with db.atomic():
        row = get_round(db, round_id)
        if row is None or row["closed_at"]:
            return False
        if secrecy.rewritten(db, name):
            forget_secret(db, round_id)
            return True
        stop_answers(db, round_id, now, languages, threshold, channels)
    forget_secret(db, round_id)  # after the commit: a round still open keeps its secret
    yield
    yield from secrecy.delete_in_parts(db, "outbox", "key >= ? and key < ?", [low, high])
    outbox.forget_count(db)  # nor does the counter say how many there were
    outbox.drop_idle_seal_key(db)  # with no sealed row left, old sealed cells open for no one
    yield from secrecy.delete_in_parts(
        db, "pulse_participation", "round_id = ? and answered_at is null", [round_id]
    )
    took_part = {"step": None, "finished": None, "answered_at": row["opened_at"], "channel": None}
    yield from secrecy.rewrite_in_parts(
        db, "pulse_participation", "round_id = ? and step is not null", [round_id], took_part
    )
    yield from secrecy.rekey_in_parts(
        db,
        ("pulse_answers", "pulse_comments"),
        "round_id = ?",
        [round_id],
        "respondent",
        lambda: SEALED + token_hex(16),
        unsealed=f"respondent < '{SEALED}'",
        part=REKEY_PART,
    )
    yield from secrecy.shuffle_member_order_in_parts(db)
    faults.at("round: closed_at")
    with db.atomic():
        conversations.forget_events(db)
        secrecy.mark_rewritten(db, name)
    return True


def mark_closed(db: Database, round_id: int) -> bool:
    """The close is done (rewritten, and the file rebuilt): results may be shown. False if
    it was closed already."""
    with db.atomic():
        secrecy.mark_rewritten(db, f"round:{round_id}", done=False)
        return bool(
            db.execute(
                "update pulse_rounds set closed_at = closing_at where id = ? and closed_at is null",
                [round_id],
            ).rowcount
        )


def stop_answers(
    db: Database,
    round_id: int,
    now: datetime,
    languages: NotedLanguages | None = None,
    threshold: int = 0,
    channels: ShownChannels | None = None,
) -> bool:
    """The first part of a close, quick even for a big round: the round takes no more
    answers, its turnout and answers are counted and its secret is deleted. A comment's
    language is kept only if `languages` (given the comment writers) says the council may
    see it noted: a rare one would narrow down who wrote it. So is the constituency of an
    answer, a comment and a count: a group with fewer than `threshold` respondents is
    kept as OTHER, so that a lone respondent of a small group is not singled out in the
    file. So are the respondents per channel (`channels` merges the small ones). False
    if it had stopped already. The rest is done by `close_in_parts`."""
    with db.atomic():
        if not db.execute(
            "update pulse_rounds set closing_at = ? "
            "where id = ? and closing_at is null and closed_at is null",
            [iso(now), round_id],
        ).rowcount:
            return False
        _merge_small_groups(db, round_id, threshold)
        _count_channels(db, round_id, channels)
        _count_and_forget(db, round_id)
        kept = languages(comment_writers(db, round_id)) if languages else frozenset()
        db.execute(
            f"update pulse_comments set language = null where round_id = ? "
            f"and language not in ({', '.join('?' * len(kept))})",
            [round_id, *kept],
        )
    if not db.conn.in_transaction:  # else the caller drops it once this is committed
        forget_secret(db, round_id)
    return True


OTHER = (
    "other"  # the name kept for the answers of groups too small to name (surveys.anonymity.OTHER)
)


def _merge_small_groups(db: Database, round_id: int, threshold: int) -> None:
    """Answers and comments of constituencies with fewer than `threshold` respondents (in
    this round) are kept as OTHER; their counts follow, being counted from the answers."""
    small = [
        group
        for group, respondents in db.execute(
            "select constituency, count(answered_at) from pulse_participation "
            "where round_id = ? group by constituency",
            [round_id],
        )
        if respondents < threshold
    ]
    if not small:
        return
    marks = ", ".join("?" * len(small))
    for table in ("pulse_answers", "pulse_comments"):
        db.execute(
            f"update {table} set constituency = ? where round_id = ? and constituency in ({marks})",
            [OTHER, round_id, *small],
        )


def _count_channels(db: Database, round_id: int, channels: ShownChannels | None) -> None:
    counted = dict(
        db.execute(
            "select coalesce(channel, ''), count(*) from pulse_participation "
            "where round_id = ? and answered_at is not null group by 1",
            [round_id],
        ).fetchall()
    )
    db.conn.executemany(
        "insert or replace into pulse_channel_turnout (round_id, channel, respondents) "
        "values (?, ?, ?)",
        [(round_id, c, n) for c, n in (channels(counted) if channels else counted).items()],
    )


def channel_turnout(db: Database, round_row: dict[str, Any]) -> dict[str, int]:
    """Respondents per channel, counted at close (nothing while the round is open)."""
    return dict(
        db.execute(
            "select channel, respondents from pulse_channel_turnout where round_id = ? "
            "order by channel = 'other', respondents desc, channel",
            [round_row["id"]],
        ).fetchall()
    )


def _count_and_forget(db: Database, round_id: int) -> None:
    prompt_low, prompt_high = _prefix_range(comment_prompt(round_id, 0)[:-1])
    db.execute(
        """insert or replace into pulse_counts
        (round_id, question_id, constituency, value, answers)
        select round_id, question_id, constituency, value, count(*) from pulse_answers
        where round_id = ? group by question_id, constituency, value""",
        [round_id],
    )
    db.execute(
        """insert or replace into pulse_turnout (round_id, constituency, eligible, respondents)
        select round_id, constituency, count(*), count(answered_at) from pulse_participation
        where round_id = ? group by constituency""",
        [round_id],
    )
    db.execute("delete from pulse_secrets where round_id = ?", [round_id])
    db.execute(
        "delete from conversations where prompt >= ? and prompt < ?", [prompt_low, prompt_high]
    )


def turnout(db: Database, round_row: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(respondents, eligible) per constituency: live while open, counted at close."""
    if round_row["closing_at"] or round_row["closed_at"]:
        sql = "select constituency, respondents, eligible from pulse_turnout where round_id = ?"
    else:
        sql = """select constituency, count(answered_at), count(*) from pulse_participation
        where round_id = ? group by constituency"""
    respondents: dict[str, int] = {}
    eligible: dict[str, int] = {}
    for constituency, answered, asked in db.execute(sql, [round_row["id"]]).fetchall():
        respondents[constituency] = answered or 0
        eligible[constituency] = asked
    return respondents, eligible


def answer_counts(db: Database, round_row: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    """(question id, constituency, value) -> how many gave it.

    Counted at close for a closed round; by GROUP BY over the answers (a covering
    index) while it is open.
    """
    sql = """select question_id, constituency, value, count(*) from pulse_answers
        where round_id = ? group by question_id, constituency, value"""
    if round_row["closing_at"] or round_row["closed_at"]:
        sql = """select question_id, constituency, value, answers from pulse_counts
            where round_id = ?"""
    return {
        (question, constituency, value): count
        for question, constituency, value, count in db.execute(sql, [round_row["id"]])
    }


def comments(db: Database, round_id: int) -> list[tuple[str, str, str | None]]:
    """(constituency, text, language) of every comment; the order says nothing about who
    wrote it."""
    return [
        (constituency, text, language)
        for constituency, text, language in db.execute(
            "select constituency, text, language from pulse_comments where round_id = ? "
            "order by text",
            [round_id],
        ).fetchall()
    ]


def invitation_progress(db: Database, round_id: int) -> dict[str, int]:
    """Invitations of a round in the outbox, by status (pending, sending, sent, ...)."""
    low, high = _prefix_range(f"{key_prefix(round_id)}invite:")
    return dict(
        db.execute(
            "select status, count(*) from outbox where key >= ? and key < ? group by status",
            [low, high],
        ).fetchall()
    )


def bulk_save_answers(db: Database, rows: Iterable[tuple[int, str, str, str, str]]) -> None:
    """Insert many (round id, respondent key, question id, constituency, value) at once.

    For imports and benchmarks; anonymous rows only (no member id).
    """
    with db.atomic():
        db.conn.executemany(
            "insert into pulse_answers (round_id, respondent, question_id, constituency, value) "
            "values (?, ?, ?, ?, ?)",
            rows,
        )
