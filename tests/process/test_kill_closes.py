"""Closes survive SIGKILL at any statement: the real `mutual-voice` process closing a
round or sealing a vote kills itself (the `MUTUAL_VOICE_KILL_AT` hook in
storage/faults.py) at random statements spread over every phase, sometimes twice, and a
restart carries the close on to the end state of a close never cut: the same counts,
every row once, no staging left, one result message each.

The seed is printed (`KILL_SEED=... pytest` repeats a run); so is every kill point.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.votes.admin import create_vote, open_vote
from storage.tiers import queries as tiers
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.handlers.votes.test_votes import Kit, definition
from tests.helpers import FakeClock, make_context
from tests.process.zygote import Completed, Zygote, kill_rng, seeded_folder

pytestmark = pytest.mark.slow

LONG_AGO = "2026-01-01"  # the day of every member's last nudge in `build`
KILLS = 30  # over both closes: every phase of each is cut at least once
# The real command line, with small parts so that every phase has several.
SMALL_PARTS = (
    "import sys, storage.secrecy as s, storage.pulses.queries as p, storage.votes.queries as v;"
    "s.PART = 3; p.REKEY_PART = 3; v.SEAL_PART = 3;"
    "from bot.cli import main; sys.argv[0] = 'mutual-voice'; main()"
)
CLOSES = {
    "round": ["survey", "close", "staff-pulse"],
    "vote": ["vote", "close", "agm", "--yes"],
}


def build(folder: Path) -> Path:
    """24 staff on Telegram: 18 answered the pulse round, 20 voted, all nudged once long
    ago, their first votes handled; the round's first-timers are watched for."""
    (folder / "mutual-voice.toml").write_text(
        '[organisation]\nname = "Riverside"\nconstituencies = ["staff", "tenant"]\n'
        '[storage]\ndatabase = "mv.db"\n',
        encoding="utf-8",
    )
    path = folder / "mv.db"
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))
    ctx = make_context(clock, path)
    staff = join(ctx, staff=24)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.tick()
    for n, member in enumerate(staff[:18]):
        chat.answer(member, ["Agree", "Agree", "Neither", "Agree", str(n % 11), f"text:Note {n}"])
        clock.advance(seconds=30)
    kit = Kit(ctx, roster="", linked=())
    create_vote(ctx, definition(opens=clock.now, closes=clock.now + timedelta(days=7)), "test")
    kit.postman.post(open_vote(ctx, "agm"))
    for n, member in enumerate(staff[:20]):
        kit.vote(member, "agm", ("For", "Against", "Abstain")[n % 3])
    tiers.mark_seen(ctx.db, "vote", staff[:20])
    # Firsts are watched already, so the round's close makes the 18 first-timers (were
    # the watch started only after the close, nobody would be: whether it starts before
    # or after is up to the running bot's timing).
    tiers.set_checked(ctx.db, "pulse", clock.now)
    for member in staff[:20]:
        tiers.set_nudged_on(ctx.db, member, LONG_AGO)
    ctx.db.execute("pragma wal_checkpoint(truncate)")
    ctx.db.close()
    return path


async def run(zygote: Zygote, folder: Path, close: str, kill_at: int | str | None) -> Completed:
    """The command line closing `close` in `folder`, armed to kill itself at `kill_at`
    (a fresh process forked from one that has the imports done: tests/process/zygote.py)."""
    env = {"MUTUAL_VOICE_KILL_AT": str(kill_at)} if kill_at is not None else {}
    return await zygote.run(folder, CLOSES[close], SMALL_PARTS, env)


async def phases(zygote: Zygote, folder: Path, close: str) -> list[tuple[str, int, int]]:
    """Each phase of an uncut close with the statements it runs: (name, first, last)."""
    done = await run(zygote, folder, close, "count")
    assert done.returncode == 0, done.stderr
    found, at = [], 0
    for line in done.stderr.splitlines():
        if line.startswith("PHASE "):
            _, count, name = line.split(" ", 2)
            found.append((name, at + 1, at + int(count)))
            at += int(count)
    return found


def end_state(path: Path) -> dict[str, object]:
    """What a finished close leaves, the random parts (order, new keys) left out."""
    db = sqlite3.connect(path)
    q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    state = {
        "round": q(
            "select closing_at is not null, closed_at is not null, close_error from pulse_rounds"
        ),
        "counts": sorted(q("select * from pulse_counts")),
        "turnout": sorted(q("select * from pulse_turnout")),
        "answers": Counter(
            q("select round_id, question_id, constituency, value from pulse_answers")
        ),
        "unsealed answers": q("select count(*) from pulse_answers where respondent not like 's%'"),
        "respondents": len(q("select distinct respondent from pulse_answers")),
        "comments": sorted(q("select text from pulse_comments")),
        "took part": sorted(q("select * from pulse_participation")),
        "vote": [
            (
                status,
                sealed,
                {k: v for k, v in json.loads(result or "{}").items() if k != "closed_at"},
                sorted(json.loads(notices or "{}")),
                error,
            )
            for status, sealed, result, notices, error in q(
                "select status, sealed_at is not null, result, notices, close_error from votes"
            )
        ],
        "ballots": sorted(q("select vote_id, choice, ballot_key from vote_ballots")),
        "receipts": len(q("select distinct receipt from vote_ballots")),
        "voters": sorted(q("select * from vote_voters")),
        "nudges": sorted(q("select * from tier_nudges")),
        "last nudges": sorted(q("select * from tier_last_nudge")),
        "outbox": sorted(q("select key from outbox")),
        "staging": q("select name from sqlite_master where name like 'sealing!_%!_%' escape '!'"),
        "phases": q("select * from sealing_phases"),
    }
    db.close()
    return state


async def test_closes_killed_at_random_statements_carry_on_to_the_same_end(tmp_path: Path):
    async with Zygote() as zygote:
        await closes_killed_at_random_statements(zygote, tmp_path)


async def closes_killed_at_random_statements(zygote: Zygote, tmp_path: Path) -> None:
    rng = kill_rng()
    pristine = seeded_folder(tmp_path, build)

    def fresh(name: str, start: Path = pristine) -> Path:
        folder = tmp_path / name
        shutil.copytree(start, folder)
        return folder

    # Uncut, the round closes and then the vote: each phase's statements are counted.
    spans = {"round": await phases(zygote, fresh("round-closed"), "round")}
    round_closed = tmp_path / "round-closed"
    spans["vote"] = await phases(zygote, fresh("both-closed", round_closed), "vote")
    reference = end_state(tmp_path / "both-closed" / "mv.db")
    for close in CLOSES:
        print(close, "phases:", ", ".join(f"{n} ({a}-{b})" for n, a, b in spans[close]))

    # Every phase of each close once, then phases drawn at random up to KILLS.
    plan = [(close, span) for close in CLOSES for span in spans[close]]
    plan += [rng.choice(plan) for _ in range(KILLS - len(plan))]
    hit: dict[str, set[str]] = {close: set() for close in CLOSES}
    for n, (close, (name, first, last)) in enumerate(plan):
        folder = fresh(f"kill-{n}", pristine if close == "round" else round_closed)
        point = rng.randint(first, last)
        killed = await run(zygote, folder, close, point)
        assert killed.returncode == -9, (point, killed.stdout, killed.stderr)
        print(f"kill {n + 1}: {close} at statement {point} in {name!r}")
        hit[close].add(name)
        finished = None
        if rng.random() < 0.5:  # cut again, anywhere in what is left
            again = rng.randint(1, max(1, last - first + 20))
            second = await run(zygote, folder, close, again)
            if second.returncode == -9:
                print(
                    f"   and again at statement {again} of the restart: {second.stderr.strip().splitlines()[-1]}"
                )
            else:  # the restart finished before the second cut came: it is the finish
                print(f"   and again at statement {again} of the restart: done")
                finished = second
        if finished is None:
            finished = await run(zygote, folder, close, None)
        assert finished.returncode == 0, (n, finished.stdout, finished.stderr)
        if close == "round":  # then the vote, uncut, as in the reference
            assert (await run(zygote, folder, "vote", None)).returncode == 0
        state = end_state(folder / "mv.db")
        for part, value in reference.items():
            assert state[part] == value, (n, close, name, point, part)
    for close in CLOSES:
        assert hit[close] == {name for name, _, _ in spans[close]}
    assert reference["round"] == [(1, 1, None)] and reference["staging"] == []
    assert reference["unsealed answers"] == [(0,)]
    assert len([k for (k,) in reference["outbox"] if k.startswith("vote:agm:result:")]) == 24
