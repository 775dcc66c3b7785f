"""The outbox never loses or misattributes a message: ids are never given twice, a
claimed row is marked only if it is still that claim, replies go ahead of broadcasts,
and a sender asked to stop gives its claimed backlog back."""

from __future__ import annotations

import asyncio
import random

from bot.outbox import Outcome, Pace, Sender
from storage import outbox
from storage.db import open_database
from tests.bot.test_outbox import rows


def test_ids_of_deleted_rows_are_never_given_again(tmp_path):
    db = open_database(tmp_path / "mv.db")
    from tests.helpers import FakeClock

    clock = FakeClock()
    outbox.enqueue(db, rows(10, prefix="round:"), clock())
    [claimed] = outbox.claim_due(db, "telegram", clock(), 1)
    highest = max(r["id"] for r in outbox.rows_for(db))
    db.execute("delete from outbox")  # a close forgets its messages
    outbox.enqueue(db, rows(10, prefix="after:"), clock())
    assert min(r["id"] for r in outbox.rows_for(db)) > highest
    assert not outbox.mark_sent(db, claimed, clock())  # the old claim marks nothing
    assert {r["status"] for r in outbox.rows_for(db)} == {"pending"}


async def test_rounds_closed_mid_delivery_lose_and_misattribute_nothing(tmp_path):
    """Issue 29: a round closed while its invitations went out (deleting them) lost 8-9
    of 1,200 follow-ups: their rows took the deleted ids, and the sender marked them sent."""
    from tests.helpers import FakeClock

    clock = FakeClock()
    db = open_database(tmp_path / "mv.db")
    rng = random.Random(29)
    delivered: list[str] = []

    async def deliver(row, message):
        await asyncio.sleep(rng.random() / 1000)  # in flight while the round closes
        delivered.append(row.key)
        return Outcome(ref=row.key)

    pace = Pace(rate_per_second=10_000, per_chat_seconds=0, concurrency=8, batch=50)
    sending = Sender(db, "telegram", deliver, clock, pace, sleep=clock.sleep)
    stop = asyncio.Event()
    task = asyncio.create_task(sending.run(stop, poll_seconds=0.001))
    follow_ups: list[str] = []
    for round_id in range(6):
        invitations = [
            {**r, "key": f"pulse:{round_id}:invite:{r['key']}", "quiet": True}
            for r in rows(300, prefix="m")
        ]
        outbox.enqueue(db, invitations, clock())
        sending.wake()
        for _ in range(rng.randint(1, 30)):
            await asyncio.sleep(0)
        # The round closes: its messages still waiting (or in flight) are deleted...
        db.execute("delete from outbox where key like ?", [f"pulse:{round_id}:%"])
        # ...and what is queued next takes the freed space.
        more = [{**r, "key": f"follow:{round_id}:{r['key']}"} for r in rows(200, prefix="f")]
        follow_ups += [r["key"] for r in more]
        outbox.enqueue(db, more, clock())
        sending.wake()
    while outbox.waiting(db, "telegram"):
        await asyncio.sleep(0.001)
    stop.set()
    await task
    sent = {k for (k,) in db.execute("select key from outbox where status = 'sent'")}
    lost = [k for k in follow_ups if k not in delivered]
    misattributed = sent - set(delivered)
    print(f"follow-ups: {len(follow_ups)}, lost {len(lost)}, misattributed {len(misattributed)}")
    assert lost == [] and misattributed == set()
    assert sorted(k for k in delivered if k.startswith("follow:")) == sorted(follow_ups)


async def test_replies_are_claimed_ahead_of_a_broadcast(tmp_path):
    from tests.helpers import FakeClock

    clock = FakeClock()
    db = open_database(tmp_path / "mv.db")
    outbox.enqueue(db, rows(1000, quiet=True, prefix="news:"), clock())
    outbox.enqueue(db, rows(3, prefix="reply:"), clock())
    claimed = outbox.claim_due(db, "telegram", clock(), 100, broadcasts=15)
    assert [r.key for r in claimed[:3]] == ["reply:0", "reply:1", "reply:2"]
    assert len(claimed) == 18  # and only half a second's worth of the broadcast


async def test_a_stop_leaves_the_backlog_in_the_outbox(tmp_path):
    from tests.helpers import FakeClock

    clock = FakeClock()
    db = open_database(tmp_path / "mv.db")
    outbox.enqueue(db, rows(3000, quiet=False, prefix="news:"), clock())
    stop = asyncio.Event()
    count = 0

    async def deliver(row, message):
        nonlocal count
        count += 1
        if count == 40:
            stop.set()  # SIGTERM arrives mid-send
        return Outcome(ref="r")

    pace = Pace(rate_per_second=10_000, per_chat_seconds=0, concurrency=4)
    sending = Sender(db, "telegram", deliver, clock, pace, sleep=clock.sleep)
    await sending.run(stop, poll_seconds=0.001)
    statuses = dict(db.execute("select status, count(*) from outbox group by status").fetchall())
    assert statuses["sent"] == count and count < 50
    assert statuses["pending"] == 3000 - count and "sending" not in statuses


async def test_one_send_in_flight_while_the_platform_answers_within_an_interval(tmp_path):
    """A hard kill sends again what was in flight: with a platform that answers quickly,
    that is one message at most, at the full rate."""
    from tests.helpers import FakeClock

    clock = FakeClock()
    db = open_database(tmp_path / "mv.db")
    outbox.enqueue(db, rows(200), clock())
    in_flight, most = 0, 0

    async def deliver(row, message):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0)  # the request goes out; others could start meanwhile
        await asyncio.sleep(0)
        in_flight -= 1
        return Outcome(ref="r")

    sending = Sender(db, "telegram", deliver, clock, Pace(per_chat_seconds=0), sleep=clock.sleep)
    started = clock.now
    assert await sending.drain() == 200
    assert most == 1 and sending.widest == 1 and sending.window() == 1
    assert (clock.now - started).total_seconds() < 200 / 30 + 1  # still 30 a second


def test_the_window_follows_the_typical_answer_time_not_one_slow_answer(tmp_path, caplog):
    from tests.helpers import FakeClock

    caplog.set_level("INFO")
    clock = FakeClock()
    sending = Sender(open_database(tmp_path / "mv.db"), "telegram", None, clock, Pace())
    sending._answered_in(2.5)  # the first answer, while the bot was still starting
    for _ in range(6):
        sending._answered_in(0.01)
    assert sending.window() == 1 and sending.widest == 1
    for _ in range(15):
        sending._answered_in(0.1)  # a slow link: 0.1 s x 30/s needs 3 in flight, and headroom
    assert sending.window() == 5 and sending.widest == 5
    assert "up to 5 sends at once" in caplog.text
    for _ in range(15):
        sending._answered_in(1.0)
    assert sending.window() == 8  # never more than Pace.concurrency


def test_an_operator_who_wants_at_most_one_doubled_per_kill_gets_one_in_flight(tmp_path):
    from bot.config import load_settings
    from tests.helpers import FakeClock

    config = tmp_path / "mv.toml"
    config.write_text("[outbox]\nmax_in_flight = 1\n")
    limit = load_settings(config, environ={}).outbox.max_in_flight
    sending = Sender(
        open_database(tmp_path / "mv.db"), "telegram", None, FakeClock(), Pace(concurrency=limit)
    )
    for _ in range(15):
        sending._answered_in(0.3)  # a slow link would want 14 in flight
    assert sending.window() == 1
