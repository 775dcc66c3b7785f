"""The officer's console in a real browser (Debian's Chromium, driven by Playwright).

The bot runs with its real Telegram adapter against FakeTelegram, and the console is
served beside it on the same event loop, as `mutual-voice run` does with [web] enabled.
Screenshots of each page go to tests/output/screenshots (not committed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import socket
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.adapters.telegram import adapter as telegram
from bot.app import App
from bot.config import OutboxSettings, Settings, TelegramSettings, WebSettings
from bot.web.server import build
from handlers.settings import Admin
from storage import members
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import add_members, quiet_hours_elsewhere
from tests.web.console_harness import suggestion

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "output" / "screenshots"
OFFICER_USER = 5001
COUNCIL = -1001234567890
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TENANTS = {f"t{n}": 6000 + n for n in range(1, 7)}
ROSTER = "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n" + "".join(
    f"{m},Tenant {m[1:]},,tenant\n" for m in TENANTS
)
BAD_ROSTER = (
    "member_id,name,email,constituency\n"
    "t7,Robin Hale,robin@example.org,tenant\n"
    "t8,Kit Moss,kit-at-example.org,tenant\n"
)
GOOD_ROSTER = BAD_ROSTER.replace("kit-at-example.org", "kit@example.org")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


class Walk:
    """The running bot, the fake Telegram server, the console's address and a browser page."""

    def __init__(self, app: App, fake: FakeTelegram, base: str, page) -> None:  # noqa: ANN001
        self.app, self.fake, self.base, self.page = app, fake, base, page

    async def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def texts(self, user: int) -> list[str]:
        return [m.get("text") or "" for m in self.fake.sent(chat_id=user)]

    async def said(self, user: int, *words: str) -> str:
        """Wait for a message to `user` containing all `words`; its text."""

        def found() -> str | None:
            return next((t for t in self.texts(user) if all(w in t for w in words)), None)

        await self.fake.wait_for(found, timeout=20)
        return found() or ""

    async def answer_first_question(self, member_id: str) -> None:
        """The member presses "Happy" on the pulse invitation, and the bot asks the next."""
        user = TENANTS[member_id]
        await self.said(user, "How satisfied are you")
        invitation = next(
            m for m in self.fake.sent(chat_id=user) if "How satisfied" in (m.get("text") or "")
        )
        buttons = [b for row in invitation["reply_markup"]["inline_keyboard"] for b in row]
        happy = next(b for b in buttons if b["text"] == "Happy")
        before = len(self.fake.sent(chat_id=user))
        self.fake.push_callback(user, invitation["message_id"], happy["callback_data"])
        await self.fake.wait_for(lambda: len(self.fake.sent(chat_id=user)) > before, timeout=20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def walk(tmp_path) -> AsyncIterator[Walk]:
    from playwright.async_api import async_playwright

    async with FakeTelegram() as fake:
        port = free_port()
        settings = dataclasses.replace(
            Settings(),
            folder=tmp_path,
            admin=Admin(officers=("s1",)),
            # The wall clock runs here: quiet hours must not hold the pulse or the notice.
            quiet_hours=quiet_hours_elsewhere(datetime.now(UTC)),
            outbox=OutboxSettings(poll_seconds=0.05),
            telegram=TelegramSettings(
                enabled=True,
                token=fake.token,
                base_url=fake.base_url,
                base_file_url=fake.base_file_url,
                council_chat_id=str(COUNCIL),
                per_chat_seconds=0.01,
            ),
            web=WebSettings(enabled=True, port=port),
        )
        app = App(settings)
        add_members(app.ctx, ROSTER)
        fake.add_group(COUNCIL)
        for member_id, user in {"s1": OFFICER_USER, **TENANTS}.items():
            fake.add_user(user)
            members.link_identity(app.db, "telegram", str(user), str(user), member_id, app.clock())
        adapter = await telegram.start(app, asyncio.Event())
        server = TestServer(build(app), host="127.0.0.1", port=port)
        await server.start_server()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
            try:
                yield Walk(app, fake, settings.web.base_url, page)
            finally:
                await browser.close()
                await server.close()
                await adapter.stop()
                app.db.close()


async def test_an_officer_runs_the_organisation_from_the_browser(walk: Walk) -> None:
    page = walk.page

    # Sign in with the link the bot sends in chat.
    walk.fake.push_message(OFFICER_USER, "/console")
    message = await walk.said(OFFICER_USER, "/signin/")
    link = re.search(r"http://\S+/signin/\S+", message).group(0)
    await page.goto(link)
    await walk.shot("01-sign-in")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Overview").wait_for()
    await walk.shot("02-overview")

    # Upload a roster with a bad row, see the line and the reason, fix it, import.
    await page.get_by_role("link", name="Members").click()
    await page.get_by_role("link", name="Import a roster").click()
    await page.get_by_label("Roster file (CSV)").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": BAD_ROSTER.encode()}]
    )
    await page.get_by_role("button", name="Check and preview").click()
    problem = page.get_by_text("Line 3: malformed email 'kit-at-example.org'")
    await problem.wait_for()
    await walk.shot("03-roster-bad-line")
    assert members.get(walk.app.db, "t7") is None
    await page.get_by_label("Roster file (CSV)").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": GOOD_ROSTER.encode()}]
    )
    await page.get_by_role("button", name="Check and preview").click()
    await page.get_by_text("2 new members, 0 changed, 0 unchanged").wait_for()
    await walk.shot("04-roster-preview")
    await page.get_by_role("button", name="Apply this import").click()
    await page.get_by_text("Imported 2 members.").wait_for()
    await walk.shot("05-import-done")
    await page.get_by_role("link", name="Go to members").click()
    await walk.shot("05-members")
    assert members.get(walk.app.db, "t8")["email"] == "kit@example.org"

    # See who has joined; download QR codes for the two new members (the rest are connected).
    await page.get_by_role("link", name="Who has joined, and letters").click()
    await page.get_by_role("row", name="tenant 8 0 6 0 0 2").wait_for()
    await page.get_by_label("QR codes and a table (zip)").check()
    await page.get_by_role("button", name="Issue invites and download").click()
    await page.get_by_text("Issued 2 new invites: invite-qr-codes.zip holds 2 QR codes").wait_for()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Download invite-qr-codes.zip").click()
    saved = await (await download.value).path()
    assert sorted(zipfile.ZipFile(saved).namelist()) == ["invites.csv", "t7.png", "t8.png"]
    await page.get_by_role("link", name="Back to who has joined").click()
    await page.get_by_role("row", name="tenant 8 2 6 2 0 0").wait_for()
    await walk.shot("05b-joining")

    # Create an approval vote from the form.
    closes = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    await page.get_by_role("link", name="Votes").click()
    await page.get_by_role("link", name="Create a vote").click()
    await page.get_by_label("Short id").fill("garden-plan")
    await page.get_by_label("Title").fill("Which garden improvements?")
    await page.get_by_label("Explanation for members").fill("Approve every idea you like.")
    await page.get_by_label("Method").select_option("approval")
    await page.get_by_label("Options, candidates or projects").fill("Benches\nRaised beds\nPond")
    await page.get_by_label("Closes").fill(closes)
    await walk.shot("06-vote-form")
    await page.get_by_role("button", name="Create the vote").click()
    await page.get_by_text("Created vote garden-plan").wait_for()
    await walk.shot("07-vote")
    assert walk.app.db["votes"].get("garden-plan")["method"] == "approval"

    # Send a pulse round; members answer in Telegram; while open only how many answered
    # shows (no figures, so two looks cannot be subtracted), and the figures at close.
    await page.get_by_role("link", name="Pulses").click()
    tenant = page.locator("section", has_text="Tenant pulse")
    await tenant.get_by_role("button", name="Send a round now").click()
    await page.get_by_text("Opened round 1 of tenant-pulse").wait_for()
    for member_id in ("t1", "t2", "t3", "t4"):
        await walk.answer_first_question(member_id)
    await page.reload()
    satisfied = page.locator("section.question", has_text="Satisfied with our service")
    await page.get_by_text("The round is still open: figures and comments come").wait_for()
    assert await page.locator("section.question").count() == 0
    await walk.shot("08-pulse-open-counts-only")
    for member_id in ("t5", "t6"):
        await walk.answer_first_question(member_id)
    await page.get_by_role("button", name="Close this round").click()
    await page.get_by_text("Closed round 1 of tenant-pulse").wait_for()
    assert await satisfied.get_by_text("Hidden").count() == 0
    await satisfied.get_by_text("6 (100%)").wait_for()
    await walk.shot("09-pulse-shown-at-6")

    # Change a suggestion's status; the member's notice arrives in Telegram.
    number = suggestion(walk.app, "Could the laundry room open earlier?", member_id="t1")
    await page.get_by_role("link", name="Suggestions").click()
    await walk.shot("10-suggestions")
    await page.get_by_role("link", name=f"#{number} · services").click()
    await page.get_by_role("radio", name="Adopted", exact=True).check()
    await page.get_by_role("button", name="Change status").click()
    await page.get_by_text(f"Suggestion #{number} is now marked Adopted").wait_for()
    await walk.shot("11-suggestion")
    notice = await walk.said(TENANTS["t1"], f"adopted your suggestion #{number}")
    assert "Could the laundry room open earlier?" in notice

    await page.get_by_role("link", name="Ladder").click()
    await page.get_by_role("heading", name="The ladder of involvement").wait_for()
    await walk.shot("12-ladder")
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.get_by_role("link", name="Overview").click()
    await walk.shot("13-overview-phone")
