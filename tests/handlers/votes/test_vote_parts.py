"""A big vote's work in parts: a close sealed a slice per transaction by the real
Scheduler, a close cut short and carried on, a vote missed while the bot was down, and
members reachable only after the opening told once."""

from __future__ import annotations

import asyncio
import json
import logging
import struct
from collections import Counter
from datetime import timedelta

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.postman import Postman
from bot.scheduler import Scheduler
from handlers.housekeeping import MESSAGE_MEMORY, forget
from handlers.schedule import Pause, without_pauses
from handlers.votes.admin import VoteError, published_ballots, published_result
from handlers.votes.chat import tick
from handlers.votes.state import load
from storage import outbox
from storage.close_leases import QUIET as SEALING_LEASE
from storage.votes import queries as store
from tests.handlers.test_secrecy_attacks import (
    MEMBERS,
    TRIALS,
    _pairings,
    _six_votes,
    _vote_attacks,
)
from tests.handlers.votes.test_votes import COUNCIL, Kit
from tests.helpers import START, FakeClock, make_context
from tests.sqlite_pages import table_cells


@pytest.fixture
def small_parts(monkeypatch):
    """Six ballots in slices of two: a close takes several parts."""
    monkeypatch.setattr(store, "SEAL_PART", 2)


def _scheduler(ctx) -> Scheduler:
    return Scheduler(ctx, Postman(ctx.db, ctx.clock, COUNCIL, "Europe/London"))


def _close_through_the_scheduler(ctx) -> int:
    """Move past the closing time and let the real Scheduler run the votes job; returns
    how many times the loop ran something else (a member's message) while the vote was
    closed but not yet sealed."""
    scheduler, between = _scheduler(ctx), []
    done = asyncio.Event()

    async def member_messages() -> None:
        while not done.is_set():
            between.append(
                ctx.db.execute(
                    "select status, sealed_at from votes where vote_id = 'chair'"
                ).fetchone()
            )
            await asyncio.sleep(0)

    async def close() -> list[str]:
        watcher = asyncio.create_task(member_messages())
        await asyncio.sleep(0)
        try:
            return await scheduler.fire(("votes",))
        finally:
            done.set()
            await watcher

    ctx.clock.advance(days=8)
    assert asyncio.run(close()) == ["votes"]
    return between.count(("closed", None))


def _wal(path) -> bytes:
    return (path.parent / f"{path.name}-wal").read_bytes()


def _ballot_pages(ctx, path) -> set[int]:
    """The pages holding the ballots and who voted (in the file, as last checkpointed)."""
    return {
        cell.page
        for table in ("vote_ballots", "vote_voters")
        for cell in table_cells(ctx.db, path, table)
    }


def _wal_pages(path) -> set[int]:
    """The page numbers the write-ahead log holds versions of (its frames' headers)."""
    wal = _wal(path)
    if not wal:
        return set()
    (size,) = struct.unpack(">I", wal[8:12])
    return {struct.unpack(">I", wal[at : at + 4])[0] for at in range(32, len(wal), 24 + size)}


def test_a_close_in_parts_by_the_scheduler_leaves_nothing_to_pair_in_the_file(
    tmp_path, small_parts
):
    linked: Counter[str] = Counter()
    for n in range(TRIALS):
        ctx, path, truth = _six_votes(tmp_path, n)
        receipts = [r for (r,) in ctx.db.execute("select receipt from vote_ballots")]
        assert _close_through_the_scheduler(ctx) > 6  # the slices of two went one by one
        vote = load(ctx, "chair")
        assert vote.status == "closed" and vote.sealed_at is not None
        # The write-ahead log was emptied when the job was done: whatever it holds now
        # has no ballot in it, and no page of the ballots or of who voted.
        wal = _wal(path)
        assert receipts and not [r for r in receipts if r.encode() in wal]
        assert _ballot_pages(ctx, path) and not _ballot_pages(ctx, path) & _wal_pages(path)
        linked.update(_pairings(_vote_attacks(ctx, path), truth))
        assert {r[0] for r in ctx.db.execute("select voted_on from vote_voters")} == {
            f"{vote.closed_at:%Y-%m-%d}"
        }
        assert not list(ctx.db.execute("select 1 from vote_ballots where ballot_key is not null"))
        assert not list(ctx.db.execute("select 1 from outbox where key like 'vote:chair:b:%'"))
        ctx.db.close()
    assert all(total <= 2 * TRIALS for total in linked.values()), linked


def _parts_until(items, pauses: int, db) -> None:
    """Run `pauses` parts of a job's work, each in its own transaction, as the Scheduler
    does, then stop (the bot is stopped there)."""
    for _ in range(pauses):
        with db.atomic():
            for item in items:
                if isinstance(item, Pause):
                    break


def test_a_close_cut_short_publishes_nothing_and_the_next_tick_finishes_it(tmp_path, small_parts):
    ctx, path, truth = _six_votes(tmp_path, 0)
    receipt = ctx.db.execute("select receipt from vote_ballots").fetchone()[0]
    ctx.clock.advance(days=8)
    work = tick(ctx, ctx.now())
    _parts_until(work, 4, ctx.db)  # closed and counted; the seal a few slices in
    del work
    vote = load(ctx, "chair")
    assert vote.status == "closed" and vote.sealed_at is None
    assert published_result(ctx, "chair")["voted"] == 6  # the count is kept at once
    with pytest.raises(VoteError, match="published in a minute or two"):
        published_ballots(ctx, "chair")
    assert store.find_receipt(ctx.db, receipt) == []
    kit = Kit(ctx, roster="", linked=())
    [answer] = kit.command("m1", "receipt", receipt)
    assert "I can't find ballot" in answer.text
    assert not [r for r in outbox.rows_for(ctx.db) if ":result" in r["key"]]  # not yet
    by_rowid = [m for (m,) in ctx.db.execute("select member_id from vote_voters order by rowid")]
    assert by_rowid == MEMBERS  # who voted is not rewritten yet
    ctx.db.close()

    again = make_context(ctx.clock, path)  # the bot starts again at once
    assert asyncio.run(_scheduler(again).fire(("votes",))) == ["votes"]
    assert load(again, "chair").sealed_at is None  # another process may be at it still
    again.clock.advance(SEALING_LEASE.total_seconds() + 1)
    asyncio.run(_scheduler(again).fire(("votes",)))  # nobody is: the tick carries it on
    asyncio.run(_scheduler(again).fire(("votes",)))  # and ticks once more
    vote = load(again, "chair")
    assert vote.sealed_at is not None
    assert {r[0] for r in again.db.execute("select voted_on from vote_voters")} == {
        f"{vote.closed_at:%Y-%m-%d}"
    }
    results = Counter(
        r["member_id"] or r["chat_id"] for r in outbox.rows_for(again.db) if ":result" in r["key"]
    )
    assert results == Counter({**dict.fromkeys(MEMBERS, 1), COUNCIL[1]: 1})  # each once
    assert receipt in {row["receipt"] for row in published_ballots(again, "chair")}
    assert store.find_receipt(again.db, receipt)
    assert not _ballot_pages(again, path) & _wal_pages(path)
    assert not list(again.db.execute("select 1 from vote_ballots where ballot_key is not null"))


def test_results_cut_short_are_sent_to_the_rest_by_the_next_tick_and_to_nobody_twice(
    tmp_path,
):
    ctx, path, _ = _six_votes(tmp_path, 0)
    postman = Postman(ctx.db, ctx.clock, COUNCIL, "Europe/London")
    ctx.clock.advance(days=8)
    # The whole close (its file rebuilt outside any transaction), the first two results,
    # then a crash.
    work = without_pauses(tick(ctx, ctx.now()))
    first = next(work)
    with ctx.db.atomic():
        postman.post([first, next(work)])
    del work
    assert load(ctx, "chair").sealed_at is not None
    assert len([r for r in outbox.rows_for(ctx.db) if ":result" in r["key"]]) == 2
    ctx.clock.advance(SEALING_LEASE.total_seconds() + 1)
    asyncio.run(_scheduler(ctx).fire(("votes",)))
    asyncio.run(_scheduler(ctx).fire(("votes",)))
    results = Counter(
        r["member_id"] or r["chat_id"] for r in outbox.rows_for(ctx.db) if ":result" in r["key"]
    )
    assert results == Counter({**dict.fromkeys(MEMBERS, 1), COUNCIL[1]: 1})


# --- a vote missed while the bot was down ----------------------------------------------


def test_a_vote_whose_window_passed_while_the_bot_was_down_is_marked_missed_once(
    ctx, clock, caplog
):
    kit = Kit(ctx)
    kit.create(opens=START + timedelta(days=1), closes=START + timedelta(days=2))
    clock.advance(days=3)  # the bot was down through all of it
    with caplog.at_level(logging.INFO, logger="handlers.votes.admin"):
        kit.tick()
        kit.tick()
    vote = load(ctx, "agm")
    assert vote.status == "missed"
    lines = [r for r in caplog.records if "missed" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert "agm" in lines[0].getMessage() and not lines[0].exc_info
    told = [r for r in outbox.rows_for(ctx.db) if r["key"].startswith("vote:agm:")]
    assert [(r["chat_id"], r["key"]) for r in told] == [("C-COUNCIL", "vote:agm:missed")]
    assert told[0]["payload"]["title"] == "Vote not held: Adopt the new rules"
    assert "did not take place" in told[0]["payload"]["text"]
    with pytest.raises(VoteError, match="agm was missed"):
        published_result(ctx, "agm")
    [reply] = kit.command("t1", "vote", "agm")
    assert "did not take place" in reply.text


def test_vote_list_shows_a_missed_vote_and_results_say_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    clock = FakeClock()
    ctx = make_context(clock, tmp_path / "mutual-voice.db")
    kit = Kit(ctx)
    kit.create(opens=START + timedelta(hours=1), closes=START + timedelta(hours=5))
    clock.advance(days=1)
    kit.tick()
    ctx.db.close()
    runner = CliRunner()
    [listed] = json.loads(runner.invoke(cli, ["vote", "list", "--json"]).output)
    assert (listed["vote"], listed["status"], listed["voted"]) == ("agm", "missed", 0)
    assert "missed" in runner.invoke(cli, ["vote", "list"]).output
    shown = runner.invoke(cli, ["vote", "results", "agm"])
    assert shown.exit_code == 1 and "agm was missed" in shown.output


# --- members reachable only after the opening -----------------------------------------


def _announced(ctx) -> Counter[str]:
    return Counter(
        r["key"].rsplit(":", 1)[1]
        for r in outbox.rows_for(ctx.db)
        if r["key"].startswith("vote:agm:open:")
    )


def test_a_member_reachable_after_the_opening_is_announced_once_by_the_sweep(ctx, clock):
    kit = Kit(ctx, linked=("t1", "t2"))  # s1, s2 and t3 are on the roll, not in chat yet
    kit.create(closes=START + timedelta(days=30))
    kit.tick()
    assert _announced(ctx) == Counter({"t1": 1, "t2": 1})
    Kit(ctx, roster="", linked=("s1", "s2"))  # matched by e-mail after it opened
    kit.vote("s2", "agm", "For")  # s2 found the vote by themselves
    kit.tick()
    assert "s1" not in _announced(ctx)  # the sweep waits its turn
    clock.advance(minutes=10)
    kit.tick()
    kit.tick()
    assert _announced(ctx) == Counter({"t1": 1, "t2": 1, "s1": 1})  # not s2: voted
    [row] = [r for r in outbox.rows_for(ctx.db) if r["key"] == "vote:agm:open:s1"]
    assert row["payload"]["title"] == "New vote: Adopt the new rules"
    # Housekeeping blanks delivered announcements; the keys stay, so none goes again.
    ctx.db.execute("update outbox set status = 'sent'")
    clock.advance(MESSAGE_MEMORY.total_seconds() + 60)
    forget(ctx, ctx.now())
    assert {r["payload"].get("text") for r in outbox.rows_for(ctx.db)} == {None}
    Kit(ctx, roster="", linked=("t3",))
    kit.tick()
    assert _announced(ctx) == Counter({"t1": 1, "t2": 1, "s1": 1, "t3": 1})


def test_a_member_who_joined_after_the_opening_is_not_on_its_roll(ctx, clock):
    kit = Kit(ctx, linked=("t1",))
    kit.create()
    kit.tick()
    clock.advance(hours=1)
    Kit(ctx, roster="member_id,name,email,constituency\nt9,New Tenant,,tenant\n", linked=("t9",))
    clock.advance(minutes=10)
    kit.tick()
    assert _announced(ctx) == Counter({"t1": 1})
    assert load(ctx, "agm").eligible == 5


def test_the_roll_is_read_in_pages(ctx, clock, monkeypatch):
    from handlers.votes import notices as vote_notices

    monkeypatch.setattr(vote_notices, "PAGE", 2)
    kit = Kit(ctx)  # five members, pages of two
    kit.create(reminder_hours=(24,))
    items = list(tick(ctx, ctx.now()))
    kit.postman.post(items)
    assert sorted(_announced(ctx)) == ["s1", "s2", "t1", "t2", "t3"]
    clock.now = START + timedelta(days=6, hours=1)  # 23 h before it closes, 11:00 in London
    items = list(tick(ctx, ctx.now()))
    kit.postman.post(items)
    assert sum(isinstance(item, Pause) for item in items) >= 3  # a pause after each page
    reminded = sorted(r["member_id"] for r in outbox.rows_for(ctx.db) if ":remind:" in r["key"])
    assert reminded == ["s1", "s2", "t1", "t2", "t3"]
