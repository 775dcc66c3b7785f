"""A close that cannot go on is kept where it was, told once, and carried on once it can."""

from __future__ import annotations

import logging
import sqlite3

from bot.postman import Postman
from bot.scheduler import Scheduler
from handlers.console.overview import overview
from handlers.messages import Message
from handlers.pulses import rounds as pulse_rounds
from storage import secrecy
from storage.pulses import queries as pulses
from tests.handlers.test_secrecy_attacks import _six_answers


def test_a_close_that_cannot_go_on_is_told_once_and_carried_on_later(tmp_path, monkeypatch, caplog):
    ctx, _, _, round_row = _six_answers(tmp_path, 0)
    ctx.clock.advance(days=30)
    shuffle = secrecy.shuffle_member_order_in_parts

    def broken(db, part=None):
        yield
        raise sqlite3.IntegrityError("UNIQUE constraint failed: tier_nudges.member_id")

    monkeypatch.setattr(secrecy, "shuffle_member_order_in_parts", broken)
    told = []
    with caplog.at_level(logging.ERROR):
        for _ in range(3):  # three ticks
            told += [m for m in pulse_rounds.tick(ctx, ctx.now()) if isinstance(m, Message)]
    assert len({m.key for m in told}) == 1 and told[0].to.staff_council
    assert "UNIQUE constraint failed" in told[0].text and "mutual-voice jobs" in told[0].text
    assert len([r for r in caplog.records if "cannot go on" in r.getMessage()]) == 1
    jobs = Scheduler(ctx, Postman(ctx.db, ctx.clock, None, "Europe/London")).describe()
    [stuck] = [j for j in jobs if j["job"].startswith("close ")]
    assert "UNIQUE constraint" in stuck["last_error"]
    assert overview(ctx)["stuck_closes"][0]["close"] == "round 1 of staff-pulse"
    assert not pulses.get_round(ctx.db, round_row["id"])["closed_at"]

    monkeypatch.setattr(secrecy, "shuffle_member_order_in_parts", shuffle)  # fixed
    list(pulse_rounds.tick(ctx, ctx.now()))
    row = pulses.get_round(ctx.db, round_row["id"])
    assert row["closed_at"] and row["close_error"] is None
    assert overview(ctx)["stuck_closes"] == []
