"""A form sent after the session has ended is not lost: the officer signs in again and
returns to it, filled in, and sends it again with the new session's token."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import pytest

from bot.config import Settings, WebSettings
from bot.web.drafts import DRAFTS
from handlers.settings import Admin
from tests.helpers import add_members
from tests.web.console_harness import (
    OFFICER,
    csrf_in,
    link_path,
    served,
    sign_in,
    signed_in,
    suggestion,
)

FORM = {
    "id": "new-chair",
    "title": "Choose the new chair",
    "explanation": "Approve everyone you would be happy with.\nSecond line.",
    "method": "approval",
    "options": "Ann\nBen\nCal",
    "closes": "2027-01-01T17:00",
    "reminder_hours": "24",
    "constituencies": "tenant",
}


@pytest.fixture
def app(tmp_path, clock):
    from bot.app import App

    settings = dataclasses.replace(
        Settings(), folder=tmp_path, admin=Admin(officers=(OFFICER, "s2")), web=WebSettings()
    )
    started = App(settings, clock=clock)
    add_members(started.ctx)
    add_members(started.ctx, "member_id,name,email,constituency\ns2,Alex Rowe,,staff\n")
    yield started
    started.db.close()


async def timed_out_post(client, app, clock, path: str, form: dict[str, str]) -> str:
    """Open `path`'s page, wait past the idle limit, send `form`; the page that answers."""
    page = await client.get(path)
    token = csrf_in(await page.text())
    clock.advance(hours=12, seconds=1)
    answer = await client.post(path, data={**form, "csrf": token})
    assert answer.status == 401
    return await answer.text()


async def test_a_vote_form_sent_after_the_session_ended_comes_back_filled_in(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        page = await timed_out_post(client, app, clock, "/votes/new", FORM)
        assert '<div class="alert" role="alert"><p><strong>Not sent:</strong>' in page
        assert app.db["votes"].count == 0
        # Signing in again in this browser goes back to the form, filled in.
        path = link_path(app)
        link_page = await client.get(path)
        answer = await client.post(
            "/signin",
            data={"csrf": csrf_in(await link_page.text()), "token": path.rsplit("/", 1)[1]},
            allow_redirects=False,
        )
        assert answer.status == 303 and answer.headers["Location"] == "/votes/new"
        form_page = await (await client.get("/votes/new")).text()
        assert "Your session had ended, so this was not sent." in form_page
        assert 'value="Choose the new chair"' in form_page
        assert "Approve everyone you would be happy with.\nSecond line.</textarea>" in form_page
        assert 'value="tenant" checked' in form_page
        assert app.db["votes"].count == 0  # nothing sent without the officer
        # Shown once: the next visit is a new form.
        again = await (await client.get("/votes/new")).text()
        assert "Choose the new chair" not in again
        # Sent again with the new session's token, as the page carries it.
        values = dict(re.findall(r'<input id="(\w+)" name="\w+" value="([^"]*)"', form_page))
        assert values["title"] == "Choose the new chair"
        made = await client.post("/votes/new", data={**FORM, "csrf": csrf_in(form_page)})
        assert "Created vote new-chair" in await made.text()


async def test_the_old_token_sends_nothing_after_signing_in_again(app, clock) -> None:
    async with served(app) as client:
        old = await signed_in(client, app)
        await timed_out_post(client, app, clock, "/votes/new", FORM)
        await sign_in(client, link_path(app))
        replayed = await client.post("/votes/new", data={**FORM, "csrf": old})
        assert replayed.status == 403
    assert app.db["votes"].count == 0


async def test_a_reply_to_a_suggester_comes_back_filled_in(app, clock) -> None:
    number = suggestion(app, "Could the laundry open earlier?")
    async with served(app) as client:
        await signed_in(client, app)
        page = await client.get(f"/suggestions/{number}")
        token = csrf_in(await page.text())
        clock.advance(hours=24, seconds=1)  # the day's limit, however busy
        refused = await client.post(
            f"/suggestions/{number}/reply", data={"csrf": token, "words": "Yes, from May <b>"}
        )
        assert refused.status == 401
        assert await sign_in(client, link_path(app)) == 303
        back = await (await client.get(f"/suggestions/{number}")).text()
        assert "Yes, from May &lt;b&gt;</textarea>" in back
        assert unescape("Your session had ended, so this was not sent.") in back


async def test_only_the_same_officer_gets_the_form_back(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        await timed_out_post(client, app, clock, "/votes/new", FORM)
        path = link_path(app, "s2")
        link_page = await client.get(path)
        answer = await client.post(
            "/signin",
            data={"csrf": csrf_in(await link_page.text()), "token": path.rsplit("/", 1)[1]},
            allow_redirects=False,
        )
        assert answer.headers["Location"] == "/"
        assert "Choose the new chair" not in await (await client.get("/votes/new")).text()
        assert list(client.server.app[DRAFTS].kept) == [OFFICER]  # still theirs alone


async def test_signing_in_in_another_browser_returns_to_the_form_too(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        await timed_out_post(client, app, clock, "/votes/new", FORM)
        client.session.cookie_jar.clear()  # now the chat app's own browser, without cookies
        assert await sign_in(client, link_path(app)) == 303
        page = await (await client.get("/votes/new")).text()
        assert 'value="Choose the new chair"' in page


async def test_a_form_without_its_sessions_token_is_not_kept(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        clock.advance(hours=13)
        refused = await client.post("/votes/new", data={**FORM, "csrf": "0" * 64})
        assert refused.status == 401 and "Not sent:" not in await refused.text()
        assert client.server.app[DRAFTS].kept == {}


async def test_a_kept_form_is_forgotten_after_a_day(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        await timed_out_post(client, app, clock, "/votes/new", FORM)
        clock.advance(hours=24, seconds=1)
        path = link_path(app)
        link_page = await client.get(path)
        answer = await client.post(
            "/signin",
            data={"csrf": csrf_in(await link_page.text()), "token": path.rsplit("/", 1)[1]},
            allow_redirects=False,
        )
        assert answer.headers["Location"] == "/"
        assert client.server.app[DRAFTS].kept == {}


async def test_a_roster_is_never_kept(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        page = await client.get("/members/import")
        token = csrf_in(await page.text())
        clock.advance(hours=13)
        roster = "member_id,name,email,constituency\nt9,Kit Moss,kit@example.org,tenant\n"
        refused = await client.post("/members/import", data={"csrf": token, "csv": roster})
        assert refused.status == 401 and "Not sent:" not in await refused.text()
        assert client.server.app[DRAFTS].kept == {}


async def test_a_cancel_reason_comes_back_on_the_confirmation_page(app, clock) -> None:
    from handlers.votes import admin
    from surveys.votes.definitions import parse_vote

    table = {**FORM, "options": [{"name": "A"}, {"name": "B"}], "id": "garden"}
    del table["reminder_hours"], table["constituencies"]
    admin.create_vote(app.ctx, parse_vote(table, "test"), "test")
    async with served(app) as client:
        await signed_in(client, app)
        form = {"reason": "Made twice by mistake.", "confirm": "yes"}
        await timed_out_post(client, app, clock, "/votes/garden/cancel", form)
        assert await sign_in(client, link_path(app)) == 303
        page = await (await client.get("/votes/garden/cancel")).text()
        assert "Made twice by mistake.</textarea>" in page
    assert app.db["votes"].get("garden")["status"] == "scheduled"  # sent again only by hand
