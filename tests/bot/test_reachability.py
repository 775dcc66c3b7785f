"""A platform outage gives one log line when it starts and one when it ends, whatever
the number of failed deliveries between; what the platform last said is kept for
`mutual-voice status`."""

from __future__ import annotations

import logging

from bot.outbox import Outcome
from storage import health, outbox
from storage.db import open_database
from tests.bot.test_outbox import rows, sender
from tests.helpers import FakeClock


class Outage:
    """A platform that fails every delivery while `down`."""

    def __init__(self) -> None:
        self.down = True
        self.delivered: list[str] = []

    async def __call__(self, row, message):
        if self.down:
            return Outcome(error="ConnectError: [Errno 111] Connection refused")
        self.delivered.append(row.key)
        return Outcome(ref=f"ref-{row.key}")


def outage_lines(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.reachability" and r.levelno >= logging.WARNING
    ]


async def test_an_outage_is_one_line_when_it_starts_and_one_when_it_ends(caplog):
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    db = open_database()
    outbox.enqueue(db, rows(40), clock())
    platform = Outage()
    sending = sender(db, platform, clock)
    for _ in range(6):  # two minutes of failing attempts, every message retried
        await sending.drain()
        clock.advance(minutes=20)
    assert len(outage_lines(caplog)) == 1
    assert outage_lines(caplog)[0].startswith(
        "telegram: not reachable since 2026-11-23T10:00:00+00:00: ConnectError"
    )
    down = health.platforms(db)["telegram"]
    assert down["down_since"] == "2026-11-23T10:00:00+00:00" and down["last_success"] is None
    assert "Connection refused" in down["last_error"]

    platform.down = False
    clock.advance(hours=1)
    await sending.drain()
    lines = outage_lines(caplog)
    assert len(lines) == 2 and lines[1].startswith("telegram: reachable again, after 3:")
    assert sorted(platform.delivered) == sorted(f"m{i}" for i in range(40))
    up = health.platforms(db)["telegram"]
    assert up["down_since"] is None and up["last_success"] == "2026-11-23T13:00:00+00:00"


async def test_a_single_failure_is_not_an_outage(caplog):
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    db = open_database()
    outbox.enqueue(db, rows(1), clock())
    platform = Outage()
    sending = sender(db, platform, clock)
    await sending.drain()  # one failure, then the platform answers
    platform.down = False
    clock.advance(minutes=5)
    await sending.drain()
    assert platform.delivered == ["m0"]
    assert outage_lines(caplog) == []
    assert health.platforms(db)["telegram"]["down_since"] is None
