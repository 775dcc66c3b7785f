"""The member's page over HTTP (aiohttp's test client): every ballot method, a pulse round
and a suggestion, cast through the chat handlers, with refusals, mistakes and results."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.web.member_page import csrf_for
from handlers.members import page_links
from handlers.pulses import answers as pulse_answers
from handlers.votes.admin import close_vote, create_vote, open_vote
from storage.pulses import queries as pulses
from storage.votes import queries as vote_store
from tests.handlers.pulses.test_pulse_chat import open_round
from tests.handlers.votes.test_votes import definition, options
from tests.helpers import add_members, link
from tests.web.console_harness import console_app, served

PUBLIC = "https://voice.example.org"
MAX_PAGE = 50 * 1024
RECEIPT = re.compile(r"Your receipt code: ([2-9A-Z]{4}-[2-9A-Z]{4})")


@pytest.fixture
def app(tmp_path, clock):
    made = console_app(tmp_path, clock, public_url=PUBLIC)
    yield made
    made.db.close()


def path_for(app, member_id: str, flow: str) -> str:
    url = page_links.page_link(app.ctx, member_id, flow)
    assert url is not None and url.startswith(f"{PUBLIC}/m/")
    return url.removeprefix(PUBLIC)


def open_a_vote(app, vote_id: str = "agm", **fields) -> None:
    create_vote(app.ctx, definition(id=vote_id, **fields), "test")
    open_vote(app.ctx, vote_id, "test")


async def page(client, path: str, status: int = 200) -> str:
    answer = await client.get(path)
    html = await answer.text()
    assert answer.status == status, html
    assert len(html.encode()) < MAX_PAGE
    assert "Set-Cookie" not in answer.headers
    return html


async def post(client, path: str, data: dict | list, status: int = 303) -> str:
    token = path.rsplit("/", 1)[1]
    fields = [("csrf", csrf_for(token)), *(data.items() if isinstance(data, dict) else data)]
    answer = await client.post(path, data=fields, allow_redirects=False)
    html = await answer.text()
    assert answer.status == status, html
    if status == 303:
        assert answer.headers["Location"].startswith(path)
    assert "Set-Cookie" not in answer.headers
    return html


def tally(app, vote_id: str) -> list[tuple[str, int]]:
    return sorted(vote_store.choice_counts(app.db, vote_id))


BALLOTS = [
    ({"method": "resolution"}, {"choice": "1"}, "against"),
    ({"method": "single", "options": options("Amber", "Birch")}, {"choice": "1"}, None),
    (
        {"method": "approval", "options": options("Amber", "Birch", "Cedar")},
        [("choice", "0"), ("choice", "2")],
        None,
    ),
    (
        {
            "method": "budget",
            "budget": 5000,
            "options": (options("Bench", cost=3000) + options("Bins", cost=1500)),
        },
        [("choice", "1")],
        None,
    ),
    (
        {"method": "irv", "options": options("Amber", "Birch", "Cedar")},
        {"rank-0": "2", "rank-2": "1"},
        None,
    ),
    (
        {"method": "stv", "seats": 2, "options": options("Amber", "Birch", "Cedar", "Dara")},
        {"rank-3": "1", "rank-1": "2", "rank-0": "3"},
        None,
    ),
]


@pytest.mark.parametrize(("fields", "form", "_word"), BALLOTS, ids=lambda v: str(v)[:20])
async def test_every_method_casts_one_ballot_with_a_receipt(app, fields, form, _word):
    open_a_vote(app, **fields)
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        ballot = await page(client, path)
        assert '<html lang="en">' in ballot and "<script" not in ballot
        assert "Cast my vote" in ballot
        await post(client, path, form)
        after = await page(client, path)
    receipt = RECEIPT.search(after)[1]
    assert vote_store.has_voted(app.db, "agm", "t1")
    assert vote_store.count_voters(app.db, "agm") == 1
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", receipt)
    assert sum(n for _c, n in tally(app, "agm")) == 1
    assert "Cast my vote" not in after  # votes here cannot be changed


async def test_a_ranking_is_cast_in_the_order_of_the_numbers_typed(app, clock):
    open_a_vote(app, method="irv", options=options("Amber", "Birch", "Cedar"))
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        await post(client, path, {"rank-0": "3", "rank-1": "1", "rank-2": "2"})
    ((choice, count),) = tally(app, "agm")
    assert count == 1
    # Encoded as chat encodes a ranking (Birch, Cedar, Amber): the same as three presses.
    from handlers.votes.results import encode
    from handlers.votes.state import load

    assert choice == encode(load(app.ctx, "agm").definition, [1, 2, 0])


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"rank-0": "1", "rank-1": "1"}, "rank-0", "more than one choice"),
        ({"rank-0": "1", "rank-1": "3"}, "rank-1", "2 is missing"),
        ({"rank-0": "9"}, "rank-0", "from 1 to 3"),
        ({"rank-0": "x"}, "rank-0", "from 1 to 3"),
        ({}, "rank-0", "Please type 1"),
    ],
)
async def test_a_ranking_with_mistakes_is_shown_again_with_each_tied_to_its_box(
    app, form, field, words
):
    open_a_vote(app, method="irv", options=options("Amber", "Birch", "Cedar"))
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        html = await post(client, path, form, status=400)
    assert 'role="alert"' in html and words in html
    assert f'id="{field}" ' in html
    box = re.search(rf'<input id="{field}"[^>]*>', html)[0]
    assert 'aria-invalid="true"' in box and f'aria-describedby="{field}-error"' in box
    assert not vote_store.has_voted(app.db, "agm", "t1")


async def test_a_ballot_cast_in_chat_is_not_cast_again_on_the_page(app):
    from tests.handlers.votes.test_votes import Kit

    open_a_vote(app)
    kit = Kit(app.ctx, roster="", linked=("t1",))
    kit.vote("t1", "agm", "For")
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        html = await page(client, path)
        assert "already voted" in html and "<form" not in html
        await post(client, path, {"choice": "1"})
    assert sum(n for _c, n in tally(app, "agm")) == 1
    assert vote_store.count_voters(app.db, "agm") == 1


async def test_a_changeable_vote_takes_a_new_ballot_in_place_of_the_old(app):
    open_a_vote(app, method="single", options=options("Amber", "Birch"), allow_change=True)
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        await post(client, path, {"choice": "0"})
        again = await page(client, path)
        assert "voting again replaces your earlier vote" in again
        await post(client, path, {"choice": "1"})
    assert sum(n for _c, n in tally(app, "agm")) == 1


async def test_after_close_the_link_shows_the_result_and_the_receipt_counted(app, clock):
    open_a_vote(app)
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        await post(client, path, {"choice": "0"})
        receipt = RECEIPT.search(await page(client, path))[1]
        clock.advance(days=8)
        close_vote(app.ctx, "agm", "test")
        html = await page(client, path)
    assert "The result" in html and "<form" not in html
    assert f"Your receipt code: {receipt}" in html
    assert f"ballot {receipt} is in the count" in html


async def test_the_result_on_the_page_is_worded_as_in_chat(app, clock):
    from markupsafe import escape

    from handlers import i18n
    from handlers.votes.results import message_text, result_of
    from handlers.votes.state import load

    open_a_vote(app)
    path = path_for(app, "t2", "vote:agm")
    clock.advance(days=8)
    close_vote(app.ctx, "agm", "test")
    summary = result_of(app.ctx, load(app.ctx, "agm"))
    said = message_text(summary, i18n.translator("en"), officer_has_more=True)
    async with served(app) as client:
        html = await page(client, path)
    assert said and str(escape(said)) in html


async def test_a_form_without_its_token_or_from_another_site_is_refused(app):
    open_a_vote(app)
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        forged = await client.post(path, data={"choice": "0"}, allow_redirects=False)
        assert forged.status == 403
        cross = await client.post(
            path,
            data={"csrf": csrf_for(path.rsplit("/", 1)[1]), "choice": "0"},
            headers={"Sec-Fetch-Site": "cross-site"},
            allow_redirects=False,
        )
        assert cross.status == 403
    assert not vote_store.has_voted(app.db, "agm", "t1")


async def test_a_link_opens_its_own_flow_and_nothing_of_the_console(app):
    open_a_vote(app)
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        await page(client, path)
        console = await client.get("/", allow_redirects=False)
        assert console.status in (302, 303, 401, 403) or "Sign in" in await console.text()
        assert "Signed in as" not in await console.text()
        answer = await client.get(path)
        for header in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
            assert header in answer.headers
        assert answer.headers["Cache-Control"] == "no-store"


async def test_an_unknown_link_names_nobody_and_a_flood_is_held_off(app):
    async with served(app) as client:
        html = await page(client, "/m/not-a-real-token-at-all", status=404)
        assert "This link does not work" in html and "Pat" not in html
        welsh = await client.get("/m/unknown-token", headers={"Accept-Language": "cy-GB, en;q=0.8"})
        assert "Nid yw&#39;r ddolen hon yn gweithio" in await welsh.text()
        for _n in range(10):
            await client.get("/m/another-wrong-one")
        held = await client.get("/m/yet-another")
        assert held.status == 429


async def test_a_welsh_member_reads_their_page_in_welsh(app):
    add_members(app.ctx, "member_id,name,email,constituency,language\nt9,Gwen Jones,,tenant,cy\n")
    open_a_vote(app, method="irv", options=options("Amber", "Birch"))
    path = path_for(app, "t9", "vote:agm")
    async with served(app) as client:
        html = await page(client, path)
    assert '<html lang="cy">' in html
    assert "Cast my vote" not in html and "Skip to the main content" not in html


async def test_a_whole_round_is_answered_on_one_form_through_the_chat_handlers(app):
    round_row = open_round(app.ctx, "staff-pulse")
    flow = f"pulse:{round_row['id']}"
    path = path_for(app, "s1", flow)
    definition = pulse_answers.definition_of(round_row)
    async with served(app) as client:
        html = await page(client, path)
        assert html.count("<fieldset") + html.count("<textarea") == len(definition.questions)
        form = {}
        for index, question in enumerate(definition.questions):
            if hasattr(question, "choices") and question.choices():
                form[f"q-{index}"] = "0"
            else:
                form[f"q-{index}"] = "More plants in the office, please."
        await post(client, path, form)
        done = await page(client, path)
    part = pulses.participant(app.db, round_row["id"], "s1")
    assert part["finished"] and part["answered_at"]
    assert "thank you" in done.lower() and "<form" not in done
    answers = list(
        app.db.query("select * from pulse_answers where round_id = ?", [round_row["id"]])
    )
    assert len(answers) == sum(
        1 for q in definition.questions if hasattr(q, "choices") and q.choices()
    )
    assert all(row["member_id"] is None for row in answers)  # anonymous, as in chat


async def test_a_required_question_left_out_is_an_error_tied_to_its_group(app):
    from dataclasses import replace

    from handlers.pulses import definitions as pulse_definitions
    from handlers.pulses.rounds import open_round as open_survey_round

    built_in = pulse_definitions.load(app.ctx)["staff-pulse"]
    first, *rest = built_in.questions
    strict = replace(built_in, questions=(replace(first, optional=False), *rest))
    round_row = open_survey_round(app.ctx, strict, "test")
    path = path_for(app, "s1", f"pulse:{round_row['id']}")
    async with served(app) as client:
        html = await post(client, path, {}, status=400)
    fieldset = re.search(r"<fieldset[^>]*>\s*<legend>[^<]*Question 1 of", html)[0]
    assert 'aria-invalid="true"' not in fieldset  # a group is described, not marked invalid
    assert 'aria-describedby="q-0-error' in fieldset
    assert 'id="q-0-error"' in html and "Please choose an answer" in html
    assert '<a href="#q-0">' in html  # the summary leads to the first radio
    assert not pulses.participant(app.db, round_row["id"], "s1")["finished"]
    assert app.db["pulse_answers"].count == 0


async def test_a_suggestion_goes_to_the_council_as_from_chat(app):
    path = path_for(app, "t1", "suggest")
    async with served(app) as client:
        form = await page(client, path)
        assert "Should the staff council see your name?" in form
        await post(client, path, {"text": "A bench by the bus stop", "topic": "0", "named": "a"})
        thanks = await page(client, f"{path}?sent=1")
    assert "has gone to the staff council" in thanks
    row = app.db.execute("select text, named, member_id from suggestions").fetchone()
    assert row == ("A bench by the bus stop", 0, None)  # anonymous: as from chat, no name
    keys = [k for (k,) in app.db.execute("select key from outbox")]
    assert any(k.endswith(":card") for k in keys)


async def test_an_anonymous_suggestion_with_a_phone_number_asks_first(app):
    path = path_for(app, "t1", "suggest")
    text = "Call me on 07700 900123 about the lift"
    async with served(app) as client:
        html = await post(client, path, {"text": text, "topic": "0", "named": "a"}, status=400)
        assert "may identify" in html and 'name="anyway"' in html
        assert text in html  # the words are kept in the form
        assert app.db["suggestions"].count == 0
        await post(client, path, {"text": text, "topic": "0", "named": "a", "anyway": "yes"})
    assert app.db["suggestions"].count == 1
    assert app.db["suggestion_drafts"].count == 0


async def test_a_suggestion_form_missing_its_choices_says_which(app):
    path = path_for(app, "t1", "suggest")
    async with served(app) as client:
        html = await post(client, path, {"text": "Hello there council"}, status=400)
    assert 'id="topic-error"' in html and 'id="named-error"' in html
    assert app.db["suggestions"].count == 0


async def test_a_ballot_cast_on_the_page_is_not_cast_again_in_chat(app):
    from tests.handlers.votes.test_votes import Kit

    open_a_vote(app)
    path = path_for(app, "t1", "vote:agm")
    async with served(app) as client:
        await post(client, path, {"choice": "0"})
    kit = Kit(app.ctx, roster="", linked=("t1",))
    [refusal] = kit.command("t1", "vote", "agm")
    assert "You've already voted in Adopt the new rules" in refusal.text
    assert not refusal.choices
    assert vote_store.count_voters(app.db, "agm") == 1
    assert sum(n for _c, n in tally(app, "agm")) == 1


async def test_no_reminder_goes_to_someone_who_answered_on_the_page(app, clock):
    from handlers.pulses import rounds as pulse_rounds
    from handlers.votes.chat import tick as vote_tick
    from storage.timestamps import parse

    add_members(app.ctx, "member_id,name,email,constituency\ns9,Kit Moss,,staff\n")
    for member_id in ("t1", "t2", "s1", "s9"):
        link(app.ctx, member_id)
    closes = clock() + timedelta(days=2)
    open_a_vote(app, closes=closes, reminder_hours=(20,), constituencies=("tenant",))
    round_row = open_round(app.ctx, "staff-pulse")
    app.postman.post(list(pulse_rounds.invitations(app.ctx, round_row)))
    vote_path, round_path = (
        path_for(app, "t1", "vote:agm"),
        path_for(app, "s1", f"pulse:{round_row['id']}"),
    )
    async with served(app) as client:
        await post(client, vote_path, {"choice": "0"})
        await post(client, round_path, {})  # every question may be left out
    clock.now = closes - timedelta(hours=20)
    reminded = {m.to.member_id for m in vote_tick(app.ctx, clock()) if hasattr(m, "to")}
    assert reminded == {"t2"}
    clock.now = parse(round_row["remind_at"]) + timedelta(minutes=1)
    fresh = pulses.get_round(app.db, round_row["id"])
    assert [m.to.member_id for m in pulse_rounds.reminders(app.ctx, fresh)] == ["s9"]


async def test_the_largest_page_and_its_stylesheet_together_stay_under_50_kb(app):
    open_a_vote(app, method="stv", seats=2, options=options(*(f"Candidate {n}" for n in range(20))))
    round_row = open_round(app.ctx, "staff-pulse")
    async with served(app) as client:
        css = await client.get("/static/member.css")
        assert css.status == 200
        sheet = len(await css.read())
        for path in (
            path_for(app, "t1", "vote:agm"),
            path_for(app, "s1", f"pulse:{round_row['id']}"),
        ):
            html = await page(client, path)
            assert len(html.encode()) + sheet < MAX_PAGE
            assert 'href="/static/member.css"' in html and "<script" not in html
