"""A wall clock set while the bot was stopped is told at the next start, and a vote never
closes early on it (issue 29: set forward 2 days, a vote closed 2 hours early).

The real `mutual-voice run`, under libfaketime with the monotonic and boot clocks left
real (`DONT_FAKE_MONOTONIC=1`): run from T0, stopped, started again with the wall clock
2 days ahead of where it would be, then 1 hour behind. The vote closes at T0 + 1 day.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.votes.admin import create_vote, open_vote
from tests.handlers.votes.test_votes import definition
from tests.helpers import FakeClock, make_context
from tests.process.live import Live, live_bot, mv, telegram_only_config

pytestmark = pytest.mark.slow

COUNCIL_GROUP = -100500
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def at(moment: datetime) -> dict[str, str]:
    """The environment that starts a process's wall clock at `moment` (only the wall
    clock: seconds since boot and the monotonic clock stay real)."""
    return {
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": f"@{moment:%Y-%m-%d %H:%M:%S}",
        "DONT_FAKE_MONOTONIC": "1",
        "TZ": "UTC",
    }


def vote_status(database: Path) -> str:
    db = sqlite3.connect(database)
    (status,) = db.execute("select status from votes where vote_id = 'agm'").fetchone()
    db.close()
    return status


def last_tick(database: Path) -> str | None:
    """When the votes job (closing what is due) last ran a tick, by the bot's clock."""
    db = sqlite3.connect(database)
    row = db.execute("select last_success from job_runs where job_id = 'votes'").fetchone()
    db.close()
    return row[0] if row else None


async def started_at(bot: Live, moment: datetime, expect: str | None = None) -> None:
    """Start the bot with its wall clock at `moment`; wait for a tick of the votes job
    (and for `expect` in the log)."""
    before = last_tick(bot.folder / "mv.db")
    await bot.start(until="telegram connected", env=at(moment))
    for _ in range(1200):  # a minute at most
        if last_tick(bot.folder / "mv.db") != before and (not expect or expect in bot.log):
            return
        assert bot.process is not None and bot.process.returncode is None, bot.log
        await asyncio.sleep(0.05)
    raise AssertionError(f"no tick, or no {expect!r}: {last_tick(bot.folder / 'mv.db')}\n{bot.log}")


@pytest.mark.skipif(
    not LIBFAKETIME.exists() or not shutil.which("faketime"), reason="needs libfaketime"
)
async def test_a_clock_set_while_the_bot_was_stopped_is_told_and_closes_nothing_early(
    tmp_path: Path,
):
    t0 = datetime.now(UTC).replace(microsecond=0)
    started = time.monotonic()

    def wall(shift: timedelta) -> datetime:
        """The bot's wall clock now, as first set (T0 at the first start), plus `shift`."""
        return t0 + timedelta(seconds=time.monotonic() - started) + shift

    async with live_bot(tmp_path) as bot:
        # Telegram only (a quicker start), the council a Telegram group.
        config = telegram_only_config(tmp_path, bot.telegram, bot.slack)
        text = config.read_text(encoding="utf-8")
        council = "[telegram]\nenabled = true\n" + f'council_chat_id = "{COUNCIL_GROUP}"\n'
        config.write_text(text.replace("[telegram]\nenabled = true\n", council))
        bot.telegram.add_group(COUNCIL_GROUP)
        ctx = make_context(FakeClock(t0 - timedelta(hours=1)), tmp_path / "mv.db")
        create_vote(ctx, definition(opens=ctx.now(), closes=t0 + timedelta(days=1)), "test")
        list(open_vote(ctx, "agm"))
        ctx.db.close()

        started = time.monotonic()
        await started_at(bot, t0)
        assert await bot.stop() == 0
        assert "while the bot was stopped" not in bot.log

        # Two days on by the wall clock, seconds by the machine's: the vote stays open.
        forward = "the clock jumped forward by 2 d"
        await started_at(bot, wall(timedelta(days=2)), expect=forward)
        assert vote_status(tmp_path / "mv.db") == "open"
        told = lambda: [  # noqa: E731
            m.get("text") or "" for m in bot.telegram.sent(COUNCIL_GROUP) if "clock" in str(m)
        ]
        async with asyncio.timeout(60):
            while not told():
                await asyncio.sleep(0.05)
        assert "jumped forward by 2 d while the bot was stopped" in told()[0]
        shown = await mv(tmp_path, "status", "--json", env=at(wall(timedelta(days=2))))
        clock = json.loads(shown.out)["clock"]
        assert clock["moved_while"] == "stopped" and clock["moved_seconds"] > 86400
        assert clock["ahead_seconds"] > 86400  # votes close by the clock that did not jump
        assert await bot.stop() == 0
        assert vote_status(tmp_path / "mv.db") == "open"

        # Set back to an hour before T0: told once, in one line, and nothing is lost.
        back = "the clock was set back by 2 d 1 h"
        await started_at(bot, wall(-timedelta(hours=1)), expect=back)
        assert bot.log.count(back) == 1
        async with asyncio.timeout(60):
            while len(told()) < 2:
                await asyncio.sleep(0.05)
        assert "set back by 2 d 1 h while the bot was stopped" in told()[1]
        shown = await mv(tmp_path, "status", env=at(wall(-timedelta(hours=1))))
        assert "Clock: set back by" in shown.out and "while the bot was stopped" in shown.out
        assert vote_status(tmp_path / "mv.db") == "open"
