"""A meeting's nominations and proxies pages in a real browser, used with the keyboard
alone: an officer rejects and confirms candidates, creates the seat's election, and
appoints and revokes a proxy; each page, with a refusal in its red box, passes axe-core's
WCAG 2.2 A and AA checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from handlers.meetings import nominations, proxies
from handlers.votes.state import local_time
from tests.web.meeting_console import nominate, society
from tests.web.test_console_browser import CHROMIUM, free_port
from tests.web.test_console_forms_browser import Console, console_in_browser, shot, violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


@pytest.fixture
async def console_served(tmp_path) -> AsyncIterator[Console]:
    port = free_port()
    app = society(tmp_path, datetime.now(UTC) + timedelta(days=30), enabled=True, port=port)
    # Nominations as the chat leaves them, closed: two stand for the board.
    nominations.open_nominations(app.ctx, "agm-2027", "test")
    nominate(app, "t1", "Twenty years a tenant; I will listen.", seconder="t3")
    nominate(app, "t2", "Fix the lifts <first>.", seconder="t4")
    nominations.close_nominations(app.ctx, "agm-2027", "test")
    proxies.appoint(app.ctx, "agm-2027", "t1", "t2")
    async with console_in_browser(app, port) as console:
        yield console


async def focused(page) -> str:  # noqa: ANN001
    """What the keyboard is on: the focused element's accessible text or its id."""
    return await page.evaluate(
        "document.activeElement.getAttribute('aria-label') || document.activeElement.id"
    )


async def test_nominations_and_proxies_by_keyboard_on_accessible_pages(console_served) -> None:
    app = console_served.app
    page = await console_served.signed_in_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(f"{console_served.base}/meetings/agm-2027")
    await (
        page.get_by_role("navigation", name="This meeting")
        .get_by_role("link", name="Nominations")
        .click()
    )
    await page.get_by_role("heading", name="Nominations: Annual general meeting 2027").wait_for()
    await page.get_by_text("Fix the lifts <first>.").wait_for()  # text, not markup

    # Reject Lee Chen: type the reason, Tab to the button, Enter.
    await page.get_by_label("Reason for rejecting Lee Chen (they are told it)").focus()
    assert await focused(page) == "reason-board-t2"
    await page.keyboard.type("Papers arrived late")
    await page.keyboard.press("Tab")
    assert await focused(page) == "Reject Lee Chen"
    await page.keyboard.press("Enter")
    await page.get_by_text("Rejected t2; they are told.").wait_for()
    await page.get_by_role("button", name="Confirm Pat Murphy").focus()
    await page.keyboard.press("Space")
    await page.get_by_text("Confirmed t1; they are told.").wait_for()
    # One candidate for one place: the refusal, in the red box, in plain words.
    closes = local_time(app.ctx, datetime.now(UTC) + timedelta(days=20))
    await page.get_by_label("Voting closes").fill(f"{closes:%Y-%m-%dT%H:%M}")
    await page.get_by_label("Voting closes").press("Enter")
    await page.get_by_role("alert").get_by_text("no contest, so no election").wait_for()
    assert await violations(page) == []
    await shot(page, "31-meeting-nominations")
    await page.get_by_role("button", name="Confirm Lee Chen").focus()
    await page.keyboard.press("Enter")
    await page.get_by_text("Confirmed t2; they are told.").wait_for()
    await page.get_by_label("Voting closes").fill(f"{closes:%Y-%m-%dT%H:%M}")
    await page.get_by_label("Voting closes").press("Enter")
    await page.get_by_text("Created agm-2027-board: 2 candidates for 1 place").wait_for()
    assert page.url.endswith("/votes/agm-2027-board")

    await page.goto(f"{console_served.base}/meetings/agm-2027")
    await page.get_by_role("link", name="Proxies").click()
    await page.get_by_role("heading", name="Proxies: Annual general meeting 2027").wait_for()
    # Appoint with the keyboard alone: member, Tab, holder, Tab past the instructions, Enter.
    await page.get_by_label("Member (their id)", exact=True).focus()
    await page.keyboard.type("t3")
    await page.keyboard.press("Tab")
    assert await focused(page) == "proxy-holder"
    await page.keyboard.type("t2")
    await page.keyboard.press("Tab")
    assert await focused(page) == "proxy-instructions"
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.get_by_text("t3 appointed Lee Chen as their proxy.").wait_for()
    await page.get_by_text("2 of 2 (full)").wait_for()
    await page.get_by_label("Member (their id)", exact=True).fill("t4")
    await page.get_by_label("Their proxy: another member's id, or “chair”").fill("t2")
    await page.get_by_role("button", name="Appoint").press("Enter")
    await (
        page.get_by_role("alert")
        .get_by_text("No one may hold a proxy for more than 2 members: Lee Chen holds 2.")
        .wait_for()
    )
    assert await violations(page) == []
    await shot(page, "32-meeting-proxies")
    await page.get_by_role("button", name="Revoke Pat Murphy's proxy").focus()
    await page.keyboard.press("Enter")
    await page.get_by_text("t1's proxy is revoked.").wait_for()
    assert proxies.shown(app.ctx, "agm-2027")["holders"] == [
        {"holder": "t2", "count": 1, "members": ["t3"]}
    ]
