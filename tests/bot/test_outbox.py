import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import Outcome, Pace, Sender
from bot.postman import Postman
from handlers.messages import Message, Recipient
from handlers.settings import QuietHours
from storage import members, outbox
from storage.db import open_database
from tests.helpers import FakeClock, add_members, link, make_context


def rows(n, chat=None, quiet=False, prefix="m"):
    return [
        {
            "key": f"{prefix}{i}",
            "platform": "telegram",
            "chat_id": chat or f"c{i}",
            "payload": {"text": f"hello {i}"},
            "quiet": quiet,
            "timezone": "Europe/London",
        }
        for i in range(n)
    ]


class Recorder:
    """A platform that records deliveries; it can answer with scripted outcomes."""

    def __init__(self, clock=None):
        self.delivered: list[tuple[str, str, float | None]] = []
        self.script: dict[str, list[Outcome]] = {}
        self.clock = clock

    async def __call__(self, row, message):
        planned = self.script.get(row.key)
        if planned:
            return planned.pop(0)
        stamp = self.clock().timestamp() if self.clock else None
        self.delivered.append((row.key, message.text, stamp))
        return Outcome(ref=f"ref-{row.key}")


def sender(db, deliver, clock, **pace):
    settings = {"rate_per_second": 1000, "per_chat_seconds": 0, "concurrency": 1, **pace}
    return Sender(db, "telegram", deliver, clock, Pace(**settings), sleep=clock.sleep)


async def test_restart_in_the_middle_of_draining_loses_and_repeats_nothing(tmp_path, clock):
    path = tmp_path / "mv.db"
    db = open_database(path)
    outbox.enqueue(db, rows(50), clock())
    first = Recorder()
    hang = asyncio.Event()

    async def crash_on_21st(row, message):
        if len(first.delivered) == 20:
            await hang.wait()  # the process dies while this one is in flight
        return await first(row, message)

    task = asyncio.create_task(sender(db, crash_on_21st, clock).drain())
    while len(first.delivered) < 20 or not any(
        r["status"] == "sending" for r in outbox.rows_for(db)
    ):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    db.close()

    db = open_database(path)  # the restart
    second = Recorder()
    restarted = sender(db, second, clock)
    restarted.recover()
    assert await restarted.drain() == 30
    keys = [k for k, _, _ in first.delivered + second.delivered]
    assert sorted(keys, key=lambda k: int(k[1:])) == [f"m{i}" for i in range(50)]
    assert {r["status"] for r in outbox.rows_for(db)} == {"sent"}
    # The platform's message ids are not kept: they would count each member's messages.
    assert {r["sent_ref"] for r in outbox.rows_for(db)} == {None}


async def test_the_same_idempotency_key_is_never_sent_twice(ctx, clock):
    assert outbox.enqueue(ctx.db, rows(3), clock()) == 3
    assert outbox.enqueue(ctx.db, rows(3), clock()) == 0
    recorder = Recorder()
    await sender(ctx.db, recorder, clock).drain()
    outbox.enqueue(ctx.db, rows(3), clock())
    await sender(ctx.db, recorder, clock).drain()
    assert len(recorder.delivered) == 3


async def test_global_rate_and_per_chat_gap_are_honoured(ctx, clock):
    outbox.enqueue(ctx.db, rows(30), clock())
    outbox.enqueue(ctx.db, rows(3, chat="same", prefix="s"), clock())
    recorder = Recorder(clock)
    paced = sender(ctx.db, recorder, clock, rate_per_second=10, per_chat_seconds=1.0)
    start = clock().timestamp()
    while len(recorder.delivered) < 33:
        await paced.drain()
        clock.advance(0.25)
    spread = [stamp - start for _, _, stamp in recorder.delivered]
    gaps = [b - a for a, b in zip(spread, spread[1:], strict=False)]
    assert min(gaps) >= 0.1 - 1e-3  # never faster than 10 per second
    same = [stamp for key, _, stamp in recorder.delivered if key.startswith("s")]
    assert all(b - a >= 1.0 - 1e-3 for a, b in zip(same, same[1:], strict=False))


async def test_retry_after_pauses_the_platform_and_does_not_count_as_an_attempt(ctx, clock):
    outbox.enqueue(ctx.db, rows(2), clock())
    recorder = Recorder()
    recorder.script["m0"] = [Outcome(retry_after=5)]
    limited = sender(ctx.db, recorder, clock)
    assert await limited.drain() == 0
    clock.advance(4)
    assert await limited.drain() == 0
    clock.advance(1)
    assert await limited.drain() == 2
    assert [r["attempts"] for r in outbox.rows_for(ctx.db)] == [1, 1]


async def test_quiet_hours_hold_unrequested_messages_until_morning(ctx):
    clock = FakeClock(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 22:30 in London
    outbox.enqueue(ctx.db, rows(1, quiet=True, prefix="survey"), clock())
    outbox.enqueue(ctx.db, rows(1, quiet=False, prefix="reply"), clock())
    recorder = Recorder()
    quiet = Sender(
        ctx.db,
        "telegram",
        recorder,
        clock,
        Pace(per_chat_seconds=0),
        QuietHours(start="21:00", end="08:00"),
        "Europe/London",
        clock.sleep,
    )
    await quiet.drain()
    assert [k for k, _, _ in recorder.delivered] == ["reply0"]
    [held] = [r for r in outbox.rows_for(ctx.db) if r["key"] == "survey0"]
    assert held["not_before"] == "2026-11-24T08:00:00+00:00"
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    await quiet.drain()
    assert [k for k, _, _ in recorder.delivered] == ["reply0", "survey0"]


async def test_a_member_who_blocked_the_bot_is_marked_unreachable(ctx, clock):
    add_members(ctx)
    link(ctx, "t1", user_id="c0")
    outbox.enqueue(
        ctx.db,
        rows(1) + rows(2, chat="c0", prefix="more") + rows(1, chat="c9", prefix="x"),
        clock(),
    )
    recorder = Recorder()
    recorder.script["m0"] = [Outcome(unreachable="blocked by the user")]
    await sender(ctx.db, recorder, clock).drain()
    assert [k for k, _, _ in recorder.delivered] == ["x0"]
    statuses = {r["key"]: r["status"] for r in outbox.rows_for(ctx.db)}
    assert statuses == {
        "m0": "unreachable",
        "more0": "unreachable",
        "more1": "unreachable",
        "x0": "sent",
    }
    [gone] = members.unreachable(ctx.db)
    assert (gone["member_id"], gone["unreachable_reason"]) == ("t1", "blocked by the user")


async def test_transient_errors_back_off_then_give_up_with_secrets_redacted(ctx, clock):
    outbox.enqueue(ctx.db, rows(1), clock())

    async def failing(row, message):
        raise ConnectionError("https://api.example/botSECRET-TOKEN-123/sendMessage refused")

    flaky = Sender(
        ctx.db,
        "telegram",
        failing,
        clock,
        Pace(max_attempts=3),
        sleep=clock.sleep,
        redact=lambda text: text.replace("SECRET-TOKEN-123", "***"),
    )
    for _ in range(5):
        await flaky.drain()
        clock.advance(hours=1)
    [row] = outbox.rows_for(ctx.db)
    assert row["status"] == "failed" and row["attempts"] == 3
    assert "SECRET-TOKEN-123" not in row["error"] and "***" in row["error"]


async def test_postman_resolves_members_and_reports_who_has_not_joined(ctx, clock):
    add_members(ctx)
    link(ctx, "t1", user_id="555")
    postman = Postman(ctx.db, clock, ("slack", "C-COUNCIL"), "Europe/London")
    report = postman.post(
        [
            Message(Recipient.of("t1"), "Pulse time", quiet_hours=True),
            Message(Recipient.of("t2"), "Pulse time", quiet_hours=True),
            Message(Recipient.staff_council(), "A suggestion"),
        ],
        key_prefix="round-1",
    )
    assert (report.queued, report.not_joined) == (2, ["t2"])
    sent = {(r["platform"], r["chat_id"], r["quiet"]) for r in outbox.rows_for(ctx.db)}
    assert sent == {("telegram", "555", 1), ("slack", "C-COUNCIL", 0)}
    assert (
        postman.post([Message(Recipient.of("t1"), "Pulse time")], key_prefix="round-1").queued == 0
    )


async def test_run_loop_picks_up_rows_written_by_another_process(tmp_path, clock):
    path = tmp_path / "mv.db"
    bot_ctx = make_context(clock, path)
    recorder = Recorder()
    running = sender(bot_ctx.db, recorder, clock)
    stop = asyncio.Event()
    task = asyncio.create_task(running.run(stop, poll_seconds=1.0))
    cli_db = open_database(path)  # e.g. `mutual-voice survey send` in another process
    outbox.enqueue(cli_db, rows(3), clock())
    while len(recorder.delivered) < 3:
        await asyncio.sleep(0)
    stop.set()
    await task
    assert len(recorder.delivered) == 3
    # ... and the other process can tell that a bot is sending.
    assert outbox.live_senders(cli_db, clock() - timedelta(seconds=30)) == ["telegram"]
    assert outbox.live_senders(cli_db, clock() + timedelta(seconds=1)) == []


async def test_a_row_held_for_part_of_a_second_does_not_make_the_sender_spin(ctx, clock):
    clock.advance(0.3)  # off the whole second, as a real clock always is
    outbox.enqueue(ctx.db, rows(2, chat="same"), clock())
    recorder = Recorder()
    paced = sender(ctx.db, recorder, clock, per_chat_seconds=0.5)
    assert await asyncio.wait_for(paced.drain(), timeout=10) == 1
    [held] = [r for r in outbox.rows_for(ctx.db) if r["status"] == "pending"]
    assert held["not_before"] > clock().isoformat(timespec="seconds")
    clock.advance(1)
    assert await paced.drain() == 1


async def test_a_member_who_writes_again_is_reachable_again(ctx, clock):
    from bot.engine import Engine
    from handlers import build_router
    from handlers.messages import Command
    from handlers.messages import Sender as Who

    add_members(ctx)
    link(ctx, "t1", user_id="c0")
    members.mark_unreachable(ctx.db, "telegram", "c0", "blocked by the user", clock())
    assert members.reachable_identities(ctx.db, ["t1"]) == {}
    engine = Engine(ctx, build_router(), Postman(ctx.db, clock, None, "Europe/London"))
    who = Who("telegram", "c0", "c0")
    engine.handle(Command(who, engine.member("telegram", "c0"), "u1", name="help"))
    assert members.unreachable(ctx.db) == []
    [again] = members.reachable_identities(ctx.db, ["t1"])["t1"]["identities"]
    assert again["chat_id"] == "c0"


def receipt_rows(chat: str) -> list[dict]:
    return [
        {
            "key": f"receipt:{chat}{n}",
            "platform": "telegram",
            "chat_id": chat,
            "member_id": None,
            "payload": {"text": f"Adopt the rules: ballot K7QM-4X2{n} is in the count."},
        }
        for n in range(2)
    ]


async def test_a_receipt_answer_is_forgotten_on_every_end_delivered_failed_or_blocked(ctx, clock):
    outbox.enqueue(
        ctx.db, [*receipt_rows("sent"), *receipt_rows("fail"), *receipt_rows("gone")], clock()
    )
    ballot = {**rows(1, chat="fail")[0], "key": "vote:agm:b:9:0"}
    outbox.enqueue(ctx.db, [ballot], clock())
    platform = Recorder()
    for n in range(2):
        platform.script[f"receipt:fail{n}"] = [Outcome(error="Bad Request", permanent=True)]
    platform.script["vote:agm:b:9:0"] = [Outcome(error="Bad Request", permanent=True)]
    platform.script["receipt:gone0"] = [Outcome(unreachable="blocked by the user")]
    forgotten = []
    send = Sender(
        ctx.db,
        "telegram",
        platform,
        clock,
        Pace(rate_per_second=1000, per_chat_seconds=0, concurrency=1),
        sleep=clock.sleep,
        forgot=lambda: forgotten.append(1),
    )
    await send.drain()
    left = outbox.rows_for(ctx.db)
    assert [r["key"] for r in left] == ["vote:agm:b:9:0"]  # every receipt answer is gone
    assert left[0]["payload"] == outbox.FORGOTTEN and left[0]["status"] == "failed"
    assert "K7QM" not in repr(list(ctx.db.execute("select * from outbox")))
    assert forgotten  # and the sender asked for the write-ahead log to be emptied
