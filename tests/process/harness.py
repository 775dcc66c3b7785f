"""The whole bot in one process: the real runner, both real adapters, the real APScheduler,
against FakeTelegram and FakeSlack, on a clock the test moves.

`Bot.at(moment)` moves the clock and nudges the scheduler, as if the process had been
running until then; what members and the council see is read from the fakes.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import App
from bot.config import Settings, load_settings
from bot.runner import run_platforms
from handlers.members.roster import import_roster
from storage import conversations, members, outbox
from storage import jobs as job_runs
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import FakeClock

TELEGRAM_TOKEN = "123456789:test-telegram-token"
SLACK_TOKEN = "xoxb-test-token"
SLACK_SECRET = "test-signing-secret"
COUNCIL = "C0COUNCIL"
IDLE = 3600.0  # the senders' poll interval: longer than any wait here, so they park
PARK = 60.0


class ProcessClock(FakeClock):
    """The process's clock: the test moves it. A wait of a minute or more (a sender's idle
    poll, a message due later) parks until the sender is woken; a shorter one (pacing,
    retry-after) moves time on by whole seconds. So only the test moves time far."""

    async def sleep(self, seconds: float) -> None:
        if seconds >= PARK:
            await asyncio.Future()  # cancelled when the sender is woken or stopped
        await super().sleep(max(1, math.ceil(seconds)))


def free_port() -> int:
    """A port nobody listens on now (a config names a real port; 0 is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(folder: Path, telegram: FakeTelegram, slack: FakeSlack, extra: str = "") -> Path:
    """A config file as an operator would write it, pointing at the fakes."""
    path = folder / "mutual-voice.toml"
    path.write_text(
        f"""
[organisation]
name = "Riverside Homes"
timezone = "Europe/London"
constituencies = ["staff", "tenant"]

[storage]
database = "mv.db"

[outbox]
poll_seconds = {IDLE}

[scheduler]
tick_seconds = 3600

[telegram]
enabled = true
token = "{TELEGRAM_TOKEN}"
base_url = "{telegram.base_url}"
base_file_url = "{telegram.base_file_url}"

[slack]
enabled = true
bot_token = "{SLACK_TOKEN}"
signing_secret = "{SLACK_SECRET}"
api_url = "{slack.api_url}"
port = {free_port()}
council_channel = "{COUNCIL}"
constituencies = ["staff"]
{extra}
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Bot:
    """One run of the bot process (the runner task) and the world around it."""

    app: App
    clock: ProcessClock
    telegram: FakeTelegram
    slack: FakeSlack
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def at(self, moment: datetime) -> None:
        """Move the clock on to `moment` and let the scheduler see it."""
        assert moment >= self.clock.now, "the clock only moves forward"
        self.clock.now = moment
        assert self.app.scheduler is not None
        self.app.scheduler.nudge()
        for sender in self.app.senders.values():
            sender.wake()
        await asyncio.sleep(0)

    async def until(self, predicate: Callable[[], Any], what: str, timeout: float = 30) -> Any:
        """Wait (on real events, not time) until `predicate()` holds."""
        try:
            async with asyncio.timeout(timeout):
                while not (result := predicate()):
                    if self.task.done():
                        self.task.result()  # the bot stopped: show why
                        raise AssertionError(f"the bot stopped before {what}")
                    await asyncio.sleep(0.02)
                return result
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    def telegram_texts(self, user: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.telegram.sent(chat_id=user)]

    def slack_texts(self, channel: str) -> list[str]:
        return [m.get("text") or "" for m in self.slack.posted(channel)]

    def dm(self, user: str) -> str:
        return self.slack.dm_channel(user)

    async def press(self, user: int, label: str) -> None:
        """Press the button labelled `label` on the latest message to `user` that has it."""
        for message in reversed(self.telegram.sent(chat_id=user)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in (b for row in rows for b in row):
                if label in button["text"]:
                    update_id, _ = self.telegram.push_callback(
                        user, message["message_id"], button["callback_data"]
                    )
                    await self.handled(update_id, f"{user}'s press of {label!r}")
                    return
        raise AssertionError(f"no button {label!r} in chat {user}: {self.telegram_texts(user)}")

    async def handled(self, update_id: int, what: str) -> None:
        """Wait until the bot has handled Telegram update `update_id` and sent its replies."""

        def done() -> bool:
            seen = conversations.handled(self.app.db, "telegram", str(update_id))
            return seen and outbox.waiting(self.app.db, "telegram") == 0

        await self.until(done, f"the bot to handle {what}")

    async def halt(self) -> None:
        self.stop.set()
        await self.task


@asynccontextmanager
async def fakes(
    clock: Callable[[], datetime],
) -> AsyncIterator[tuple[FakeTelegram, FakeSlack]]:
    """Both fake platforms, their rate limits following `clock`."""
    stamp = lambda: clock().timestamp()  # noqa: E731
    async with (
        FakeTelegram(TELEGRAM_TOKEN, clock=stamp) as telegram,
        FakeSlack(SLACK_TOKEN, clock=stamp, channels=[COUNCIL]) as slack,
    ):
        yield telegram, slack


@asynccontextmanager
async def running(
    config: Path,
    clock: ProcessClock,
    telegram: FakeTelegram,
    slack: FakeSlack,
    before: Callable[[App], None] = lambda app: None,
) -> AsyncIterator[Bot]:
    """Start the bot as `mutual-voice run` would, on `clock` (after `before(app)`, which may
    write rows as a CLI command would); stop it at the end."""
    settings: Settings = load_settings(config, environ={})
    app = App(settings, clock=clock, sleep=clock.sleep)
    before(app)
    stop = asyncio.Event()
    task = asyncio.create_task(run_platforms(app, stop))
    bot = Bot(app, clock, telegram, slack, stop, task)
    await bot.until(lambda: app.scheduler is not None and app.scheduler._aps, "the bot to start")
    # The first tick notes when each cron job last ran (a first start only sets that):
    # the test moves the clock after it, or a job due meanwhile would be taken as seen.
    await bot.until(
        lambda: all(job_runs.last_run(app.db, job.id) for job in app.scheduler.jobs if job.cron),
        "the first tick to note when each scheduled job last ran",
    )
    try:
        yield bot
    finally:
        if not task.done():
            await bot.halt()
        app.db.close()


def import_members(app: App, roster: str) -> None:
    report = import_roster(app.ctx, io.StringIO(roster), skip_bad=False, actor="test")
    assert report.applied, report.problems


def link_telegram(app: App, member_id: str, user: int) -> None:
    members.link_identity(app.db, "telegram", str(user), str(user), member_id, app.clock())


def no_tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """Log lines that carry a traceback or report an error."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in records
        if r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()
    ]
