"""A message delivered while the disk is too full to note it is noted once there is room,
so neither the running sender nor a restart sends it again."""

from __future__ import annotations

import sqlite3

import pytest

from storage import outbox
from storage.db import open_database
from tests.bot.test_outbox import Recorder, rows, sender
from tests.helpers import FakeClock


async def test_deliveries_noted_late_are_not_sent_again(tmp_path, monkeypatch):
    clock = FakeClock()
    path = tmp_path / "mv.db"
    db = open_database(path)
    outbox.enqueue(db, rows(5), clock())
    platform = Recorder()
    sending = sender(db, platform, clock)
    real_mark_sent = outbox.mark_sent
    full = True

    def mark_sent(*args, **kwargs):
        if full:
            raise sqlite3.OperationalError("database or disk is full")
        return real_mark_sent(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent", mark_sent)
    await sending.drain()
    assert len(platform.delivered) == 5
    assert {r["status"] for r in outbox.rows_for(db)} == {"sending"}
    with pytest.raises(sqlite3.OperationalError):
        await sending.drain()  # still full: the notes wait, nothing is sent again
    assert len(platform.delivered) == 5
    full = False  # room again
    await sending.drain()
    assert {r["status"] for r in outbox.rows_for(db)} == {"sent"}
    db.close()
    restarted = sender(open_database(path), platform, clock)
    restarted.recover()
    assert await restarted.drain() == 0
    assert len(platform.delivered) == 5
