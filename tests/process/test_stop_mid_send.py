"""Asked to stop during a mass send, the running bot stops at once and leaves the
backlog in the outbox for the next start (issue 29: it drained the whole backlog first,
so a service manager ended it with SIGKILL); the next start sends the rest, each once.
(Starting the Slack sender once reset Telegram's rows in flight: 15 went twice.)"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.messages import Message, Recipient
from storage import outbox
from tests.process.harness import (
    ProcessClock,
    fakes,
    import_members,
    link_telegram,
    no_tracebacks,
    running,
    write_config,
)

pytestmark = pytest.mark.slow

TENANTS = {f"t{n:04}": 20_000 + n for n in range(250)}  # a backlog; more proves nothing
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Tenant {m[1:]},,tenant\n" for m in TENANTS
)


async def test_a_stop_during_a_mass_send_leaves_the_backlog_for_the_next_start(
    tmp_path: Path, caplog
):
    caplog.set_level(logging.INFO)
    clock = ProcessClock(datetime(2026, 12, 2, 11, 0, tzinfo=UTC))
    async with fakes(clock) as (telegram, slack):
        config = write_config(tmp_path, telegram, slack)

        def set_up(app) -> None:
            import_members(app, ROSTER)
            with app.db.atomic():
                for member_id, user in TENANTS.items():
                    telegram.add_user(user)
                    link_telegram(app, member_id, user)

        async with running(config, clock, telegram, slack, set_up) as bot:
            bot.app.postman.post(
                Message(
                    Recipient.of(m), "The AGM is on Thursday.", key=f"agm:{m}", quiet_hours=True
                )
                for m in TENANTS
            )
            bot.app.senders["telegram"].wake()
            await bot.until(lambda: len(telegram.sent()) >= 100, "the send to get going")
            await bot.halt()  # SIGTERM
            counts = dict(bot.app.db.execute("select status, count(*) from outbox group by status"))
        print(f"at the stop: {counts}")
        assert "sending" not in counts and counts.get("pending", 0) > 100
        async with running(config, clock, telegram, slack) as again:
            await again.until(
                lambda: outbox.waiting(again.app.db, "telegram") == 0, "the rest", timeout=120
            )
    per_chat = Counter(
        call.params["chat_id"] for call in telegram.calls_to("sendMessage") if call.status == 200
    )
    assert {per_chat[user] for user in TENANTS.values()} == {1}  # each once, none lost
    assert no_tracebacks(caplog.records) == []
