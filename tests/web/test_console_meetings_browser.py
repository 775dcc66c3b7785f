"""A meeting's console page in a real browser: a teller checks a member in, the quorum
changes, and the page passes axe-core's WCAG 2.2 A and AA checks."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from bot.config import Settings, WebSettings
from handlers.meetings.admin import create_meeting
from handlers.settings import Admin, Organisation
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.helpers import add_members
from tests.web.test_console_browser import CHROMIUM, free_port
from tests.web.test_console_forms_browser import (
    ROSTER,
    Console,
    console_in_browser,
    shot,
    violations,
)

RULES = """
[notice]
clear_days = 0
[quorum]
members = 2
counts = ["in-person", "online"]
[proxies]
allowed = false
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


@pytest.fixture
async def console_served(tmp_path) -> AsyncIterator[Console]:
    (tmp_path / "rules.toml").write_text(RULES)
    port = free_port()
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=("s1",)),
        organisation=Organisation(rules=str(tmp_path / "rules.toml")),
        web=WebSettings(enabled=True, port=port),
    )
    app = App(settings)
    add_members(app.ctx, ROSTER)
    starts = datetime.now(UTC) + timedelta(minutes=30)  # check-in is open
    agenda = (AgendaItem("Adopt the new rules", resolution="special"),)
    create_meeting(
        app.ctx,
        Meeting("egm", "Special general meeting", starts, agenda, "general", "The hall"),
        "test",
    )
    async with console_in_browser(app, port) as console:
        yield console


async def test_a_teller_checks_a_member_in_on_an_accessible_page(console_served) -> None:
    page = await console_served.signed_in_page()
    await page.get_by_role("link", name="Meetings").click()
    await page.get_by_role("link", name="Special general meeting").click()
    await page.get_by_text("Not reached").wait_for()
    await page.get_by_label("Member id or the code on their letter").fill("t1")
    await page.get_by_role("radio", name="Online").check()
    await page.get_by_role("button", name="Check in").click()
    await page.get_by_text("Checked in t1 (online).").wait_for()
    await page.get_by_text("0 in person, 1 online, 0 by proxy").wait_for()
    await shot(page, "30-meeting-checkin")
    assert await violations(page) == []
