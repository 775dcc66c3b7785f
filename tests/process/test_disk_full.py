"""A full disk in the running bot (real runner, real adapters): the log says so once, not
once per failed write, and members get replies again as soon as there is room.

The disk is "full" for the bot's own connection through SQLite's max_page_count, which
fails writes with the same SQLITE_FULL a full disk gives."""

from __future__ import annotations

import io
import logging
import sqlite3
from datetime import UTC, datetime

import pytest

from bot import logs
from tests.process.harness import (
    ProcessClock,
    fakes,
    import_members,
    link_telegram,
    running,
    write_config,
)

pytestmark = pytest.mark.slow

ROSTER = "member_id,name,email,constituency\nt1,Tenant 1,,tenant\n"
USER = 7001


def fill_up(db) -> None:
    """No room left: the file may not grow, and its free pages are taken."""
    pages = db.execute("pragma page_count").fetchone()[0]
    db.execute(f"pragma max_page_count = {pages}")
    db.execute("create table if not exists filler (x)")
    try:
        while True:
            with db.conn:
                db.execute("insert into filler values (?)", ["x" * 2000])
    except sqlite3.OperationalError as error:
        assert "full" in str(error)


def make_room(db) -> None:
    db.execute("pragma max_page_count = 1073741823")
    with db.conn:
        db.execute("drop table filler")


async def test_a_full_disk_is_one_line_and_replies_resume(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = logs.make_handler("text", stream)
    logging.getLogger().addHandler(handler)
    clock = ProcessClock(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    try:
        async with fakes(clock) as (telegram, slack):
            config = write_config(tmp_path, telegram, slack)

            def set_up(app) -> None:
                import_members(app, ROSTER)
                telegram.add_user(USER)
                link_telegram(app, "t1", USER)

            async with running(config, clock, telegram, slack, set_up) as bot:
                first = telegram.push_message(USER, "/help")
                await bot.handled(first, "a /help before the disk fills")
                replies = len(bot.telegram_texts(USER))
                fill_up(bot.app.db)
                for _ in range(30):
                    telegram.push_message(USER, "/help")

                def failures() -> int:
                    # (counted by logger: the log's filters reword the records themselves)
                    return sum(
                        r.name == "bot.adapters.telegram.adapter" and r.levelno == logging.ERROR
                        for r in caplog.records
                    )

                await bot.until(lambda: failures() >= 20, "20 updates to fail on the full disk")
                full_lines = [
                    line for line in stream.getvalue().splitlines() if "disk full" in line
                ]
                assert len(full_lines) == 1, stream.getvalue()
                assert "Traceback" not in stream.getvalue(), stream.getvalue()
                make_room(bot.app.db)
                again = telegram.push_message(USER, "/help")
                await bot.handled(again, "a /help once there is room")
                assert len(bot.telegram_texts(USER)) > replies
    finally:
        logging.getLogger().removeHandler(handler)
