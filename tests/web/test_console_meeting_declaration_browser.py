"""Paper ballots and the declaration in a real browser: a teller types the ballots, the
returning officer accepts the entry, and later signs the declaration off after its
confirmation page; each page passes axe-core's WCAG 2.2 A and AA checks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.votes.admin import close_vote
from tests.handlers.meetings.test_paper import AGM, CSV
from tests.web.test_console_browser import CHROMIUM, free_port
from tests.web.test_console_forms_browser import Console, console_in_browser, shot, violations
from tests.web.test_console_meeting_paper import meeting_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


@pytest.fixture
async def console_served(tmp_path, clock) -> AsyncIterator[Console]:
    port = free_port()
    kit = meeting_app(tmp_path, clock, enabled=True, port=port)
    kit.vote("m1", "rules", "For")
    app = kit.app
    async with console_in_browser(app, port) as console:
        yield console


async def test_paper_ballots_and_the_sign_off_on_accessible_pages(console_served) -> None:
    console = console_served
    page = await console.signed_in_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the buttons' "are you sure?"
    await page.goto(f"{console.base}/meetings/{AGM.id}/paper")
    await page.get_by_label("Or type them, one ballot a line").fill(CSV)
    await page.get_by_role("button", name="Enter these ballots").click()
    await page.get_by_text("Entered by Sam Okafor (s1): 8 paper ballots.").wait_for()
    assert await violations(page) == []
    await shot(page, "40-meeting-paper-entered")
    await page.get_by_role("button", name="Accept the entry by Sam Okafor (s1)").click()
    await page.get_by_text("Counted the paper ballots entered by Sam Okafor (s1)").wait_for()
    assert await violations(page) == []

    for vote_id in ("rules", "board"):
        close_vote(console.app.ctx, vote_id, "test")
    await page.goto(f"{console.base}/meetings/{AGM.id}/declaration")
    await page.get_by_role("heading", name="Board & <council> (election, board)").wait_for()
    assert await violations(page) == []
    await page.get_by_role("link", name="Sign off the declaration…").click()
    await page.get_by_role("heading", name="Sign off the declaration of").wait_for()
    assert await violations(page) == []
    await page.get_by_role("button", name="Sign off and tell the members").click()
    await page.get_by_text("The results are queued to 5 members").wait_for()
    await page.get_by_text("(the returning officer).").wait_for()
    assert await violations(page) == []
    await shot(page, "41-meeting-declaration-signed")
