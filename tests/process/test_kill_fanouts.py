"""A fan-out killed while it is queued is carried on by the next start, each member once:
the real scheduler, in a real process, queuing the monthly newsletter to 1,500 members,
kills itself (SIGKILL, `MUTUAL_VOICE_KILL_AT`) at random statements of the claim and of
the parts, sometimes twice; a restart finishes it. Issue 29: 5,800 of 6,000 were lost.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.votes.admin import create_vote
from storage import jobs as job_runs
from tests.handlers.pulses.test_pulse_chat import join
from tests.handlers.votes.test_votes import definition
from tests.helpers import ROOT, FakeClock, make_context

pytestmark = pytest.mark.slow

KILLS = 10
MEMBERS = 1500
JOB = "digest:members"
# The real scheduler firing the newsletter job, as the bot's does, in parts of 50.
FIRE = (
    "import asyncio, bot.scheduler as s; s.PART = 50;"
    "from bot.app import App; from bot.config import load_settings;"
    "app = App(load_settings('mutual-voice.toml', environ={}));"
    f"asyncio.run(s.Scheduler(app.ctx, app.postman).fire(({JOB!r},)))"
)


def build(folder: Path) -> None:
    """1,500 staff on Telegram; a vote coming up (news for everyone); the newsletter of
    the 1st of this month due (its job last ran the month before)."""
    (folder / "mutual-voice.toml").write_text(
        '[organisation]\nname = "Riverside"\nconstituencies = ["staff", "tenant"]\n'
        '[storage]\ndatabase = "mv.db"\n',
        encoding="utf-8",
    )
    now = datetime.now(UTC).replace(microsecond=0)
    ctx = make_context(FakeClock(now), folder / "mv.db")
    join(ctx, staff=MEMBERS)
    upcoming = definition(opens=now + timedelta(days=3), closes=now + timedelta(days=10))
    create_vote(ctx, upcoming, "test")
    last_month = (now.replace(day=1) - timedelta(days=20)).replace(hour=12)
    job_runs.baseline(ctx.db, JOB, last_month)
    ctx.db.execute("pragma wal_checkpoint(truncate)")
    ctx.db.close()


def fire(folder: Path, kill_at: int | str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_VOICE")}
    env["PYTHONPATH"] = str(ROOT)
    if kill_at is not None:
        env["MUTUAL_VOICE_KILL_AT"] = str(kill_at)
    return subprocess.run(
        [sys.executable, "-c", FIRE],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def queued(folder: Path) -> list[str]:
    db = sqlite3.connect(folder / "mv.db")
    keys = [k for (k,) in db.execute("select key from outbox where key like 'digest:members:%'")]
    db.close()
    return keys


def test_a_newsletter_killed_while_queued_reaches_every_member_once(tmp_path: Path):
    seed = int(os.environ.get("KILL_SEED") or random.SystemRandom().randrange(10**6))
    print(f"KILL_SEED={seed}")
    rng = random.Random(seed)
    pristine = tmp_path / "pristine"
    pristine.mkdir()
    build(pristine)
    uncut = tmp_path / "uncut"
    shutil.copytree(pristine, uncut)
    counted = fire(uncut, "count")
    assert counted.returncode == 0, counted.stderr
    spans, at = [], 0
    for line in counted.stderr.splitlines():
        if line.startswith("PHASE "):
            _, n, name = line.split(" ", 2)
            spans.append((name, at + 1, at + int(n)))
            at += int(n)
    print("phases:", spans)
    expected = queued(uncut)
    assert len(expected) == MEMBERS
    for n in range(KILLS):
        name, first, last = spans[n % len(spans)]
        folder = tmp_path / f"kill-{n}"
        shutil.copytree(pristine, folder)
        point = rng.randint(first, last)
        killed = fire(folder, point)
        assert killed.returncode == -9, killed.stderr
        before = len(queued(folder))
        if rng.random() < 0.5:
            again = fire(folder, rng.randint(1, last))
            print(f"   and again: {again.stderr.strip().splitlines()[-1:] or 'done'}")
        done = fire(folder, None)
        assert done.returncode == 0, done.stderr
        keys = queued(folder)
        print(f"kill {n + 1} at statement {point} in {name!r}: {before} queued, then {len(keys)}")
        assert sorted(keys) == sorted(expected)  # each member once, none lost
