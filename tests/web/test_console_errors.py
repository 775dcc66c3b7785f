"""Errors in the console look like errors: never the green box that says a change was made,
marked with the word "Error:" (not colour alone), every mistake of a form at once, and what
to do in the console rather than which command to run."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.messages import QUOTE_CLOSE, QUOTE_OPEN
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import rounds as pulse_rounds
from handlers.votes import admin
from storage.members import link_identity
from surveys.votes.definitions import parse_vote
from tests.web.console_harness import console_app, served, signed_in, suggestion

ALERT = re.compile(
    r'<div class="alert" role="alert"><p><strong>Error:</strong> (.*?)</p></div>', re.S
)
NOTE = re.compile(r'<p class="note" role="status">(.*?)</p>', re.S)


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


def no_commands(html: str) -> None:
    assert "mutual-voice" not in html and "--replace" not in html


async def test_a_vote_form_reports_every_mistake_at_once_with_links_to_each(app) -> None:
    form = {
        "id": "Bad Id!",
        "title": "",
        "explanation": "Choose.",
        "method": "approval",
        "options": "Ann",
        "closes": "2020-01-01T17:00",
        "reminder_hours": "soon",
    }
    async with served(app) as client:
        csrf = await signed_in(client, app)
        answer = await client.post("/votes/new", data={**form, "csrf": csrf})
        html = await answer.text()
    assert answer.status == 400
    summary = re.search(
        r'<div class="alert" role="alert"[^>]*data-error-summary>(.*?)</div>', html, re.S
    )
    assert summary, html
    assert "<strong>Error:</strong> 5 things to fix before the vote can be created" in summary[1]
    linked = re.findall(r'<li><a href="#(\w+)">', summary[1])
    assert linked == ["id", "title", "options", "closes", "reminder_hours"]  # the page's order
    for field in linked:  # each field is marked, with its message beside it
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error', html
        )
        assert f'id="{field}-error">' in html
    assert 'id="options-error">must be 2 to 30 [[options]] tables (found 1)' in html
    assert 'id="closes-error">2020-01-01T17:00:00+00:00 is already in the past' in html
    assert 'id="title-error">missing' in html
    assert app.db["votes"].count == 0


async def test_a_form_with_one_mistake_between_fields_names_it(app) -> None:
    form = {
        "id": "garden",
        "title": "Garden",
        "explanation": "Choose.",
        "method": "approval",
        "options": "Ann\nBen",
        "seats": "3",
        "closes": "2027-01-01T17:00",
        "reminder_hours": "24",
    }
    async with served(app) as client:
        csrf = await signed_in(client, app)
        html = await (await client.post("/votes/new", data={**form, "csrf": csrf})).text()
    assert "1 thing to fix" in html
    assert 'id="seats-error">3 winners need at least as many options' in html


async def test_an_id_already_taken_says_what_to_do_here_not_which_command(app) -> None:
    table = {
        "id": "garden",
        "title": "Garden",
        "explanation": "Choose.",
        "method": "approval",
        "options": [{"name": "A"}, {"name": "B"}],
        "closes": "2027-01-01T17:00",
    }
    admin.create_vote(app.ctx, parse_vote(table, "test"), "test")
    form = {**table, "options": "A\nB", "reminder_hours": "24"}
    async with served(app) as client:
        csrf = await signed_in(client, app)
        html = await (await client.post("/votes/new", data={**form, "csrf": csrf})).text()
    assert (
        'id="id-error">a vote &#39;garden&#39; already exists, scheduled: choose another id' in html
    )
    no_commands(html)


async def test_a_vote_that_cannot_open_is_an_error_not_news(app, clock) -> None:
    table = {
        "id": "late",
        "title": "Late",
        "explanation": "Choose.",
        "method": "approval",
        "options": [{"name": "A"}, {"name": "B"}],
        "closes": (clock() + timedelta(hours=1)).isoformat(),
    }
    admin.create_vote(app.ctx, parse_vote(table, "test"), "test")
    clock.advance(hours=2)
    async with served(app) as client:
        csrf = await signed_in(client, app)
        page = await client.post("/votes/late/open", data={"csrf": csrf})
        html = await page.text()
    [error] = ALERT.findall(html)
    assert error.startswith("Not opened: late cannot open: its closing time")
    assert not NOTE.search(html)  # never in the green box


async def test_a_pulse_that_cannot_be_sent_says_what_to_do_in_the_console(app) -> None:
    definition = pulse_definitions.load(app.ctx)["tenant-pulse"]
    pulse_rounds.open_round(app.ctx, definition, "test")
    async with served(app) as client:
        csrf = await signed_in(client, app)
        html = await (await client.post("/pulses/tenant-pulse/send", data={"csrf": csrf})).text()
    [error] = ALERT.findall(html)
    assert error.startswith("Not sent: round 1 of tenant-pulse is still open until")
    assert error.endswith(": close it first with its Close this round button")
    assert not NOTE.search(html)
    no_commands(html)


async def test_a_page_that_is_not_there_is_an_error_page_of_the_console(app) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        answer = await client.get("/members/nobody")
        html = await answer.text()
    assert answer.status == 404
    assert "<h1>Not found</h1>" in html
    [error] = ALERT.findall(html)
    assert error == "no member with id &#39;nobody&#39; (see Members)"


async def test_an_expired_form_token_is_an_error_page_saying_what_to_do(app) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        answer = await client.post("/votes/new", data={"csrf": "0" * 64, "title": "x"})
        html = await answer.text()
    assert answer.status == 403
    [error] = ALERT.findall(html)
    assert "Go back, reload the page and try again." in error


async def test_the_reply_note_says_what_was_sent(app) -> None:
    link_identity(app.db, "telegram", "u-t1", "u-t1", "t1", app.clock())
    number = suggestion(app, "Fix the lift")
    async with served(app) as client:
        csrf = await signed_in(client, app)
        sent = await client.post(
            f"/suggestions/{number}/reply", data={"csrf": csrf, "words": "Booked for Monday."}
        )
        html = await sent.text()
    [note] = NOTE.findall(html)
    assert note == f"Reply sent to the suggester of #{number}:\n\nBooked for Monday."
    assert QUOTE_OPEN not in html and QUOTE_CLOSE not in html


async def test_a_reply_that_cannot_be_passed_on_is_an_error_not_news(app) -> None:
    from storage import audit
    from storage.suggestions import queries as suggestions

    link_identity(app.db, "telegram", "u-t1", "u-t1", "t1", app.clock())
    number = suggestion(app, "Fix the lift")
    async with served(app) as client:
        csrf = await signed_in(client, app)
        # Closed meanwhile (by the council in chat, say), while this page was open.
        suggestions.set_status(app.db, number, "adopted", app.clock())
        sent = await client.post(
            f"/suggestions/{number}/reply", data={"csrf": csrf, "words": "Booked for Monday."}
        )
        html = await sent.text()
    [error] = ALERT.findall(html)
    assert error == (
        f"Not sent: Suggestion #{number} is closed (adopted), so messages about it can no "
        "longer be passed on."
    )
    assert not NOTE.search(html)
    assert audit.entries(app.db, "suggestion.reply") == []


async def test_a_round_not_sent_yet_says_how_to_send_one_here(app) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        answer = await client.get("/pulses/tenant-pulse/1")
        html = await answer.text()
    assert answer.status == 404
    [error] = ALERT.findall(html)
    assert error == "&#39;tenant-pulse&#39; has no rounds yet: send one with Send a round now"
    no_commands(html)
