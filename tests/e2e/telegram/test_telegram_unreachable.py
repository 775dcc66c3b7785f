"""Telegram out of reach at start-up is a network problem, said as such: not a config error."""

from __future__ import annotations

import asyncio
import dataclasses
import socket

import pytest

from bot.adapters import Unreachable
from bot.adapters.telegram import adapter as telegram
from bot.app import App
from bot.config import Settings, TelegramSettings
from tests.helpers import run_mv

TOKEN = "123456:AAsecret-token-never-shown"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_api_at_start_up_says_where_and_why(tmp_path):
    base_url = f"http://127.0.0.1:{closed_port()}/bot"
    settings = TelegramSettings(enabled=True, token=TOKEN, base_url=base_url)
    app = App(dataclasses.replace(Settings(), folder=tmp_path, telegram=settings))
    with pytest.raises(Unreachable) as unreachable:
        await telegram.start(app, asyncio.Event())
    app.db.close()
    message = str(unreachable.value)
    assert message.startswith(f"cannot reach Telegram at {base_url}: ")
    assert "AAsecret" not in message and "config" not in message


@pytest.mark.slow
def test_the_command_exits_with_its_own_status_and_one_line(tmp_path):
    base_url = f"http://127.0.0.1:{closed_port()}/bot"
    (tmp_path / "mutual-voice.toml").write_text(
        f'[telegram]\nenabled = true\ntoken = "{TOKEN}"\nbase_url = "{base_url}"\n'
    )
    assert run_mv(tmp_path, "init").returncode == 0  # the database the config names
    result = run_mv(tmp_path, "run")
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith(f"mutual-voice: cannot reach Telegram at {base_url}: ")
    assert result.stderr.count("\n") == 1 and "config error" not in result.stderr
    assert "AAsecret" not in result.stderr
