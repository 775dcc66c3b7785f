"""The short join address a letter prints: /j/CODE leads to the member's Telegram link,
and nothing else — no member, no difference between codes that do not work, few tries."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.app import App
from bot.config import Settings, SlackSettings, TelegramSettings, WebSettings
from bot.web import join_links
from bot.web.security import SIGNIN_LIMIT
from handlers.members import invites
from handlers.messages import Sender
from tests.helpers import add_members
from tests.web.console_harness import served

ROSTER = """member_id,name,email,constituency,address
s1,Sam Okafor,sam@example.org,staff,
t1,Siân Llŷr,,tenant,Fflat 3|Tŷ Gwyn|Caernarfon LL55 1AB
t2,Pat Murphy,,tenant,
"""


@pytest.fixture
def app(tmp_path, clock):
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        telegram=TelegramSettings(bot_username="riverside_voice_bot"),
        slack=SlackSettings(enabled=True, bot_token="xoxb-t", signing_secret="s"),
        web=WebSettings(enabled=True, public_url="https://voice.example.org"),
    )
    started = App(settings, clock=clock)
    add_members(started.ctx, ROSTER)
    yield started
    started.db.close()


async def test_a_live_code_leads_to_the_telegram_link_and_spends_nothing(app) -> None:
    [invite] = invites.issue(app.ctx, ["t1"], actor="test")
    async with served(app) as client:
        for path in (f"/j/{invite.code}", f"/j/{invite.code.lower().replace('-', '')}"):
            answer = await client.get(path, allow_redirects=False)
            assert answer.status == 302
            assert answer.headers["Location"] == invite.links["telegram"]
            assert answer.headers["Referrer-Policy"] == "no-referrer"
            assert answer.headers["Cache-Control"] == "no-store"
    # Following it twice (a preview, then the member) left the invite to join with.
    assert invites.live_constituency(app.ctx, invite.token) == "tenant"


async def test_codes_that_do_not_work_all_get_one_plain_page_naming_nobody(app, clock) -> None:
    used, replaced, staff = invites.issue(app.ctx, ["t1", "t2", "s1"], actor="test")
    invites.redeem(app.ctx, used.token, Sender("telegram", "9", "9", "Siân"))
    invites.issue(app.ctx, ["t2"], actor="test")  # replaces t2's first
    [expiring] = invites.issue(app.ctx, ["t1"], actor="test")
    clock.advance(days=30)
    paths = [
        f"/j/{used.code}",
        f"/j/{replaced.code}",
        f"/j/{expiring.code}",
        f"/j/{staff.code}",  # staff join by Slack, which has no link to lead to
        "/j/ABCD-EFGH-JKMN-PQRS-TUVW-XY",
        "/j/not-a-code",
    ]
    async with served(app) as client:
        pages = []
        for path in paths:
            answer = await client.get(path, allow_redirects=False)
            assert answer.status == 404 and "Location" not in answer.headers
            pages.append(await answer.text())
    assert len(set(pages)) == 1  # nothing tells a used code from a made-up one
    assert "does not work" in pages[0]
    for private in ("Siân", "Pat", "Sam", "Tŷ Gwyn", "tenant", "staff", "t1", "officer"):
        assert private not in pages[0]


async def test_too_many_codes_that_do_not_work_are_refused_for_a_minute(app, clock) -> None:
    [invite] = invites.issue(app.ctx, ["t1"], actor="test")
    async with served(app) as client:
        for n in range(SIGNIN_LIMIT):
            made_up = f"/j/{'ABCD' * 5}{n:02d}".replace("0", "2").replace("1", "3")
            assert (await client.get(made_up, allow_redirects=False)).status == 404
        # Even the right code waits: guessing on would otherwise go on at full speed.
        blocked = await client.get(f"/j/{invite.code}", allow_redirects=False)
        assert blocked.status == 429 and "Wait a minute" in await blocked.text()
        clock.advance(seconds=61)
        answer = await client.get(f"/j/{invite.code}", allow_redirects=False)
        assert answer.status == 302


async def test_a_failure_logs_the_route_never_the_code(app, caplog, monkeypatch) -> None:
    [invite] = invites.issue(app.ctx, ["t1"], actor="test")

    def broken(ctx, token):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(join_links.invites, "live_constituency", broken)
    with caplog.at_level(logging.ERROR):
        async with served(app) as client:
            answer = await client.get(f"/j/{invite.code}", allow_redirects=False)
    assert answer.status == 500
    assert "/j/{code}" in caplog.text and invite.code not in caplog.text
    assert invite.token not in caplog.text


def test_letters_print_the_short_address_only_with_a_public_url(app: App) -> None:
    from bot.invites.files import letter_head

    organisation = dataclasses.replace(app.settings.organisation, contact="the office")
    settings = dataclasses.replace(app.settings, organisation=organisation)
    assert letter_head(settings).web_url == "https://voice.example.org"
    for web in (WebSettings(enabled=True), WebSettings(public_url="https://voice.example.org")):
        assert letter_head(dataclasses.replace(settings, web=web)).web_url == ""
