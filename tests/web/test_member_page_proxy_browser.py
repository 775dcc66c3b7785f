"""The meeting's page (reply to the notice, proxy) in Debian's Chromium (Playwright) on a
small screen: axe-core finds no WCAG 2.2 A/AA violation, in English and in Welsh, with a
refusal shown, once replied and once appointed; the proxy is appointed with the keyboard
alone."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.app import App
from bot.config import Settings, WebSettings
from bot.web.server import build
from handlers.meetings.admin import create_meeting
from handlers.members import page_links
from handlers.settings import Organisation
from handlers.votes.admin import create_vote
from storage.meetings import proxies as store
from storage.meetings.queries import answer_of
from tests.handlers.meetings.test_proxies import AGM, PROXIES, ROSTER, RULES
from tests.handlers.votes.test_votes import definition
from tests.helpers import START, FakeClock, add_members
from tests.web.test_console_browser import CHROMIUM, FLAGS, free_port
from tests.web.test_member_page_browser import SMALL, shot, violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


async def test_the_proxy_page_is_accessible_and_works_with_the_keyboard(tmp_path) -> None:
    from aiohttp.test_utils import TestServer
    from playwright.async_api import async_playwright

    (tmp_path / "rules.toml").write_text(RULES.format(proxies=PROXIES))
    port = free_port()
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        organisation=Organisation(rules=str(tmp_path / "rules.toml")),
        web=WebSettings(enabled=True, port=port, public_url=f"http://127.0.0.1:{port}"),
    )
    app = App(settings, clock=FakeClock())
    add_members(app.ctx, ROSTER)  # t9 reads Welsh
    create_meeting(app.ctx, AGM, "test")
    create_vote(app.ctx, definition(meeting=AGM.id, closes=START + timedelta(days=40)), "test")
    urls = {m: page_links.page_link(app.ctx, m, f"meeting:{AGM.id}") for m in ("t1", "t9")}
    server = TestServer(build(app), host="127.0.0.1", port=port)
    await server.start_server()
    problems = {}
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            for member, language in (("t9", "cy"), ("t1", "en")):
                context = await browser.new_context(
                    viewport=SMALL, locale="cy-GB" if language == "cy" else "en-GB"
                )
                page = await context.new_page()
                answer = await page.goto(urls[member])
                assert answer is not None and len(await answer.body()) < 50 * 1024
                assert await page.get_attribute("html", "lang") == language
                assert await page.evaluate("document.documentElement.scrollWidth") <= SMALL["width"]
                problems[f"{language} form"] = await violations(page)
                # No answer chosen: the refusal at the top and at the answers.
                await page.locator("#send-rsvp").click()
                await page.locator("#rsvp-error").wait_for()
                problems[f"{language} reply refused"] = await violations(page)
                # Naming oneself: the refusal at the top and at the field.
                await page.locator("#holder_kind-member").check()
                await page.locator("#holder").fill(member)
                await page.locator("#appoint").click()
                await page.locator("[role=alert]").wait_for()
                assert await page.locator("#holder").get_attribute("aria-invalid") == "true"
                await shot(page, f"{language}-proxy-refused")
                problems[f"{language} refused"] = await violations(page)
                await context.close()
            # t1 appoints Tenant 2, told to vote Against, with the keyboard alone.
            context = await browser.new_context(viewport=SMALL, locale="en-GB")
            page = await context.new_page()
            await page.goto(urls["t1"])
            await page.locator("#holder_kind-member").focus()
            await page.keyboard.press("Space")
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.id") == "holder"
            await page.keyboard.type("Tenant 2")
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.id") == "told-agm"
            await page.keyboard.press("ArrowDown")
            await page.keyboard.press("ArrowDown")
            await page.keyboard.press("Tab")
            await page.keyboard.press("Enter")
            await page.get_by_text("Done: Tenant 2 is your proxy").wait_for()
            await shot(page, "en-proxy-appointed")
            problems["en appointed"] = await violations(page)
            # t1 will come in person after all.
            await page.locator("#rsvp").check()
            await page.locator("#send-rsvp").click()
            await page.get_by_text("Thank you: we've noted you'll come in person").wait_for()
            await shot(page, "en-meeting-replied")
            problems["en replied"] = await violations(page)
            await context.close()
            await browser.close()
    finally:
        await server.close()
        proxy = store.of_member(app.db, AGM.id, "t1")
        rsvp = answer_of(app.db, AGM.id, "t1")["rsvp"]
        app.db.close()
    assert {name: found for name, found in problems.items() if found} == {}
    assert (proxy["holder_id"], proxy["instructions"]) == ("t2", {"agm": "Against"})
    assert rsvp == "in-person"
