"""The member's page in Debian's Chromium (Playwright) on a small screen: axe-core finds no
WCAG 2.2 A/AA violation on any of its pages, in English and in Welsh, and a ranked ballot
is cast with the keyboard alone. One browser for the whole module.

Screenshots go to tests/output/screenshots (not committed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.config import Settings, WebSettings
from bot.web.member_page import csrf_for
from bot.web.server import build
from handlers.members import page_links
from handlers.settings import Admin
from handlers.votes.admin import close_vote, create_vote, open_vote
from storage.votes import queries as vote_store
from tests.handlers.pulses.test_pulse_chat import open_round
from tests.handlers.votes.test_votes import definition, options
from tests.helpers import FakeClock, add_members
from tests.web.test_console_browser import CHROMIUM, FLAGS, SHOTS, free_port
from tests.web.test_console_forms_browser import WCAG

ROSTER = (
    "member_id,name,email,constituency,language\n"
    "s1,Sam Okafor,,staff,\ns2,Siân Prys,,staff,cy\n"
    "t1,Pat Murphy,,tenant,\nt2,Lee Chen,,tenant,\nc1,Gwen Jones,,tenant,cy\n"
)
CANDIDATES = ("Amber", "Birch", "Cedar")
BALLOTS = {
    "resolution": {"method": "resolution"},
    "single": {"method": "single", "options": options(*CANDIDATES)},
    "approval": {"method": "approval", "seats": 2, "options": options(*CANDIDATES)},
    "budget": {
        "method": "budget",
        "budget": 5000,
        "options": options("Bench", cost=3000) + options("Bins", cost=1500),
    },
    "irv": {"method": "irv", "options": options(*CANDIDATES, statement="A short statement.")},
    "stv": {"method": "stv", "seats": 2, "options": options(*CANDIDATES, "Dara")},
}
SMALL = {"width": 360, "height": 740}  # an old phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
    pytest.mark.asyncio(loop_scope="module"),
]


@dataclasses.dataclass
class Site:
    app: App
    base: str
    browser: object
    paths: dict[tuple[str, str], str]  # (member, page) -> path

    def url(self, member: str, name: str) -> str:
        return self.base + self.paths[(member, name)]

    async def page(self, language: str = "en"):  # noqa: ANN201
        context = await self.browser.new_context(  # type: ignore[attr-defined]
            viewport=SMALL, locale="cy-GB" if language == "cy" else "en-GB"
        )
        return await context.new_page()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory) -> AsyncIterator[Site]:
    from playwright.async_api import async_playwright

    clock = FakeClock()
    port = free_port()
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path_factory.mktemp("member-page"),
        admin=Admin(officers=("s1",)),
        web=WebSettings(enabled=True, port=port, public_url=f"http://127.0.0.1:{port}"),
    )
    app = App(settings, clock=clock)
    add_members(app.ctx, ROSTER)
    paths: dict[tuple[str, str], str] = {}

    def issue(member: str, name: str, flow: str) -> None:
        url = page_links.page_link(app.ctx, member, flow)
        assert url is not None
        paths[(member, name)] = url.removeprefix(settings.web.public_url)

    # A vote that has closed, cast on the page by both readers first: its result page.
    create_vote(app.ctx, definition(id="done", closes=clock() + timedelta(days=1)), "test")
    open_vote(app.ctx, "done", "test")
    server = TestServer(build(app), host="127.0.0.1", port=port)
    await server.start_server()
    base = f"http://127.0.0.1:{port}"
    for member in ("t1", "c1"):
        issue(member, "result", "vote:done")
        async with ClientSession() as http:
            token = paths[(member, "result")].rsplit("/", 1)[1]
            answer = await http.post(
                base + paths[(member, "result")],
                data={"csrf": csrf_for(token), "choice": "0"},
                allow_redirects=False,
            )
            assert answer.status == 303
    clock.advance(days=2)
    close_vote(app.ctx, "done", "test")
    for method, fields in BALLOTS.items():
        create_vote(app.ctx, definition(id=method, **fields), "test")
        open_vote(app.ctx, method, "test")
        for member in ("t1", "c1"):
            issue(member, method, f"vote:{method}")
    issue("t2", "walk", "vote:irv")
    round_row = open_round(app.ctx, "staff-pulse")
    issue("s1", "pulse", f"pulse:{round_row['id']}")
    issue("s2", "pulse", f"pulse:{round_row['id']}")
    for member in ("t1", "c1"):
        issue(member, "suggest", "suggest")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield Site(app, base, browser, paths)
        finally:
            await browser.close()
            await server.close()
            app.db.close()


async def violations(page) -> list[str]:  # noqa: ANN001
    from axe_playwright_python.async_playwright import Axe

    found = await Axe().run(page, options=WCAG)
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in found.response["violations"]
    ]


async def shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"member-{name}.png"), full_page=True)


@pytest.mark.parametrize(("language", "member", "staff"), [("en", "t1", "s1"), ("cy", "c1", "s2")])
async def test_every_member_page_has_no_axe_violations(site, language, member, staff) -> None:
    page = await site.page(language)
    problems = {}
    visits = [(f"{name}", site.url(member, name)) for name in (*BALLOTS, "suggest", "result")]
    visits += [("pulse", site.url(staff, "pulse")), ("gone", f"{site.base}/m/no-such-link")]
    for name, url in visits:
        answer = await page.goto(url)
        assert answer is not None and len(await answer.body()) < 50 * 1024
        assert await page.get_attribute("html", "lang") == language
        # No page is wider than a small phone's screen.
        assert await page.evaluate("document.documentElement.scrollWidth") <= SMALL["width"]
        if name in ("irv", "pulse", "suggest", "result"):  # the rest look alike
            await shot(page, f"{language}-{name}")
        problems[name] = await violations(page)
    # A form sent with mistakes: the list at the top and each field's error.
    await page.goto(site.url(member, "stv"))
    await page.locator("#rank-0").fill("1")
    await page.locator("#rank-1").fill("1")
    await page.locator("button[type=submit]").click()
    await page.locator("[role=alert]").wait_for()
    await shot(page, f"{language}-stv-mistakes")
    problems["stv with mistakes"] = await violations(page)
    await page.goto(site.url(member, "suggest"))
    await page.locator("#text").fill("A bench by the bus stop")  # no topic, no choice of name
    await page.locator("button[type=submit]").click()
    await page.locator("[role=alert]").wait_for()
    problems["suggest with mistakes"] = await violations(page)
    await page.context.close()
    assert {name: found for name, found in problems.items() if found} == {}
    assert not vote_store.has_voted(site.app.db, "stv", member)


async def test_a_ranked_ballot_is_cast_with_the_keyboard_alone(site) -> None:
    page = await site.page()
    await page.goto(site.url("t2", "walk"))
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")
    # Each box in turn, as Tab reaches it: Cedar first, Amber second, Birch left out.
    typed = {"rank-0": "2", "rank-2": "1"}
    for _box in range(3):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.id")
        assert focused.startswith("rank-")
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # focus is visible
        if focused in typed:
            await page.keyboard.type(typed[focused])
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.type") == "submit"
    await page.keyboard.press("Space")
    receipt = page.get_by_text("Your receipt code:")
    await receipt.wait_for()
    await shot(page, "keyboard-cast")
    await page.context.close()
    assert vote_store.has_voted(site.app.db, "irv", "t2")
