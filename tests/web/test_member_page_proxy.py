"""A member's proxy on their page (`/m/<token>` of a "meeting:<id>" link): appoint the chair
or a member by exact name or id (the roll never listed), with instructions, revoke; every
refusal in chat's words and the member's language; nothing after the deadline."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from html import unescape

import pytest

from bot.app import App
from bot.config import Settings
from bot.web.member_page import csrf_for
from handlers.meetings.admin import create_meeting
from handlers.meetings.proxies import appoint
from handlers.members import page_links
from handlers.settings import Organisation
from handlers.votes.admin import create_vote
from storage.meetings import proxies as store
from tests.handlers.meetings.test_proxies import AGM, PROXIES, ROSTER, RULES
from tests.handlers.votes.test_votes import definition
from tests.helpers import START, add_members
from tests.web.console_harness import served
from tests.web.test_member_page_http import PUBLIC, page, post

FLOW = f"meeting:{AGM.id}"


def society_app(tmp_path, clock, proxies: str = PROXIES) -> App:
    (tmp_path / "rules.toml").write_text(RULES.format(proxies=proxies))
    settings = Settings()
    settings = dataclasses.replace(
        settings,
        folder=tmp_path,
        organisation=Organisation(rules=str(tmp_path / "rules.toml")),
        web=dataclasses.replace(settings.web, public_url=PUBLIC),
    )
    app = App(settings, clock=clock)
    add_members(app.ctx, ROSTER)  # t1..t9, Tenant 1..9; t9 reads Welsh
    create_meeting(app.ctx, AGM, "test")
    add_members(app.ctx, "member_id,name,email,constituency\nx1,Late Joiner,,tenant\n")
    return app


@pytest.fixture
def app(tmp_path, clock):
    made = society_app(tmp_path, clock)
    # A vote of the meeting, already given: a proxy may be told how to vote in it.
    create_vote(made.ctx, definition(meeting=AGM.id, closes=START + timedelta(days=40)), "test")
    yield made
    made.db.close()


def path_for(app, member_id: str) -> str:
    url = page_links.page_link(app.ctx, member_id, FLOW)
    assert url is not None
    return url.removeprefix(PUBLIC)


async def test_appoint_a_member_with_an_instruction_then_the_chair_then_revoke(app):
    path = path_for(app, "t1")
    async with served(app) as client:
        html = unescape(await page(client, path))
        assert "<h1>Annual general meeting 2027</h1>" in html and "<h2>Your proxy</h2>" in html
        assert "Annual general meeting 2027: you have no proxy." in html
        assert "until Monday 21 December at 10:00" in html
        # The roll is never listed: only the member's own name could be on the page.
        assert not any(f"Tenant {n}" in html for n in range(2, 10))
        assert 'name="told-agm"' in html and "No instruction: they decide" in html
        await post(
            client, path, {"action": "appoint", "holder_kind": "member", "holder": "tenant 2",
                           "told-agm": "1"},
        )  # fmt: skip
        done = unescape(await page(client, path + "?sent=1"))
        assert (
            "Done: Tenant 2 is your proxy at Annual general meeting 2027. They can vote only "
            "as you asked. You can still vote yourself; your own vote replaces theirs."
        ) in done
        assert "your proxy is Tenant 2." in done and "You told them how to vote in agm." in done
        assert '<option value="1" selected>' in done  # the instruction, as given
        assert 'value="member" checked' in done and 'value="Tenant 2"' in done
        proxy = store.of_member(app.db, AGM.id, "t1")
        assert (proxy["holder_id"], proxy["instructions"]) == ("t2", {"agm": "Against"})
        # The holder, on their own page, sees whom they hold, as in chat.
        assert "You hold proxies for Tenant 1." in unescape(await page(client, path_for(app, "t2")))
        await post(client, path, {"action": "appoint", "holder_kind": "chair", "told-agm": ""})
        assert "Done: the chair is your proxy" in unescape(await page(client, path + "?sent=1"))
        assert store.of_member(app.db, AGM.id, "t1")["holder_kind"] == "chair"
        await post(client, path, {"action": "revoke"})
        revoked = unescape(await page(client, path + "?sent=revoked"))
    assert "Your proxy is revoked." in revoked and "you have no proxy." in revoked
    assert store.of_member(app.db, AGM.id, "t1") is None


REFUSALS = [
    ({"holder_kind": "member", "holder": "t1"}, "holder", "A member cannot be their own proxy."),
    (
        {"holder_kind": "member", "holder": "Late Joiner"},
        "holder",
        "I can't find a member called Late Joiner on the roll of Annual general meeting 2027.",
    ),
    (
        {"holder_kind": "member", "holder": "t4"},
        "holder",
        "Tenant 4 has appointed a proxy of their own, so cannot hold one: a proxy cannot be "
        "passed on.",
    ),
    (
        {"holder_kind": "member", "holder": "Tenant 7"},
        "holder",
        "No one may hold a proxy for more than 2 members: Tenant 7 holds 2.",
    ),
    ({"holder_kind": "member", "holder": " "}, "holder", "Please type the name or member id"),
    ({"holder": "t2"}, "holder_kind", "Please choose who will be your proxy."),
    (
        {"holder_kind": "member", "holder": "t2", "told-agm": "7"},
        "holder",
        "agm: 7 is not on the ballot; choose one of For, Against and Abstain.",
    ),
]


async def test_each_refusal_is_in_chats_words_and_tied_to_its_field(app):
    appoint(app.ctx, AGM.id, "t4", "t8")  # t4 has a proxy: cannot hold one
    appoint(app.ctx, AGM.id, "t5", "t7")
    appoint(app.ctx, AGM.id, "t6", "t7")  # t7 holds 2: the cap
    path = path_for(app, "t1")
    async with served(app) as client:
        for form, field, words in REFUSALS:
            html = unescape(await post(client, path, {"action": "appoint", **form}, status=400))
            assert 'role="alert"' in html and words in html, words
            assert f'<a href="#{field}">' in html
            assert 'aria-invalid="true"' in html or field == "holder_kind"
        assert store.of_member(app.db, AGM.id, "t1") is None
        # What the member typed comes back as text, never markup.
        form = {"action": "appoint", "holder_kind": "member", "holder": "<b>Lee</b>"}
        raw = await post(client, path, form, status=400)
        assert "<b>Lee" not in raw and "&lt;b&gt;Lee&lt;/b&gt;" in raw
        # Nothing to revoke: said at the revoke button.
        html = unescape(await post(client, path, {"action": "revoke"}, status=400))
        assert "Tenant 1 has no proxy for this meeting." in html and 'href="#revoke"' in html


async def test_after_the_deadline_the_page_shows_the_proxy_and_changes_nothing(app, clock):
    path = path_for(app, "t1")
    appoint(app.ctx, AGM.id, "t1", "chair")
    clock.now = AGM.starts - timedelta(hours=47)
    async with served(app) as client:
        html = unescape(await page(client, path))
        assert "your proxy is the chair." in html and 'name="holder_kind"' not in html
        assert 'name="rsvp"' in html  # the notice may still be replied to until the start
        assert "Too late: proxies had to be appointed by Monday 21 December at 10:00." in html
        late = unescape(await post(client, path, {"action": "revoke"}, status=400))
        assert "Too late: proxies could be revoked until Monday 21 December at 10:00." in late
        await post(client, path, {"action": "appoint", "holder_kind": "member", "holder": "t2"},
                   status=400)  # fmt: skip
    assert store.of_member(app.db, AGM.id, "t1")["holder_kind"] == "chair"
    # A link is still made to reply to the notice, until the meeting starts.
    assert page_links.page_link(app.ctx, "t2", FLOW) is not None
    clock.now = AGM.starts
    assert page_links.page_link(app.ctx, "t2", FLOW) is None


async def test_a_welsh_member_is_refused_in_welsh(app):
    path = path_for(app, "t9")
    async with served(app) as client:
        html = unescape(await page(client, path))
        assert '<html lang="cy">' in html and "Pwy fydd eich dirprwy?" in html
        form = {"action": "appoint", "holder_kind": "member", "holder": "t9"}
        refused = unescape(await post(client, path, form, status=400))
    assert "Ni chaiff aelod fod yn ddirprwy iddo'i hun." in refused


async def test_forms_need_their_token_and_links_only_for_the_roll(app):
    path = path_for(app, "t1")
    async with served(app) as client:
        forged = await client.post(
            path, data={"action": "appoint", "holder_kind": "chair"}, allow_redirects=False
        )
        assert forged.status == 403
        token = path.rsplit("/", 1)[1]
        cross = await client.post(
            path,
            data={"csrf": csrf_for(token), "action": "appoint", "holder_kind": "chair"},
            headers={"Sec-Fetch-Site": "cross-site"},
            allow_redirects=False,
        )
        assert cross.status == 403
    assert store.of_member(app.db, AGM.id, "t1") is None
    assert page_links.page_link(app.ctx, "x1", FLOW) is None  # joined after the notice
    assert page_links.page_link(app.ctx, "t1", "meeting:nope") is None


async def test_no_proxy_section_when_the_rules_allow_no_proxies(tmp_path, clock):
    app = society_app(tmp_path, clock, proxies="allowed = false")
    try:
        async with served(app) as client:
            html = unescape(await page(client, path_for(app, "t1")))
    finally:
        app.db.close()
    assert 'name="rsvp"' in html  # the link is for the reply to the notice
    assert "Your proxy" not in html and 'name="holder_kind"' not in html


async def test_proxy_in_chat_leads_a_member_without_buttons_to_their_page(app):
    from tests.handlers.votes.test_votes import Kit

    kit = Kit(app.ctx, roster="", linked=("t1",))
    [shown] = kit.command("t1", "proxy")
    assert shown.flow == FLOW  # an SMS or e-mail adapter links the page for it
    url = page_links.page_link(app.ctx, "t1", shown.flow)
    async with served(app) as client:
        html = unescape(await page(client, url.removeprefix(PUBLIC)))
    assert "Annual general meeting 2027: you have no proxy." in html
