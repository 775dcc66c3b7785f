"""Surviving outbox rows say nothing of the secret messages deleted between them: ids
count only the messages that stay, and messages that go take ids in the room between
(storage/outbox.py), so delivery still follows the order of queueing."""

from __future__ import annotations

import random

from storage import outbox
from storage.db import open_database
from tests.helpers import FakeClock

SECRET = ("receipt:{n}", "vote:agm:b:{n}", "pulse:7:tick:m{n}:0", "suggestion:{n}:ack")


def message(key: str, chat: str) -> dict:
    return {"key": key, "platform": "telegram", "chat_id": chat, "payload": {"text": key}}


def survivors(tmp_path, name: str, secrets_between: list[int]) -> tuple[list, list]:
    """Twelve messages that stay, with `secrets_between[i]` secret ones before the i-th,
    all delivered, and the secret ones then deleted as a close does. What a thief reads
    of the rows left, and of the table's id counter."""
    clock = FakeClock()
    db = open_database(tmp_path / f"{name}.db")
    n, queued = 0, []
    for i, count in enumerate(secrets_between):
        for _ in range(count):
            n += 1
            queued.append(random.choice(SECRET).format(n=n))
            outbox.enqueue(db, [message(queued[-1], f"c{n % 3}")], clock())
        queued.append(f"nudge:{i}")
        outbox.enqueue(db, [message(queued[-1], f"c{i % 3}")], clock())
    claimed = outbox.claim_due(db, "telegram", clock(), 1000)
    assert [row.key for row in claimed] == queued  # delivered in the order queued
    for row in claimed:
        outbox.mark_sent(db, row, clock())
    db.execute("delete from outbox where key glob 'vote:*' or key glob 'pulse:*'")  # a close
    rows = db.execute("select id, key, status from outbox order by id").fetchall()
    counter = db.execute("select seq from sqlite_sequence where name = 'outbox'").fetchall()
    db.close()
    return rows, counter


def test_rows_that_stay_read_the_same_whatever_secret_messages_went_between(tmp_path):
    between = [random.randrange(4) for _ in range(12)]
    between[random.randrange(12)] += 1
    kept, counter = survivors(tmp_path, "with", between)
    alone, alone_counter = survivors(tmp_path, "without", [0] * 12)
    assert kept == alone and counter == alone_counter
    assert [row[0] for row in kept] == [n << outbox.SPACING for n in range(1, 13)]


def test_ids_keep_going_up_past_deleted_secret_and_other_messages(tmp_path):
    clock = FakeClock()
    db = open_database(tmp_path / "mv.db")
    keys = ["ask:1", "vote:agm:b:1", "receipt:x", "thanks:1", "pulse:7:tick:m1:0", "ask:2"]
    outbox.enqueue(db, [message(key, "c1") for key in keys], clock())
    ids = [row["id"] for row in outbox.rows_for(db)]
    assert ids == sorted(ids) and len(set(ids)) == len(keys)
    db.execute("delete from outbox where key in ('ask:2', 'pulse:7:tick:m1:0')")  # the last
    outbox.enqueue(db, [message("vote:agm:b:2", "c1"), message("done:1", "c1")], clock())
    later = [row["id"] for row in outbox.rows_for(db)][-2:]
    assert min(later) > max(ids)  # never an id given before
    claimed = [row.key for row in outbox.claim_due(db, "telegram", clock(), 100)]
    assert claimed == [*keys[:4], "vote:agm:b:2", "done:1"]


def test_rows_queued_before_are_renumbered_as_if_the_secret_ones_had_never_had_ids(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    db.execute("delete from _sqlite_migrations where name like 'm013_%'")  # as before it
    old = [(3, "ask:1", "sent"), (5, "thanks:1", "sent"), (6, "receipt:q", "pending")]
    old += [(9, "vote:agm:b:1", "sent"), (10, "nudge:1", "sending"), (12, "result:1", "sent")]
    for row_id, key, status in old:
        db.execute(
            "insert into outbox (id, key, platform, chat_id, payload, status, not_before) "
            "values (?, ?, 'telegram', 'c1', '{}', ?, '2026-01-01')",
            [row_id, key, status],
        )
    db.close()
    db = open_database(path)
    ids = dict(db.execute("select key, id from outbox").fetchall())
    one = 1 << outbox.SPACING
    assert ids == {
        "ask:1": one,
        "thanks:1": 2 * one,
        "receipt:q": 2 * one + 1,
        "vote:agm:b:1": 2 * one + 2,
        "nudge:1": 10,  # a running sender holds it: its id stays
        "result:1": 3 * one,
    }
    outbox.enqueue(db, [message("next:1", "c1")], FakeClock()())
    assert db.execute("select id from outbox where key = 'next:1'").fetchone() == (4 * one,)


def counter_after(tmp_path, name: str, tail: int) -> tuple[int, list]:
    """Three messages that stay, then `tail` secret ones (answers ticked in a round and
    answers to /receipt), delivered; then the round closes. The table's id counter,
    and the rows left."""
    from datetime import timedelta

    from storage.pulses import queries as pulses
    from tests.helpers import START

    clock = FakeClock()
    db = open_database(tmp_path / f"{name}.db")
    round_row = pulses.create_round(
        db, survey_id="s", title="Pulse", anonymous=True, definition="{}", audience=[],
        opened_by="test", opened_at=START, closes_at=START + timedelta(hours=1),
        remind_at=None, secret=b"s" * 32,
    )  # fmt: skip
    keys = [f"nudge:{n}" for n in range(3)]
    keys += [
        f"pulse:{round_row['id']}:tick:m{n}:0" if n % 2 else f"receipt:{n}" for n in range(tail)
    ]
    outbox.enqueue(db, [message(key, "c1") for key in keys], clock())
    for row in outbox.claim_due(db, "telegram", clock(), 100):
        outbox.mark_sent(db, row, clock())  # an answer to /receipt goes once delivered
    assert pulses.close_round(db, round_row["id"], START + timedelta(hours=2))
    (counter,) = db.execute("select seq from sqlite_sequence where name = 'outbox'").fetchone()
    rows = db.execute("select id, key from outbox order by id").fetchall()
    db.close()
    return counter, rows


def test_the_id_counter_says_nothing_of_secret_messages_since_the_last_that_stays(tmp_path):
    counter, rows = counter_after(tmp_path, "with", random.randrange(1, 9))
    alone, alone_rows = counter_after(tmp_path, "without", 0)
    assert (counter, rows) == (alone, alone_rows) and counter == 3 << outbox.SPACING
    # And a new message after them still takes an id above every one given since.
    db = open_database(tmp_path / "with.db")
    outbox.enqueue(db, [message("pulse:9:tick:m9:0", "c1")], FakeClock()())
    assert db.execute("select max(id) from outbox").fetchone() == ((3 << outbox.SPACING) + 1,)
