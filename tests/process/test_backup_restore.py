"""`mutual-voice backup` and `restore` beside the real running bot, and one bot per database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.process.live import live_bot, mv

pytestmark = pytest.mark.slow

ROSTER = "member_id,name,email,constituency\n{rows}"


def roster(folder: Path, name: str, ids: list[str]) -> Path:
    path = folder / name
    path.write_text(
        ROSTER.format(rows="".join(f"{m},Tenant {m},,tenant\n" for m in ids)), encoding="utf-8"
    )
    return path


def member_ids(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("select member_id from members")}


async def test_backup_while_running_then_restore_after_a_crash(tmp_path):
    async with live_bot(tmp_path) as bot:
        first = await mv(
            tmp_path, "members", "import", str(roster(tmp_path, "a.csv", ["a1", "a2"]))
        )
        assert first.code == 0, first.err
        await bot.start()
        # Written while the bot holds the file open: these rows are in the -wal, not yet in
        # the main file, which is what a plain copy would miss.
        imported = await mv(tmp_path, "members", "import", str(roster(tmp_path, "b.csv", ["b1"])))
        assert imported.code == 0, imported.err
        made = await mv(tmp_path, "backup", "saved.db")
        assert made.code == 0, made.err
        assert "Backed up" in made.out
        saved = tmp_path / "saved.db"
        assert member_ids(saved) == {"a1", "a2", "b1"}
        assert not saved.with_name("saved.db-wal").exists()
        with sqlite3.connect(saved) as db:
            assert db.execute("pragma quick_check").fetchall() == [("ok",)]
            assert db.execute("pragma journal_mode").fetchone() == ("delete",)
        # Refused while the bot runs: one line, the database untouched.
        refused = await mv(tmp_path, "restore", "saved.db")
        assert refused.code != 0
        assert refused.err.strip().count("\n") == 0, refused.err
        assert "a bot is already running" in refused.err and "stop the bot first" in refused.err
        # After the backup: a change that the restore is to undo, then a crash, which
        # leaves it in the database's -wal.
        later = await mv(tmp_path, "members", "import", str(roster(tmp_path, "c.csv", ["c1"])))
        assert later.code == 0, later.err
        await bot.kill()
        database = tmp_path / "mv.db"
        assert database.with_name("mv.db-wal").stat().st_size > 0
        restored = await mv(tmp_path, "restore", "saved.db")
        assert restored.code == 0, restored.err
        aside = next(tmp_path.glob("mv.db.before-restore-*[0-9]"))
        assert not database.with_name("mv.db-wal").exists()
        assert not database.with_name("mv.db-shm").exists()
        assert member_ids(database) == {"a1", "a2", "b1"}
        # The replaced database keeps its own log beside it, so nothing is lost.
        assert aside.with_name(aside.name + "-wal").exists()
        assert member_ids(aside) == {"a1", "a2", "b1", "c1"}
        # The restored database runs (the lock went with the killed process).
        await bot.start()
        listed = await mv(tmp_path, "members", "list", "--json")
        assert listed.code == 0, listed.err
        assert "c1" not in listed.out and "b1" in listed.out
        assert await bot.stop() == 0
    assert "Traceback" not in bot.log, bot.log


async def test_a_second_bot_on_the_same_database_is_refused(tmp_path):
    async with live_bot(tmp_path) as bot:
        await mv(tmp_path, "members", "import", str(roster(tmp_path, "a.csv", ["a1"])))
        await bot.start("--log-format", "json")
        second = await mv(tmp_path, "run")
        assert second.code == 4  # refused: a service manager does not retry it
        lines = second.err.strip().splitlines()
        assert len(lines) == 1, second.err
        assert f"a bot is already running on {tmp_path / 'mv.db'}" in lines[0]
        assert f"process {bot.process.pid}" in lines[0]
        # The CLI still works beside the running bot.
        listed = await mv(tmp_path, "members", "list", "--json")
        assert listed.code == 0 and "a1" in listed.out
        assert await bot.stop() == 0
    # --log-format json: every line of the bot's log is one JSON object; no colour codes.
    entries = [json.loads(line) for line in bot.log.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert any(e["message"] == "slack connected" for e in entries)
    assert "\x1b[" not in bot.log


async def test_restore_refuses_what_is_not_a_mutual_voice_database(tmp_path):
    async with live_bot(tmp_path):
        await mv(tmp_path, "members", "import", str(roster(tmp_path, "a.csv", ["a1"])))
        other = tmp_path / "other.db"
        with sqlite3.connect(other) as db:
            db.execute("create table t (x)")
        (tmp_path / "empty.db").touch()
        (tmp_path / "text.db").write_text("member_id,name\n")
        for name, why in [
            ("other.db", "is not a Mutual Voice database"),
            ("empty.db", "is empty"),
            ("text.db", "is not an SQLite database"),
            ("missing.db", "no backup at"),
        ]:
            result = await mv(tmp_path, "restore", name)
            assert result.code != 0, name
            assert why in result.err and result.err.count("\n") == 1, result.err
        assert member_ids(tmp_path / "mv.db") == {"a1"}
        assert not list(tmp_path.glob("mv.db.before-restore-*"))
