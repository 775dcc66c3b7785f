"""How long scheduled jobs hold the event loop, which members' messages share.

Run: python bench/bench_scheduler.py [--members 67000]
The real Scheduler fires the real jobs on an asyncio loop (as APScheduler does) for an
organisation of `--members` tenants linked on Telegram: a round of a scheduled check-in
opens (an invitation each), its reminder goes, it closes; a vote opens (an announcement
each) and closes (a result each); the council digest draws its chart. A probe task on the
same loop measures how late it wakes: that is how long a member's message would wait.
Prints the figures against the 100 ms target; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_pulses import START, FrozenClock, add_members  # noqa: E402

from bot.postman import Postman  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from handlers.context import Context  # noqa: E402
from handlers.settings import Policy, Surveys  # noqa: E402
from handlers.votes.admin import create_vote  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.votes import queries as store  # noqa: E402
from storage.wal_keeper import WalKeeper  # noqa: E402
from surveys.votes.definitions import VoteDefinition  # noqa: E402

TARGET_MS = 100.0
TURNOUT = 40  # per cent of members who answer the check-in and who vote
SURVEY = """
id = "tenant-check"
title = "Tenant check-in"
audience = ["tenant"]
schedule = "0 10 * * tue"
open_hours = 48
reminder_hours = 24
thanks = "Thank you."

[[questions]]
id = "repairs"
kind = "scale"
text = "Repairs are done well and on time."
"""


async def probe(stop: asyncio.Event, worst: list[float]) -> None:
    """Wake every 5 ms; record the worst lateness (the loop was held)."""
    while not stop.is_set():
        asked = time.perf_counter()
        await asyncio.sleep(0.005)
        worst.append((time.perf_counter() - asked - 0.005) * 1000)


async def step(scheduler: Scheduler, what: str) -> None:
    stop, lateness = asyncio.Event(), []
    watcher = asyncio.create_task(probe(stop, lateness))
    await asyncio.sleep(0.02)
    started = time.perf_counter()
    ran = await scheduler.fire()
    took = (time.perf_counter() - started) * 1000
    stop.set()
    await watcher
    worst = max(lateness)
    verdict = "ok" if worst <= TARGET_MS else f"OVER the {TARGET_MS:.0f} ms target"
    print(
        f"{what:<34} jobs {', '.join(j for j in ran if ':' in j or j == 'votes') or '-':<40} "
        f"took {took:7.0f} ms; loop held at most {worst:6.0f} ms ({verdict})"
    )


def answer(ctx: Context, members: int) -> int:
    """members answered the check-in (40%, with a comment from every tenth)"""
    [round_row] = ctx.db.query("select id, opened_at from pulse_rounds")
    chosen = random.Random(1).sample(range(members), members * TURNOUT // 100)
    keys = {n: secrets.token_hex(16) for n in chosen}
    with ctx.db.atomic():
        ctx.db.conn.executemany(
            "update pulse_participation set step = 1, finished = 1, answered_at = ? "
            "where round_id = ? and member_id = ?",
            [(round_row["opened_at"], round_row["id"], f"m{n:06d}") for n in chosen],
        )
        ctx.db.conn.executemany(
            "insert into pulse_answers (round_id, respondent, question_id, constituency, value) "
            "values (?, ?, 'repairs', 'tenant', ?)",
            [(round_row["id"], keys[n], str(1 + n % 5)) for n in chosen],
        )
        ctx.db.conn.executemany(
            "insert into pulse_comments (round_id, respondent, question_id, constituency, text) "
            "values (?, ?, 'why', 'tenant', ?)",
            [(round_row["id"], keys[n], f"Comment {n}") for n in chosen if n % 10 == 0],
        )
    return len(chosen)


def vote(ctx: Context, members: int) -> int:
    """members voted (40%)"""
    chosen = random.Random(2).sample(range(members), members * TURNOUT // 100)
    with ctx.db.atomic():
        store.insert_ballots(
            ctx.db, "rules", [(secrets.token_hex(6), ("for", "against")[n % 2]) for n in chosen]
        )
        ctx.db.conn.executemany(
            "insert into vote_voters (vote_id, member_id, voted_on) values ('rules', ?, ?)",
            [(f"m{n:06d}", "2026-11-24") for n in chosen],
        )
    return len(chosen)


async def main(members: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mv-bench-scheduler-"))
    (folder / "surveys").mkdir()
    (folder / "surveys" / "tenant-check.toml").write_text(SURVEY)
    clock = FrozenClock(START - timedelta(days=1))  # Sunday 22 Nov, 10:00
    policy = Policy(surveys=Surveys(folder=str(folder / "surveys")))
    ctx = Context(open_database(folder / "mv.db"), policy, clock, council=("slack", "C1"))
    add_members(ctx, members, (("tenant", 1.0),))
    definition = VoteDefinition(
        id="rules",
        title="Adopt the new rules",
        explanation="Resolution 1.",
        method="resolution",
        opens=START + timedelta(days=1, hours=2),
        closes=START + timedelta(days=3),
        reminder_hours=(),
    )
    create_vote(ctx, definition, "bench", False)
    scheduler = Scheduler(ctx, Postman(ctx.db, clock, ("slack", "C1"), "Europe/London"))
    keeper = scheduler.wal_keeper = WalKeeper(ctx.db, folder / "mv.db")  # as the bot does
    keeper.start()
    print(f"{members:,} tenants linked on Telegram; database in {folder}")
    await step(scheduler, "start (baselines)")
    for label, moment, then in (
        ("Tue 10:00 check-in opens", START + timedelta(days=1), answer),
        ("Tue 12:00 vote opens", START + timedelta(days=1, hours=2), vote),
        ("Wed 10:00 check-in reminder", START + timedelta(days=2), None),
        ("Thu 10:00 check-in closes", START + timedelta(days=3), None),
        ("Thu 10:00 vote closes", START + timedelta(days=3, minutes=1), None),
        ("Mon 09:00 council digest", START + timedelta(days=7, hours=-1), None),
    ):
        clock.now = moment
        await step(scheduler, label)
        if then is not None:
            print(f"{'':<34} {then(ctx, members):,} {then.__doc__}")
    keeper.stop()
    outbox = ctx.db["outbox"].count
    print(f"{outbox:,} messages queued in the outbox")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=67_000)
    asyncio.run(main(parser.parse_args().members))
