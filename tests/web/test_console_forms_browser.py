"""Errors, progress and cancelling in a real browser (Debian's Chromium, driven by
Playwright), each page checked with axe-core for WCAG 2.2 A and AA.

Screenshots go to tests/output/screenshots (not committed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.config import Settings, TelegramSettings, WebSettings
from bot.invites import files as invite_files
from bot.web.server import build
from handlers.console import signin as console
from handlers.settings import Admin, Organisation
from handlers.votes import admin
from surveys.votes.definitions import parse_vote
from tests.helpers import add_members
from tests.web.test_console_browser import CHROMIUM, FLAGS, SHOTS, free_port

TENANTS = 12
ROSTER = "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n" + "".join(
    f"t{n},Tenant {n},,tenant\n" for n in range(1, TENANTS + 1)
)
WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


class Console:
    def __init__(self, app: App, base: str, browser) -> None:  # noqa: ANN001
        self.app, self.base, self.browser = app, base, browser

    async def signed_in_page(self, javascript: bool = True):  # noqa: ANN201
        context = await self.browser.new_context(
            viewport={"width": 1100, "height": 900}, java_script_enabled=javascript
        )
        page = await context.new_page()
        url = console.issue_link(self.app.ctx, "s1", "test").url
        await page.goto(url)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("heading", name="Overview").wait_for()
        return page


@asynccontextmanager
async def console_in_browser(app: App, port: int) -> AsyncIterator[Console]:
    """`app`'s console served on 127.0.0.1:`port` and Debian's Chromium to open it; all
    closed after, the app's database too."""
    from playwright.async_api import async_playwright

    server = TestServer(build(app), host="127.0.0.1", port=port)
    await server.start_server()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            try:
                yield Console(app, app.settings.web.base_url, browser)
            finally:
                await browser.close()
    finally:
        await server.close()
        app.db.close()


async def violations(page) -> list[str]:  # noqa: ANN001
    from axe_playwright_python.async_playwright import Axe

    found = await Axe().run(page, options=WCAG)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found.response["violations"]]


async def shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
async def console_served(tmp_path) -> AsyncIterator[Console]:
    port = free_port()
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=("s1",)),
        organisation=Organisation(name="Riverside Homes", contact="Jo at the office"),
        telegram=TelegramSettings(bot_username="riverside_voice_bot"),
        web=WebSettings(enabled=True, port=port),
    )
    app = App(settings)
    add_members(app.ctx, ROSTER)
    async with console_in_browser(app, port) as console:
        yield console


async def test_a_vote_form_with_mistakes_lists_them_all_and_leads_to_each(console_served) -> None:
    page = await console_served.signed_in_page()
    await page.goto(f"{console_served.base}/votes/new")
    await page.get_by_label("Short id").fill("Bad Id!")
    await page.get_by_label("Title").fill("Garden")
    await page.get_by_label("Explanation for members").fill("Choose.")
    await page.get_by_label("Options, candidates or projects").fill("Benches")
    await page.get_by_label("Closes").fill("2020-01-01T17:00")
    await page.get_by_role("button", name="Create the vote").click()
    summary = page.get_by_role("alert").filter(has_text="3 things to fix")
    await summary.wait_for()
    # The list of mistakes has the focus, so a screen reader reads it first.
    assert await page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    await shot(page, "20-vote-form-errors")
    assert await violations(page) == []
    await summary.get_by_role("link", name="Options, candidates or projects").click()
    assert await page.evaluate("document.activeElement.id") == "options"
    assert (
        await page.get_by_label("Options, candidates or projects").get_attribute("aria-invalid")
        == "true"
    )


async def test_letters_show_their_progress_then_the_summary(console_served, monkeypatch) -> None:
    reached, release = threading.Event(), threading.Event()
    real = invite_files.write_letters

    def slow(invites, head, path, progress=None):
        def step(count: int) -> None:
            progress(count)
            if not reached.is_set():
                reached.set()
                assert release.wait(20)

        return real(invites, head, path, step)

    monkeypatch.setattr(invite_files, "write_letters", slow)
    page = await console_served.signed_in_page()
    await page.goto(f"{console_served.base}/members/joining")
    await page.get_by_label("Who").select_option("tenant")
    await page.get_by_role("button", name="Issue invites and download").click()
    await page.get_by_text("1 of 12 letters").wait_for()
    assert await asyncio.to_thread(reached.wait, 20)
    await shot(page, "21-letters-progress")
    assert await violations(page) == []
    release.set()
    # The page checks again by itself and ends with the summary and the file.
    await page.get_by_text("Issued 12 new invites: invites.pdf holds 12 letters").wait_for(
        timeout=20_000
    )
    await shot(page, "22-letters-done")
    assert await violations(page) == []
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Download invites.pdf").click()
    saved = Path(await (await download.value).path())
    assert saved.read_bytes()[:4] == b"%PDF"


async def test_progress_is_shown_without_javascript_too(console_served, monkeypatch) -> None:
    release = threading.Event()
    real = invite_files.qr_zip

    def held(invites, progress=None):
        assert release.wait(20)
        return real(invites, progress)

    monkeypatch.setattr(invite_files, "qr_zip", held)
    page = await console_served.signed_in_page(javascript=False)
    await page.goto(f"{console_served.base}/members/joining")
    await page.get_by_label("Who").select_option("tenant")
    await page.get_by_label("QR codes and a table (zip)").check()
    await page.get_by_role("button", name="Issue invites and download").click()
    await shot(page, "24-no-js-progress")
    await page.get_by_text("0 of 12 QR codes").wait_for()
    release.set()
    await page.get_by_text("Issued 12 new invites").wait_for(timeout=20_000)  # refreshed itself


async def test_cancelling_a_vote_asks_first_and_reads_well(console_served) -> None:
    table = {
        "id": "garden",
        "title": "Garden",
        "explanation": "Choose.",
        "method": "approval",
        "options": [{"name": "A"}, {"name": "B"}],
        "closes": "2099-01-01T17:00",
    }
    admin.create_vote(console_served.app.ctx, parse_vote(table, "test"), "test")
    page = await console_served.signed_in_page()
    await page.goto(f"{console_served.base}/votes/garden")
    await page.get_by_role("link", name="Cancel this vote…").click()
    await page.get_by_label("Reason (members read it)").fill("   ")  # blank, past `required`
    await page.get_by_role("button", name="Cancel the vote").click()
    await page.get_by_role("alert").filter(has_text="1 thing to fix").wait_for()
    await shot(page, "23-vote-cancel-error")
    assert await violations(page) == []
    await page.get_by_label("Reason (members read it)").fill("Made twice by mistake.")
    await page.get_by_role("button", name="Cancel the vote").click()
    await page.get_by_text("Cancelled garden: nothing is counted.").wait_for()
    assert console_served.app.db["votes"].get("garden")["status"] == "cancelled"
