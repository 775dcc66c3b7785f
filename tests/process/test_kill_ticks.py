"""Closes survive SIGKILL inside the running bot's own tick: `mutual-voice run`, finding a
pulse round and a vote due to close, closes both in its scheduler tick and kills itself
(`MUTUAL_VOICE_KILL_AT`, storage/faults.py) at random statements spread over every phase
of both; restarted, it carries the closes on to the end state of an uncut run: one
result, the same counts, nothing lost, no staging left.

The kill points count only the closes' own statements (not a sender's, nor the cron jobs'
claims every tick makes), so a point names the same statement in every run. The seed is
printed (`KILL_SEED=... pytest` repeats a run); so is every kill point and its phase.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import open_database
from storage.timestamps import iso
from tests.process.harness import fakes
from tests.process.live import telegram_only_config
from tests.process.test_kill_closes import LONG_AGO, SMALL_PARTS, build, end_state
from tests.process.zygote import Run, Zygote, kill_rng, seeded_folder

pytestmark = pytest.mark.slow

KILLS = 30
ONLY_CLOSES = {"MUTUAL_VOICE_KILL_PHASES": "[!j]*"}  # every phase but the cron jobs' ("job ...")
KILLED = re.compile(r"KILLED at statement (\d+) in phase '([^']*)'")


def due_now(folder: Path) -> list[int]:
    """The round and the vote of `build` are due to close: the bot's next tick closes them.
    Members' Telegram chats get ids the fake knows (returned), so that what the closes
    send is delivered (a failed delivery marks a member unreachable, and later messages
    to them are not queued: the outbox would depend on timing); what `build` queued was
    sent before."""
    db = open_database(folder / "mv.db")
    past = iso(datetime.now(UTC) - timedelta(minutes=1))
    db.execute("update pulse_rounds set closes_at = ?", [past])
    db.execute("update votes set closes_at = ?", [past])
    db.execute("update outbox set status = 'sent' where status = 'pending'")
    db.execute(
        "update identities set chat_id = cast(40000 + rowid as text), "
        "platform_user_id = cast(40000 + rowid as text) where platform = 'telegram'"
    )
    chats = [int(c) for (c,) in db.execute("select chat_id from identities")]
    db.execute("pragma wal_checkpoint(truncate)")
    db.close()
    return chats


def closed(state: dict[str, object]) -> bool:
    """Both closes have finished to their last phase (the vote's result noted), and the
    tick after: the 18 who answered the round got their note about the next rung."""
    (round_,) = state["round"]  # type: ignore[misc]
    (vote,) = state["vote"]  # type: ignore[misc]
    noted = [kind for _, kind in state["nudges"] if kind == "pulse"]  # type: ignore[attr-defined]
    nudged = [day for _, day in state["last nudges"] if day != LONG_AGO]  # type: ignore[attr-defined]
    return (
        round_[1] == 1
        and vote[1]
        and bool(vote[2])
        and "result" in vote[3]
        and state["staging"] == []
        and len(noted) == 18
        and len(nudged) == 18
    )


def settled_state(path: Path) -> dict[str, object]:
    """`end_state`, with each last nudge only "long ago" or "by these closes": a run that
    goes past midnight nudges on another day, the same nudge."""
    state = end_state(path)
    state["last nudges"] = [(m, day == LONG_AGO) for m, day in state["last nudges"]]  # type: ignore[attr-defined]
    return state


async def start(zygote: Zygote, folder: Path, kill_at: int | str | None) -> Run:
    """`mutual-voice run` in `folder` (with small parts), armed to kill itself at `kill_at`."""
    env = {"MUTUAL_VOICE_KILL_AT": str(kill_at), **ONLY_CLOSES} if kill_at is not None else {}
    log = folder / "bot.log"
    return await zygote.start(folder, ["run"], SMALL_PARTS, env, stdout=log, stderr=log)


def running(run: Run) -> bool:
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    return True


async def settle(run: Run, folder: Path, what: str) -> dict[str, object]:
    """Wait until both closes have finished in `folder`'s database; its end state."""
    async with asyncio.timeout(60):
        while True:
            assert running(run), (folder / "bot.log").read_text()
            try:
                state = end_state(folder / "mv.db")
            except sqlite3.Error:  # a table is being rewritten this very moment
                state = None
            if state is not None and closed(state):
                return state
            await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def killed_or_closed(run: Run, folder: Path) -> bool:
    """True once the run has killed itself; False if it closed both without (still running)."""
    async with asyncio.timeout(60):
        while running(run):
            try:
                if closed(end_state(folder / "mv.db")):
                    return False
            except sqlite3.Error:
                pass
            await asyncio.sleep(0.05)
    assert await run.wait() == -9, (folder / "bot.log").read_text()
    return True


async def stop(run: Run) -> int:
    os.kill(run.pid, signal.SIGTERM)
    return await run.wait()


async def test_the_bots_own_tick_killed_in_a_close_carries_on_to_the_same_end(tmp_path: Path):
    rng = kill_rng()
    pristine = seeded_folder(tmp_path, build)
    chats = due_now(pristine)
    async with fakes(lambda: datetime.now(UTC)) as (telegram, slack), Zygote() as zygote:
        telegram.rate_limits = False  # many runs deliver to the same chats within a second
        for chat in chats:
            telegram.add_user(chat)

        def case(name: str) -> Path:
            folder = tmp_path / name
            folder.mkdir()
            shutil.copy(pristine / "mv.db", folder / "mv.db")
            telegram_only_config(folder, telegram, slack)
            return folder

        # Uncut: each phase's statements counted, and the end state every kill must reach.
        uncut = case("uncut")
        run = await start(zygote, uncut, "count")
        reference = await settle(run, uncut, "the uncut closes")
        assert await stop(run) == 0
        log = (uncut / "bot.log").read_text()
        spans, at = [], 0
        for line in log.splitlines():
            if line.startswith("PHASE "):
                _, count, name = line.split(" ", 2)
                spans.append((name, at + 1, at + int(count)))
                at += int(count)
        print("phases:", ", ".join(f"{n} ({a}-{b})" for n, a, b in spans))
        names = {name for name, _, _ in spans}
        assert any(n.startswith("round") for n in names), log
        assert any(n.startswith("vote") for n in names), log

        # Every phase once, then phases drawn at random up to KILLS; each kill at a random
        # statement of its phase (N@PHASE: earlier phases' lengths do not move it).
        plan = spans + [rng.choice(spans) for _ in range(KILLS - len(spans))]
        hit: set[str] = set()
        for n, (name, first, last) in enumerate(plan):
            point = rng.randint(1, last - first + 1)
            while True:
                folder = case(f"kill-{n}-{point}")
                run = await start(zygote, folder, f"{point}@{name}")
                if await killed_or_closed(run, folder):
                    break
                # The phase ran fewer statements than when counted (what the sender had
                # delivered meanwhile differs): a point within them.
                assert await stop(run) == 0 and point > 1, (folder / "bot.log").read_text()
                point = rng.randint(1, point - 1)
            log = (folder / "bot.log").read_text()
            found = KILLED.search(log)
            assert found and found[1] == str(point) and found[2] == name, log
            print(f"kill {n + 1}: statement {point} of {last - first + 1} in {name!r}")
            hit.add(name)
            run = await start(zygote, folder, None)
            state = await settle(run, folder, "the close carried on")
            assert await stop(run) == 0
            for part, value in reference.items():
                assert state[part] == value, (n, name, point, part)
        assert hit == names  # every phase of both closes was cut
    assert reference["round"] == [(1, 1, None)] and reference["unsealed answers"] == [(0,)]
    assert len([k for (k,) in reference["outbox"] if k.startswith("vote:agm:result:")]) == 24
