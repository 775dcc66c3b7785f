"""Close means gone: a round or vote counts as closed, and its results go out, only once
the database file has been rebuilt and its write-ahead log emptied.

Deleting zeroes a row, but SQLite moving rows between pages leaves earlier copies of
where they sat in the pages' unused space, and a checkpoint held up by a reader leaves
the pre-close pages in the log. A reader holding the file up makes the close wait, says
why on the job's line, and the next tick tries again.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3

import pytest

from bot.postman import Postman
from bot.scheduler import Scheduler
from handlers.votes.admin import close_vote
from handlers.votes.state import load
from storage import jobs as job_runs
from storage import secrecy
from storage.pulses import queries as pulses
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.handlers.votes.test_votes import COUNCIL, Kit, options
from tests.helpers import FakeClock, make_context
from tests.sqlite_pages import pages_of, unused_bytes

VOTERS = [f"m{n:03}" for n in range(30)]
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Member {m},,tenant\n" for m in VOTERS
)
SECRET_TABLES = ("outbox", "vote_ballots", "vote_voters", "processed_events")


def voted(folder) -> tuple[Kit, object]:
    folder.mkdir(exist_ok=True)
    path = folder / "mv.db"
    ctx = make_context(FakeClock(), path)
    kit = Kit(ctx, roster=ROSTER, linked=VOTERS)
    kit.create(id="chair", method="irv", options=options("Amber", "Birch", "Cedar"))
    kit.tick()
    rankings = itertools.cycle(itertools.permutations(("Amber", "Birch", "Cedar")))
    for member in VOTERS:
        kit.vote(member, "chair", *next(rankings))
        ctx.clock.advance(minutes=1)
    ctx.db.execute("update outbox set status = 'sent'")  # delivered
    return kit, path


def stale_bytes(ctx, path) -> int:
    """Bytes left in the unused space of the pages holding the tables a vote writes to."""
    names = [
        name
        for (name,) in ctx.db.execute(
            f"select name from sqlite_master where rootpage > 0 and tbl_name in "
            f"({', '.join('?' * len(SECRET_TABLES))})",
            SECRET_TABLES,
        )
    ]
    return sum(len(run) for _, run in unused_bytes(path, pages_of(ctx.db, path, names)))


def test_after_close_no_page_of_the_ballot_tables_keeps_earlier_bytes(tmp_path, monkeypatch):
    kit, path = voted(tmp_path / "rebuilt")
    close_vote(kit.ctx, "chair")
    assert load(kit.ctx, "chair").sealed_at is not None
    assert stale_bytes(kit.ctx, path) == 0
    assert (path.parent / "mv.db-wal").stat().st_size == 0

    # Without the rebuild (only the log emptied), the same close leaves old bytes behind:
    # the look above sees what it looks for.
    def checkpoint_only(conn: sqlite3.Connection, patience: float = 0.0) -> bool:
        return conn.execute("pragma wal_checkpoint(truncate)").fetchone()[0] == 0

    monkeypatch.setattr(secrecy, "rebuild_file", checkpoint_only)
    kit, path = voted(tmp_path / "checkpointed")
    close_vote(kit.ctx, "chair")
    assert stale_bytes(kit.ctx, path) > 0


def _scheduler(ctx) -> Scheduler:
    return Scheduler(ctx, Postman(ctx.db, ctx.clock, COUNCIL, "Europe/London"))


def _results(ctx) -> int:
    return ctx.db.execute("select count(*) from outbox where key like '%:result%'").fetchone()[0]


def test_a_vote_close_held_by_a_reader_publishes_nothing_and_is_tried_again_each_tick(tmp_path):
    kit, path = voted(tmp_path)
    ctx = kit.ctx
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("begin")
    reader.execute("select count(*) from vote_ballots").fetchone()  # a backup, say
    ctx.clock.advance(days=8)
    scheduler = _scheduler(ctx)
    asyncio.run(scheduler.fire(("votes",)))
    vote = load(ctx, "chair")
    assert vote.status == "closed" and vote.sealed_at is None  # counted, not yet sealed
    assert _results(ctx) == 0  # nothing published
    [line] = [row for row in scheduler.describe() if row["job"] == "votes"]
    assert "vote chair's result waits" in line["last_error"]
    assert "another program is reading" in line["last_error"]
    asyncio.run(scheduler.fire(("votes",)))  # the next tick, still held: still waiting
    assert load(ctx, "chair").sealed_at is None and _results(ctx) == 0

    reader.execute("rollback")
    reader.close()
    ctx.clock.advance(seconds=30)  # the next tick, well inside the close's lease
    asyncio.run(scheduler.fire(("votes",)))
    assert load(ctx, "chair").sealed_at is not None
    assert _results(ctx) == len(VOTERS) + 1  # every voter and the council, once
    assert (path.parent / "mv.db-wal").stat().st_size == 0
    assert stale_bytes(ctx, path) == 0
    runs = job_runs.all_runs(ctx.db)["votes"]
    assert runs["last_success"] > runs["last_failure"]


def test_a_round_close_held_by_a_reader_shows_no_results_until_the_file_is_rebuilt(tmp_path):
    path = tmp_path / "mv.db"
    ctx = make_context(FakeClock(), path)
    staff = join(ctx, staff=6)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    chat.tick()
    for member in staff:
        chat.answer(member, ["Agree", "Agree", "Neither", "Agree", "7", "text:Fine."])
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("begin")
    reader.execute("select count(*) from pulse_answers").fetchone()
    ctx.clock.advance(days=3)
    scheduler = _scheduler(ctx)
    asyncio.run(scheduler.fire(("pulses:tick",)))
    row = pulses.get_round(ctx.db, round_row["id"])
    assert row["closing_at"] and not row["closed_at"]  # stopped and counted, not closed
    assert "another program is reading" in job_runs.all_runs(ctx.db)["pulses:tick"]["last_error"]
    reader.execute("rollback")
    reader.close()
    asyncio.run(scheduler.fire(("pulses:tick",)))
    assert pulses.get_round(ctx.db, round_row["id"])["closed_at"]
    assert (path.parent / "mv.db-wal").stat().st_size == 0


@pytest.mark.parametrize("with_reader", [False, True])
def test_housekeeping_empties_the_log_once_it_has_committed(tmp_path, with_reader):
    path = tmp_path / "mv.db"
    ctx = make_context(FakeClock(), path)
    ctx.db.execute("create table filler (text text)")
    ctx.db.conn.executemany("insert into filler values (?)", [("x" * 500,)] * 50)
    ctx.db.conn.commit()
    wal = path.parent / "mv.db-wal"
    scheduler = _scheduler(ctx)
    reader = sqlite3.connect(path, isolation_level=None)
    if with_reader:
        reader.execute("begin")
        reader.execute("select count(*) from filler").fetchone()
    assert wal.stat().st_size > 0
    assert asyncio.run(scheduler.fire(("housekeeping",))) == ["housekeeping"]
    assert (wal.stat().st_size == 0) is not with_reader
    reader.close()
