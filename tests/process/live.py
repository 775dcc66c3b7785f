"""The real `mutual-voice run` process against FakeTelegram and FakeSlack, for operator's
tests: start it, run CLI commands beside it, stop it or kill it.

Everything is awaited, never blocked on, so the fakes (served by the test's event loop)
keep answering the bot while a CLI command runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.db import open_database
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import ROOT
from tests.process.harness import fakes, write_config


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if "proxy" not in k.lower() and not k.startswith("MUTUAL_VOICE")
    }
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(extra or {})}


@dataclass
class Result:
    code: int
    out: str
    err: str


async def mv(folder: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """`mutual-voice ARGS` as its own process in `folder` (the config is found there)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=folder, env=environment(env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


@dataclass
class Live:
    folder: Path
    telegram: FakeTelegram
    slack: FakeSlack
    process: asyncio.subprocess.Process | None = None

    @property
    def log(self) -> str:
        path = self.folder / "bot.log"
        return path.read_text() if path.exists() else ""

    async def start(
        self, *args: str, until: str = "slack connected", env: dict[str, str] | None = None
    ) -> None:
        """Start `mutual-voice [ARGS] run` (with `env` added to its environment) and wait
        until its log says `until`."""
        log = (self.folder / "bot.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, "run",
            cwd=self.folder, env=environment(env), stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        async with asyncio.timeout(60):
            while until not in self.log:
                assert self.process.returncode is None, self.log
                await asyncio.sleep(0.05)

    async def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 60)
        self.process = None
        return code

    async def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        self.process = None


def quick_config(folder: Path, telegram: FakeTelegram, slack: FakeSlack, extra: str = "") -> Path:
    config = write_config(folder, telegram, slack, extra)
    text = config.read_text().replace("tick_seconds = 3600", "tick_seconds = 1")
    config.write_text(text.replace("poll_seconds = 3600.0", "poll_seconds = 0.5"))
    return config


def telegram_only_config(folder: Path, telegram: FakeTelegram, slack: FakeSlack) -> Path:
    """`quick_config` with Slack off: a start that connects to one platform is quicker."""
    config = quick_config(folder, telegram, slack)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[slack]\nenabled = true", "[slack]\nenabled = false"))
    return config


@asynccontextmanager
async def live_bot(folder: Path, extra: str = "") -> AsyncIterator[Live]:
    """The fakes and a config in `folder` pointing at them; the bot is not started yet."""
    async with fakes(lambda: datetime.now(UTC)) as (telegram, slack):
        quick_config(folder, telegram, slack, extra)
        open_database(folder / "mv.db").close()  # as `mutual-voice init` leaves it
        live = Live(folder, telegram, slack)
        try:
            yield live
        finally:
            if live.process is not None:
                await live.stop()
