"""Three minutes of the real `mutual-voice run` process against the fake platforms.

Run: python bench/live_run.py [--seconds 180] [--tenants 20] [--staff 10]
An operator's set-up with the CLI only: a roster (tenants joined on Telegram, staff on
Slack), a vote that opens 20 s and closes 80 s after the bot starts, and a check-in with
schedule "* * * * *". Then the bot runs with the default settings (a 30 s tick) and nobody
touches it. Prints what members and the council received, and whether the log holds a
traceback or an error. Real time passes here: this is a demonstration, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.process.harness import COUNCIL, fakes, write_config  # noqa: E402

SURVEY = """
id = "minute-check"
title = "Minute check-in"
audience = ["tenant"]
schedule = "* * * * *"
open_hours = 1
reminder_hours = 0
thanks = "Thank you."

[[questions]]
id = "repairs"
kind = "scale"
text = "Repairs are done well and on time."
"""


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


async def cli(config: Path, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), *args, cwd=ROOT,
        env=environment(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    if process.returncode:
        raise SystemExit(f"mutual-voice {' '.join(args)} failed:\n{output.decode()}")


async def main(seconds: float, tenants: int, staff: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mv-live-"))
    tenant_ids = {f"t{n}": 9000 + n for n in range(1, tenants + 1)}
    staff_ids = {f"s{n}": f"U0S{n:06d}" for n in range(1, staff + 1)}
    async with fakes(lambda: datetime.now(UTC)) as (telegram, slack):
        for user in tenant_ids.values():
            telegram.add_user(user)
        for member_id, user in staff_ids.items():
            slack.add_user(user, f"{member_id}@example.org", f"Staff {member_id}")
        config = write_config(folder, telegram, slack, '\n[surveys]\nfolder = "surveys"\n')
        text = config.read_text().replace("tick_seconds = 3600", "tick_seconds = 30")
        config.write_text(text.replace("poll_seconds = 3600.0", "poll_seconds = 1.0"))
        (folder / "surveys").mkdir()
        (folder / "surveys" / "minute-check.toml").write_text(SURVEY)
        roster = folder / "roster.csv"
        roster.write_text(
            "member_id,name,email,constituency\n"
            + "".join(f"{m},Tenant {m},,tenant\n" for m in tenant_ids)
            + "".join(f"{m},Staff {m},{m}@example.org,staff\n" for m in staff_ids)
        )
        (folder / "mv.db").touch()  # a fresh setup, as `mutual-voice init` leaves it
        await cli(config, "members", "import", str(roster))
        with sqlite3.connect(folder / "mv.db") as db:  # the tenants joined earlier
            db.executemany(
                "insert into identities (platform, platform_user_id, chat_id, member_id, "
                "linked_at) values ('telegram', ?, ?, ?, ?)",
                [(str(u), str(u), m, datetime.now(UTC).isoformat()) for m, u in tenant_ids.items()],
            )
        opens = datetime.now(UTC) + timedelta(seconds=20)
        (folder / "vote.toml").write_text(
            'id = "hall"\ntitle = "Paint the hall green"\nmethod = "resolution"\n'
            'explanation = "Shall we paint the hall green?"\nreminder_hours = []\n'
            f"opens = {opens.isoformat(timespec='seconds')}\n"
            f"closes = {(opens + timedelta(seconds=60)).isoformat(timespec='seconds')}\n"
        )
        await cli(config, "vote", "create", str(folder / "vote.toml"))
        log_path = folder / "bot.log"
        with log_path.open("wb") as log:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(config), "run", cwd=ROOT,
                env=environment(), stdout=log, stderr=log,
            )  # fmt: skip
            print(f"bot started (pid {process.pid}); the vote opens at {opens:%H:%M:%S} UTC")
            while time.monotonic() - started < seconds and process.returncode is None:
                await asyncio.sleep(1)
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            code = await process.wait()
    report(folder, code, telegram, slack, tenant_ids, staff_ids)


def report(folder, code, telegram, slack, tenant_ids, staff_ids) -> None:  # noqa: ANN001
    def tenants_with(words: str) -> int:
        return sum(
            any(words in (m.get("text") or "") for m in telegram.sent(chat_id=user))
            for user in tenant_ids.values()
        )

    def staff_with(words: str) -> int:
        return sum(
            any(words in (m.get("text") or "") for m in slack.posted(slack.dm_channel(u)))
            for u in staff_ids.values()
        )

    council = [m.get("text") or "" for m in slack.posted(COUNCIL)]
    questions = sum(
        "Repairs are done well" in (m.get("text") or "")
        for u in tenant_ids.values()
        for m in telegram.sent(chat_id=u)
    )
    log = (folder / "bot.log").read_text()
    n, s = len(tenant_ids), len(staff_ids)
    print(f"vote announced:   {tenants_with('New vote: Paint')}/{n} tenants, "
          f"{staff_with('New vote: Paint')}/{s} staff")  # fmt: skip
    print(f"vote result:      {tenants_with('Result: Paint')}/{n} tenants, "
          f"{staff_with('Result: Paint')}/{s} staff, council: "
          f"{any('Result: Paint' in t for t in council)}")  # fmt: skip
    print(f"check-in questions delivered (one round a minute): {questions}")
    print(f"exit code {code}; tracebacks in the log: {log.count('Traceback')}; "
          f"ERROR lines: {sum(' ERROR ' in line for line in log.splitlines())}")  # fmt: skip
    print(f"log: {folder / 'bot.log'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--staff", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.tenants, args.staff))
