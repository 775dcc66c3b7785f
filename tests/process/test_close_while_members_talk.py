"""In the running bot (real runner, real adapters, real APScheduler), a round closes in
parts and a member who writes meanwhile is answered before the close is done."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import scheduler as scheduler_module
from storage import secrecy
from storage.pulses import queries as pulses
from tests.process.harness import (
    ProcessClock,
    fakes,
    import_members,
    link_telegram,
    no_tracebacks,
    running,
    write_config,
)
from tests.process.test_month import SURVEY

pytestmark = pytest.mark.slow

TENANTS = {f"t{n:02}": 7000 + n for n in range(1, 21)}
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Tenant {m[1:]},,tenant\n" for m in TENANTS
)


def round_state(db) -> tuple[bool, bool]:
    row = db.execute("select closing_at, closed_at from pulse_rounds").fetchone()
    return bool(row and row[0]), bool(row and row[1])


async def test_a_member_is_answered_while_a_round_closes_in_parts(
    tmp_path: Path, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(secrecy, "PART", 1)  # a part per row: the close takes many parts
    monkeypatch.setattr(pulses, "REKEY_PART", 1)
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "tenant-check.toml").write_text(SURVEY, encoding="utf-8")
    clock = ProcessClock(datetime(2026, 12, 2, 9, 59, tzinfo=UTC))  # a Wednesday
    async with fakes(clock) as (telegram, slack):
        config = write_config(tmp_path, telegram, slack, '\n[surveys]\nfolder = "surveys"\n')

        def set_up(app) -> None:
            import_members(app, ROSTER)
            for member_id, user in TENANTS.items():
                telegram.add_user(user)
                link_telegram(app, member_id, user)

        async with running(config, clock, telegram, slack, set_up) as bot:
            await bot.at(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
            await bot.until(
                lambda: all(bot.telegram_texts(u) for u in TENANTS.values()),
                "the check-in's question to reach every tenant",
            )
            for user in list(TENANTS.values())[:12]:
                await bot.press(user, "Agree")

            # The close waits between its parts until the member has been answered: if a
            # part held the loop, the member's message could not be handled meanwhile.
            answered = asyncio.Event()
            seen_while_closing: list[tuple[bool, bool]] = []

            async def let_others_run() -> None:
                await asyncio.sleep(0.001)
                closing, closed = round_state(bot.app.db)
                if closing and not closed and not answered.is_set():
                    seen_while_closing.append((closing, closed))
                    await asyncio.wait_for(answered.wait(), timeout=20)

            monkeypatch.setattr(scheduler_module, "let_others_run", let_others_run)
            await bot.at(datetime(2026, 12, 4, 10, 0, tzinfo=UTC))  # the round closes
            await bot.until(lambda: seen_while_closing, "the close to begin")
            asker = TENANTS["t20"]
            update_id = telegram.push_message(asker, "/help")
            await bot.handled(update_id, "a tenant's /help during the close")
            assert round_state(bot.app.db) == (True, False)  # still closing
            assert "/pulse" in bot.telegram_texts(asker)[-1]
            answered.set()
            await bot.until(lambda: round_state(bot.app.db)[1], "the round to finish closing")
            assert not list(
                bot.app.db.execute("select 1 from pulse_answers where respondent < 's'")
            )
            assert bot.app.db["pulse_participation"].count == 12

    assert no_tracebacks(caplog.records) == []
