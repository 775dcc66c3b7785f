"""Telegram goes away and comes back while the real bot process has messages to send: the
log says so in one line when it starts and one when it ends, with no tracebacks, and
every message is delivered once it is back."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime

import pytest

from tests.process.live import live_bot
from tests.process.switch import Switch

pytestmark = pytest.mark.slow

USERS = [7101, 7102, 7103, 7104, 7105]


def queue_news(database) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with sqlite3.connect(database) as db:
        for user in USERS:
            db.execute(
                "insert into outbox (key, platform, chat_id, payload, status, not_before, "
                "created_at) values (?, 'telegram', ?, ?, 'pending', ?, ?)",
                [f"news:{user}", str(user), json.dumps({"text": "The hall is painted"}), now, now],
            )


async def test_an_outage_is_one_line_when_it_starts_and_one_when_it_ends(tmp_path):
    async with live_bot(tmp_path) as bot:
        for user in USERS:
            bot.telegram.add_user(user)
        port = bot.telegram.base_url.split(":")[2].split("/")[0]
        async with Switch(int(port)) as switch:
            config = tmp_path / "mutual-voice.toml"
            config.write_text(config.read_text().replace(f":{port}/", f":{switch.port}/"))
            await bot.start()
            switch.down()
            queue_news(tmp_path / "mv.db")
            async with asyncio.timeout(60):
                while "telegram: not reachable since" not in bot.log:
                    await asyncio.sleep(0.1)
            switch.up = True
            async with asyncio.timeout(90):
                while not all(bot.telegram.sent(chat_id=user) for user in USERS):
                    await asyncio.sleep(0.1)
            assert "telegram: reachable again" in bot.log
            assert await bot.stop() == 0
    lines = bot.log.splitlines()
    assert sum("not reachable since" in line for line in lines) == 1, bot.log
    assert sum("reachable again" in line for line in lines) == 1, bot.log
    assert "Traceback" not in bot.log, bot.log
    assert all(len(bot.telegram.sent(chat_id=user)) == 1 for user in USERS)
