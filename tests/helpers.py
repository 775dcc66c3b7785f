"""Shared test helpers: an injected clock, and a handler context on a real SQLite database."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers.context import Context
from handlers.settings import Policy, QuietHours
from storage import members
from storage.db import open_database

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, 10:00 in London


class FakeClock:
    """A clock tests move by hand; its `sleep` advances time instead of waiting."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **delta: float) -> None:
        self.now += timedelta(seconds=seconds, **delta)

    async def sleep(self, seconds: float) -> None:
        # Let tasks that are ready run at the current time before time moves on.
        await asyncio.sleep(0)
        self.advance(max(seconds, 0))
        await asyncio.sleep(0)


def quiet_hours_elsewhere(now: datetime, zone: str = "Europe/London") -> QuietHours:
    """Quiet hours kept on, but from 6 to 7 hours after `now` (local time in `zone`).

    Tests that run on the wall clock (a real process, a browser) wait for messages
    that quiet hours would hold till morning: with this window no such wait depends on
    the time of day the suite runs, and quiet hours still run their check on each message.
    """
    local = now.astimezone(ZoneInfo(zone))
    start, end = local + timedelta(hours=6), local + timedelta(hours=7)
    return QuietHours(enabled=True, start=f"{start:%H:%M}", end=f"{end:%H:%M}")


def make_context(
    clock: FakeClock | None = None, path=None, policy: Policy | None = None
) -> Context:
    return Context(open_database(path), policy or Policy(), clock or FakeClock())


ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,pat@example.org,tenant
t2,Lee Chen,,tenant
s1,Sam Okafor,sam@example.org,staff
"""


def add_members(ctx: Context, csv_text: str = ROSTER) -> None:
    from handlers.members.roster import import_roster

    report = import_roster(ctx, io.StringIO(csv_text), skip_bad=False, actor="test")
    assert report.applied, report.problems


def link(
    ctx: Context, member_id: str, platform: str = "telegram", user_id: str | None = None
) -> None:
    user = user_id or f"u-{member_id}"
    members.link_identity(ctx.db, platform, user, user, member_id, ctx.now())


ROOT = Path(__file__).parents[1]


def run_mv(
    folder, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`mutual-voice ARGS` as a real process in `folder`, running this checkout's code
    (not whichever copy is installed), with no MUTUAL_VOICE_* settings inherited."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_VOICE")}
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [environment.get("PYTHONPATH")])]
    )
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=folder,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
