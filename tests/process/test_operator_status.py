"""`mutual-voice status` and GET /healthz on the real running bot."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from tests.process.live import live_bot, mv

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def waiting_and_failed_rows(database) -> None:
    """Three messages due tomorrow (a scheduled reminder, say), and two given up on."""
    now = datetime.now(UTC)
    with sqlite3.connect(database) as db:
        for n in range(5):
            failed = n >= 3
            db.execute(
                "insert into outbox (key, platform, chat_id, payload, status, attempts, "
                "not_before, created_at, error) values (?, 'telegram', ?, '{}', ?, ?, ?, ?, ?)",
                [
                    f"test:{n}",
                    f"70{n}",
                    "failed" if failed else "pending",
                    10 if failed else 0,
                    (now + timedelta(days=1)).isoformat(timespec="seconds"),
                    (now - timedelta(minutes=10)).isoformat(timespec="seconds"),
                    "HTTPStatusError: 502 Bad Gateway" if failed else None,
                ],
            )


async def test_status_and_healthz_on_the_running_bot(tmp_path):
    port = free_port()
    async with live_bot(tmp_path, f"\n[web]\nenabled = true\nport = {port}\n") as bot:
        waiting_and_failed_rows(tmp_path / "mv.db")
        stopped = await mv(tmp_path, "status")
        assert stopped.code == 1 and stopped.out.startswith("Bot: not running")
        await bot.start()
        shown = await mv(tmp_path, "status")
        assert shown.code == 0, shown.err
        lines = shown.out.splitlines()
        assert lines[0] == f"Bot: running (process {bot.process.pid})"
        assert any(
            line.startswith("telegram: ") and "3 waiting, oldest 10 min old" in line
            for line in lines
        ), lines
        assert any(line.startswith("slack: ") for line in lines)
        assert "Delivery errors (last day): telegram failed: HTTPStatusError x2" in lines
        assert any(line.startswith("Job votes: last success") for line in lines)
        assert re.fullmatch(
            rf"Database: {re.escape(str(tmp_path / 'mv.db'))}, \d+\.\d (KB|MB) \(\+ .* log\)",
            lines[-1],
        ), lines[-1]

        found = json.loads((await mv(tmp_path, "status", "--json")).out)
        assert found["alive"] and found["pid"] == bot.process.pid
        telegram = found["platforms"]["telegram"]["backlog"]
        assert telegram["waiting"] == 3 and telegram["drains_in_seconds"] is None
        assert 590 <= telegram["oldest_age_seconds"] <= 3600
        assert found["database"]["bytes"] > 0

        async with (
            aiohttp.ClientSession() as http,  # no cookie, no sign-in
            http.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("application/json")
            health = await response.json()
        assert health["alive"] and health["pid"] == bot.process.pid
        assert health["platforms"]["telegram"]["backlog"]["waiting"] == 3
        assert {j["job"] for j in health["jobs"]} == {j["job"] for j in found["jobs"]}
        assert health["recent_errors"] == found["recent_errors"]
        assert await bot.stop() == 0
