"""The real `mutual-voice run` process against FakeTelegram and FakeSlack, in real time.

Set up as an operator would, with the CLI only: import the roster, create a vote that
opens a few seconds after the bot starts and closes a few seconds later, then run the bot.
Nobody touches the CLI again: the running process must open the vote, announce it, close
it and publish the result to every eligible member and to the council. Its log must hold
no traceback. (The month-long story, on a moved clock, is in test_month.py.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.process.harness import COUNCIL, fakes, write_config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TENANTS = {"t1": 7001, "t2": 7002, "t3": 7003}
STAFF = {"s1": "U0LIVE001", "s2": "U0LIVE002"}
ROSTER = "member_id,name,email,constituency\n" + "".join(
    [f"{m},Tenant {m[1:]},,tenant\n" for m in TENANTS]
    + [f"{m},Staff {m[1:]},{m}@riverside.example,staff\n" for m in STAFF]
)


async def cli(config: Path, *args: str) -> str:
    """Run one `mutual-voice` command as a separate process; fail with its output if it fails."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), *args,
        cwd=ROOT, env=environment(), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def join_on_telegram(database: Path) -> None:
    """The tenants joined earlier through their invite links."""
    with sqlite3.connect(database) as db:
        for member_id, user in TENANTS.items():
            db.execute(
                "insert into identities (platform, platform_user_id, chat_id, member_id, "
                "linked_at) values ('telegram', ?, ?, ?, ?)",
                [str(user), str(user), member_id, datetime.now(UTC).isoformat()],
            )


async def test_the_running_process_opens_and_closes_a_vote_on_its_own(tmp_path):
    async with fakes(lambda: datetime.now(UTC)) as (telegram, slack):
        for user in TENANTS.values():
            telegram.add_user(user)
        for member_id, user in STAFF.items():
            slack.add_user(user, f"{member_id}@riverside.example", f"Staff {member_id[1:]}")
        # The process runs on the wall clock: without this, a run at night would hold the
        # announcements and the result until 08:00 (quiet hours), and the test would time out.
        config = write_config(tmp_path, telegram, slack, "\n[quiet_hours]\nenabled = false\n")
        text = config.read_text().replace("tick_seconds = 3600", "tick_seconds = 1")
        config.write_text(text.replace("poll_seconds = 3600.0", "poll_seconds = 0.5"))
        (tmp_path / "roster.csv").write_text(ROSTER)
        (tmp_path / "mv.db").touch()  # a fresh setup, as `mutual-voice init` leaves it
        await cli(config, "members", "import", str(tmp_path / "roster.csv"))
        join_on_telegram(tmp_path / "mv.db")
        log = (tmp_path / "bot.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run",
            cwd=ROOT, env=environment(), stdout=log, stderr=log,
        )  # fmt: skip
        try:
            async with asyncio.timeout(60):  # start-up, as the operator would see it
                while "slack connected" not in (tmp_path / "bot.log").read_text():
                    assert process.returncode is None, (tmp_path / "bot.log").read_text()
                    await asyncio.sleep(0.1)
            # The officer creates a vote while the bot runs, and does nothing more.
            opens = datetime.now(UTC) + timedelta(seconds=10)
            (tmp_path / "vote.toml").write_text(
                f'id = "quick"\ntitle = "Paint the hall green"\nmethod = "resolution"\n'
                f'explanation = "Shall we paint the hall green?"\n'
                f"opens = {opens.isoformat(timespec='seconds')}\n"
                f"closes = {(opens + timedelta(seconds=6)).isoformat(timespec='seconds')}\n"
                "reminder_hours = []\n"
            )
            await cli(config, "vote", "create", str(tmp_path / "vote.toml"))

            def everyone_saw(words: str) -> bool:
                tenants = all(
                    any(words in (m.get("text") or "") for m in telegram.sent(chat_id=user))
                    for user in TENANTS.values()
                )
                staff = all(
                    any(words in (m.get("text") or "") for m in slack.posted(slack.dm_channel(u)))
                    for u in STAFF.values()
                )
                return tenants and staff

            async with asyncio.timeout(60):
                while not (
                    everyone_saw("New vote: Paint the hall green")
                    and everyone_saw("Result: Paint the hall green")
                    and any("Result: Paint" in (m.get("text") or "") for m in slack.posted(COUNCIL))
                ):
                    assert process.returncode is None, (tmp_path / "bot.log").read_text()
                    await asyncio.sleep(0.1)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            code = await process.wait()
            log.close()
    output = (tmp_path / "bot.log").read_text()
    assert code == 0, output
    assert "Traceback" not in output, output
    assert " ERROR " not in output and "ERROR:" not in output, output
