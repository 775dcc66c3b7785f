"""The last meeting steps in a real browser: creating a meeting from its file (a refusal
by the rules, then the preview and "Give notice and create"), the society's rules with a
mistaken file checked, and the chair's proxy ballot cast at the desk; each page, with
its red box where there is one, passes axe-core's WCAG 2.2 A and AA checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from handlers.meetings import proxies
from handlers.votes.admin import create_vote, open_vote
from storage.meetings import queries as store
from storage.votes import queries as votes
from tests.bot.test_rules_cli import BAD
from tests.handlers.votes.test_votes import definition
from tests.web.meeting_console import society
from tests.web.test_console_browser import CHROMIUM, free_port
from tests.web.test_console_forms_browser import Console, console_in_browser, shot, violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]
SGM = """id = "sgm-2027"
title = "Special general meeting"
kind = "general"
starts = {starts:%Y-%m-%dT%H:%M:00Z}
place = "Riverside Community Hall"
[[agenda]]
title = "Adopt the new rules"
resolution = "special"
"""


@pytest.fixture
async def console_served(tmp_path) -> AsyncIterator[Console]:
    port = free_port()
    now = datetime.now(UTC)
    app = society(tmp_path, now + timedelta(days=30), enabled=True, port=port)
    tenants = {"meeting": "agm-2027", "constituencies": ("tenant",)}
    adopt = definition(id="adopt", opens=now, closes=now + timedelta(days=7), **tenants)
    create_vote(app.ctx, adopt, "test")
    proxies.appoint(app.ctx, "agm-2027", "t1", "chair", {"adopt": "Against"})
    proxies.appoint(app.ctx, "agm-2027", "t3", "chair")
    list(open_vote(app.ctx, "adopt"))
    async with console_in_browser(app, port) as console:
        yield console


def toml(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "application/toml", "buffer": text.encode()}


async def test_create_a_meeting_check_rules_and_cast_the_chairs_proxies(console_served) -> None:
    app, now = console_served.app, datetime.now(UTC)
    page = await console_served.signed_in_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))

    await page.get_by_role("link", name="Meetings").click()
    chooser = page.get_by_label("Meeting (TOML, as in examples/meeting-agm.toml)")
    await chooser.set_input_files(toml("sgm.toml", SGM.format(starts=now + timedelta(days=3))))
    await page.get_by_role("button", name="Preview").click()
    await page.get_by_role("alert").get_by_text("clear days' notice").wait_for()
    assert await page.get_by_role("button", name="Give notice and create").count() == 0
    assert await violations(page) == []
    await page.get_by_role("link", name="Back to the meetings").click()
    chooser = page.get_by_label("Meeting (TOML, as in examples/meeting-agm.toml)")
    await chooser.set_input_files(toml("sgm.toml", SGM.format(starts=now + timedelta(days=40))))
    await page.get_by_role("button", name="Preview").click()
    await page.get_by_role("heading", name="New meeting: Special general meeting").wait_for()
    await page.get_by_text("6 members will be on the roll").wait_for()
    assert await violations(page) == []
    await shot(page, "35-meeting-create-preview")
    await page.get_by_role("button", name="Give notice and create").click()
    await page.get_by_text("Created meeting sgm-2027;").wait_for()
    assert page.url.endswith("/meetings/sgm-2027")
    assert store.get(app.db, "sgm-2027") is not None

    await page.get_by_role("link", name="Rules").click()
    await page.get_by_role("heading", name="The society's rules").wait_for()
    await page.get_by_label("Rules file (TOML, as in examples/rules.toml)").set_input_files(
        toml("bad.toml", BAD)
    )
    await page.get_by_role("button", name="Check").click()
    await page.get_by_role("alert").get_by_text("3 problems").wait_for()
    await page.get_by_text("proxies.allowed: must be true or false").wait_for()
    assert await violations(page) == []
    await shot(page, "36-rules")

    await page.goto(f"{console_served.base}/meetings/agm-2027/proxies")
    await page.get_by_role("heading", name="The chair's proxy votes").wait_for()
    await page.get_by_role("button", name="Cast Pat Murphy's ballot in adopt").wait_for()
    await page.get_by_label("Ruth Adeyemi's choice").select_option("For")
    await page.get_by_role("button", name="Cast Ruth Adeyemi's ballot in adopt").press("Enter")
    await page.get_by_text("t3's ballot in adopt is cast by proxy").wait_for()
    assert votes.has_voted(app.db, "adopt", "t3")
    assert await violations(page) == []
    await shot(page, "37-meeting-proxy-cast")
