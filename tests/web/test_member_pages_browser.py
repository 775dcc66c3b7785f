"""The Members and "Who has joined" pages in Debian's Chromium: accessibility (axe-core)
and the bulk action bar used from the keyboard alone."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.config import Settings
from bot.web.server import build
from handlers.settings import Admin
from tests.helpers import add_members, link
from tests.web.console_harness import OFFICER, link_path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ROSTER = (
    "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n"
    + "".join(f"t{n:03},Tenant {n:03},,tenant\n" for n in range(1, 61))
    + "".join(f"w{n:03},Worker {n:03},,staff\n" for n in range(1, 71))
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def console(tmp_path, clock) -> AsyncIterator[tuple[App, object, str]]:
    """The console with 131 members (every third tenant connected), an officer signed in
    in Chromium: the app, the page and the console's address."""
    from playwright.async_api import async_playwright

    settings = dataclasses.replace(Settings(), folder=tmp_path, admin=Admin(officers=(OFFICER,)))
    app = App(settings, clock=clock)
    add_members(app.ctx, ROSTER)
    for n in range(1, 61, 3):
        link(app.ctx, f"t{n:03}")
    server = TestServer(build(app), host="127.0.0.1", port=free_port())
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        try:
            await page.goto(base + link_path(app))
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{base}/")
            yield app, page, base
        finally:
            await browser.close()
            await server.close()
            app.db.close()


async def violations(page) -> list[str]:  # noqa: ANN001
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]
    ]


async def test_the_member_pages_have_no_accessibility_violations(console) -> None:
    app, page, base = console
    for path in (
        "/members",
        "/members?constituency=tenant&joined=no&page=2",
        "/members?q=nobody-at-all",
        "/members/joining",
        "/members/joining?q=Tenant&page=2",
    ):
        await page.goto(base + path)
        assert await violations(page) == [], path
    # The confirmation asked before invites for all matching.
    await page.goto(base + "/members?constituency=staff")
    await page.get_by_label("All 71 members matching this filter, on every page").check()
    await page.get_by_role("button", name="Issue invites").click()
    await page.get_by_role("heading", name="Issue 71 new invites?").wait_for()
    assert await violations(page) == [], "confirmation"


async def focus_by_tab(page, name: str, presses: int = 40, key: str = "Tab") -> None:  # noqa: ANN001
    """Press Tab (or `key`) until the control with this accessible name has the focus."""
    for _ in range(presses):
        await page.keyboard.press(key)
        label = await page.evaluate(
            "() => { const e = document.activeElement; return e.getAttribute('aria-label')"
            " || (e.labels && e.labels[0] && e.labels[0].textContent.trim()) || e.textContent.trim(); }"
        )
        if label.startswith(name):
            return
    raise AssertionError(f"{name!r} is not reached with Tab")


async def test_the_bar_is_used_with_the_keyboard_alone(console) -> None:
    app, page, base = console
    await page.goto(base + "/members?constituency=tenant")
    ticked = page.locator("[data-ticked]")
    assert (await ticked.text_content()) == "(0 ticked)"
    await focus_by_tab(page, "Tick every member on this page")
    await page.keyboard.press("Space")
    assert (await ticked.text_content()) == "(33 ticked)"  # 50 on the page, 17 connected
    await focus_by_tab(page, "Choose Tenant 002", presses=3)  # t001 is connected: no box
    assert await page.evaluate("document.activeElement.value") == "t002"
    await page.keyboard.press("Space")
    assert (await ticked.text_content()) == "(32 ticked)"
    assert await page.locator("[data-tick-page]").evaluate("box => box.indeterminate")
    await focus_by_tab(page, "Issue invites", key="Shift+Tab")  # the bar is above the table
    await page.keyboard.press("Enter")
    await page.get_by_text("32 one-time invites").wait_for()
    live = app.db.execute(
        "select member_id from invites where revoked_at is null order by member_id"
    ).fetchall()
    expected = [f"t{n:03}" for n in range(3, 51) if n % 3 != 1]
    assert [row[0] for row in live] == expected


async def test_all_matching_is_chosen_with_the_keyboard_and_confirmed(console) -> None:
    app, page, base = console
    await page.goto(base + "/members?constituency=tenant&joined=no")
    await focus_by_tab(page, "The members ticked below")
    await page.keyboard.press("ArrowDown")  # radios: the arrow keys choose
    assert await page.get_by_label("All 40 members matching this filter").is_checked()
    await focus_by_tab(page, "Issue invites")
    await page.keyboard.press("Enter")
    await page.get_by_role("heading", name="Issue 40 new invites?").wait_for()
    await focus_by_tab(page, "Issue the new invites")
    await page.keyboard.press("Enter")
    await page.get_by_text("40 one-time invites").wait_for()
    live = app.db.execute("select count(*) from invites where revoked_at is null").fetchone()
    assert live[0] == 40


async def test_paging_and_the_bar_work_without_javascript(console) -> None:
    app, page, base = console
    context = await page.context.browser.new_context(java_script_enabled=False)
    plain = await context.new_page()
    try:
        await plain.goto(base + link_path(app))
        await plain.get_by_role("button", name="Sign in").click()
        await plain.wait_for_url(f"{base}/")
        await plain.goto(base + "/members?constituency=tenant")
        assert not await plain.locator("[data-tick-page]").is_visible()  # it needs the script
        await plain.get_by_role("link", name="Next").click()
        await plain.get_by_text("Showing 51–60 of 60 members in tenant").wait_for()
        await plain.get_by_label("Choose Tenant 059").check()
        await plain.get_by_role("button", name="Issue invites").click()
        await plain.get_by_text("1 one-time invites").wait_for()
    finally:
        await context.close()
    live = app.db.execute("select member_id from invites where revoked_at is null").fetchall()
    assert live == [("t059",)]
