"""The console demo shows what the README walks through at any hour: quiet hours
(21:00-08:00, when members are not messaged unasked) are off in the demo organisation."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.config import load_settings
from bot.runner import run_console
from storage.db import open_database
from tests.helpers import FakeClock

NIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 23:30 in London: inside quiet hours


@pytest.fixture
def app(tmp_path):
    app = App(load_settings(None), clock=FakeClock(NIGHT), db=open_database(tmp_path / "demo.db"))
    assert app.seed_demo()
    yield app
    app.db.close()


async def talk(app: App, member_id: str, *lines: str) -> str:
    out = io.StringIO()
    await run_console(app, member_id, io.StringIO("".join(f"{line}\n" for line in lines)), out)
    return out.getvalue()


async def test_the_suggestion_walk_through_works_at_night(app):
    sent = await talk(
        app,
        "demo-tenant-1",
        "/suggest",
        "The stairwell light at Oak House has been broken for weeks",
        "2",
        "1",
    )
    assert "SUGGESTION #1 · MY HOME" in sent and "has gone to the staff council" in sent
    replied = await talk(
        app, "demo-staff-1", "/suggestions", "1", "5", "Thanks for telling us. Which floor is it?"
    )
    assert "Reply sent to the suggester of #1:" in replied
    answered = await talk(app, "demo-tenant-1", "1", "The second floor, by the lift.")
    before = answered.split("> 1")[0]
    assert "Thanks for telling us. Which floor is it?" in before  # shown at once, not at 08:00
    relayed = answered.split("> The second floor, by the lift.")[1]
    assert "[to the staff council]" in relayed and "The second floor, by the lift." in relayed


def test_the_demo_says_quiet_hours_are_off_and_a_real_organisation_keeps_them(app, tmp_path):
    assert not app.ctx.policy.quiet_hours.enabled
    assert not app.settings.quiet_hours.enabled
    real = App(load_settings(None), clock=FakeClock(NIGHT), db=open_database(tmp_path / "r.db"))
    assert real.ctx.policy.quiet_hours.enabled
    real.db.close()
