"""The council's side: statuses told to the suggester, reasons, `/suggestions`, overdue."""

from __future__ import annotations

import pytest

from handlers.messages import unquoted
from handlers.suggestions.council import housekeeping
from storage.suggestions import queries as suggestions
from tests.handlers.suggestions.test_suggestions import (
    COUNCILLOR,
    LEE,
    PAT,
    SAM,
    Chat,
    assert_council_never_learns_who,
    labels,
    to,
)


@pytest.fixture
def chat(ctx) -> Chat:
    return Chat(ctx)


def test_each_status_change_is_told_to_the_suggester_once(chat):
    card, _ = chat.suggest(PAT, "Please fix the lift at Oak House")
    rows = chat.press(COUNCILLOR, card, "Acknowledge")
    [notice] = to(rows, PAT)
    assert notice["key"] == "suggestion:1:status:acknowledged" and notice["quiet"] == 1
    assert "has seen your suggestion #1" in notice["payload"]["text"]
    assert "Please fix the lift at Oak House" in notice["payload"]["text"]
    [edited] = to(rows, COUNCILLOR)
    assert edited["payload"]["edit_ref"] == card["key"]
    assert "Status: Acknowledged" in edited["payload"]["text"]
    assert "the suggester has been told" in edited["payload"]["text"]

    [again] = chat.press(COUNCILLOR, card, "Acknowledge")
    assert "already marked Acknowledged" in again["payload"]["text"]

    rows = chat.press(COUNCILLOR, card, "Under discussion")
    [notice] = to(rows, PAT)
    assert "now discussing your suggestion #1" in notice["payload"]["text"]

    rows = chat.press(COUNCILLOR, card, "Adopted")
    [notice] = to(rows, PAT)
    assert "adopted your suggestion #1" in notice["payload"]["text"]
    assert labels(notice) == ["Make another suggestion"]
    [edited] = to(rows, COUNCILLOR)
    assert edited["payload"]["choices"] == []
    [closed] = chat.press(COUNCILLOR, card, "Under discussion")
    assert "already closed (Adopted)" in closed["payload"]["text"]
    assert [h["text"] for h in suggestions.history(chat.ctx.db, 1)] == [
        "new",
        "acknowledged",
        "under_discussion",
        "adopted",
    ]
    assert_council_never_learns_who(chat)


def test_not_adopted_needs_a_reason_and_the_suggester_reads_it(chat):
    card, _ = chat.suggest(PAT, "Open the community hall on Sundays")
    [ask] = chat.press(COUNCILLOR, card, "Not adopted")
    assert ask["payload"]["prompt"] == "suggest.reason:1"
    [again] = chat.say(COUNCILLOR, "   ")
    assert "A reason is needed" in again["payload"]["text"]
    assert suggestions.get(chat.ctx.db, 1)["status"] == "new"
    rows = chat.say(COUNCILLOR, "The hall has no staff on Sundays; we'll look again in spring.")
    [notice] = to(rows, PAT)
    assert "decided not to take forward your suggestion #1" in notice["payload"]["text"]
    assert "Their reason: The hall has no staff on Sundays" in unquoted(notice["payload"]["text"])
    [summary] = to(rows, COUNCILLOR)
    assert "Not adopted (reason: The hall has no staff" in summary["payload"]["text"]
    row = suggestions.get(chat.ctx.db, 1)
    assert row["status"] == "not_adopted" and row["closed_at"]
    assert suggestions.suggester(chat.ctx.db, 1) is None  # the link is gone
    assert_council_never_learns_who(chat)


def test_officer_lists_open_suggestions_and_acts_from_a_direct_message(chat):
    chat.suggest(PAT, "Please fix the lift at Oak House")
    chat.suggest(LEE, "More bike racks outside the office", topic="Workplace")
    [listing] = chat.command(SAM, "suggestions")
    text = listing["payload"]["text"]
    assert "Open suggestions (2)" in text and "#1 · my home · new · today" in text
    assert labels(listing) == ["#1 my home", "#2 workplace"]
    [card] = chat.press(SAM, listing, "#2 workplace")
    assert card["chat_id"] == SAM.chat_id
    assert unquoted(card["payload"]["text"]).startswith("More bike racks outside the office")
    rows = chat.press(SAM, card, "Under discussion")
    assert "now discussing" in to(rows, LEE)[0]["payload"]["text"]
    [note] = [r for r in rows if r["chat_id"] == "C0COUNCIL"]
    assert note["payload"]["text"].startswith(
        "Suggestion #2 was marked Under discussion by an officer"
    )
    [direct] = chat.command(SAM, "suggestions", "#1")
    assert direct["payload"]["title"] == "Suggestion #1 · my home"
    assert_council_never_learns_who(chat)


def test_suggestions_command_is_for_officers_only(chat):
    [refused] = chat.command(PAT, "suggestions")
    assert "only for membership officers" in refused["payload"]["text"]
    [empty] = chat.command(SAM, "suggestions")
    assert "no open suggestions" in empty["payload"]["text"]


def test_no_response_in_time_marks_overdue_once_and_nudges_the_council(chat, clock):
    chat.suggest(PAT, "Please fix the lift at Oak House")
    card, _ = chat.suggest(LEE, "More bike racks outside the office")
    chat.press(COUNCILLOR, card, "Acknowledge")
    clock.advance(days=13)
    assert housekeeping(chat.ctx, clock()) == []
    clock.advance(days=1, seconds=1)
    [nudge] = housekeeping(chat.ctx, clock())
    assert nudge.key == "suggestion:1:overdue" and nudge.to.council and nudge.quiet_hours
    assert nudge.text.startswith("Still waiting for a response after 14 days:")
    assert housekeeping(chat.ctx, clock()) == []
    assert [r["id"] for r in suggestions.overdue(chat.ctx.db)] == [1]
    chat.press(COUNCILLOR, chat.council_rows()[0], "Acknowledge")
    assert suggestions.overdue(chat.ctx.db) == []


def test_digest_queries(chat, clock):
    start = clock()
    chat.suggest(PAT, "The new garden is wonderful and the staff are great", topic="Services")
    card, _ = chat.suggest(LEE, "Please fix the lift at Oak House")
    chat.suggest(LEE, "Bins are terrible and awful at Elm Court")
    chat.press(COUNCILLOR, card, "Reply")
    chat.say(COUNCILLOR, "An engineer comes on Tuesday.")
    chat.press(COUNCILLOR, card, "Adopted")
    counts = suggestions.counts_since(chat.ctx.db, start)
    assert {(c["topic"], c["sentiment"]): c["suggestions"] for c in counts} == {
        ("services", "positive"): 1,
        ("my home", "neutral"): 1,
        ("my home", "negative"): 1,
    }
    assert [r["id"] for r in suggestions.new_since(chat.ctx.db, start)] == [1, 2, 3]
    [adopted] = suggestions.adopted(chat.ctx.db, since=start)
    assert adopted["id"] == 2 and adopted["replies"] == ["An engineer comes on Tuesday."]
    for row in suggestions.new_since(chat.ctx.db, start):
        assert "member_id" not in row and row["name"] is None


def test_a_suggestion_id_that_is_not_a_number_is_explained(chat):
    chat.suggest(PAT, "Please fix the lift at Oak House")
    for typed in ("abc", "#x", "1.5"):
        [answer] = chat.command(SAM, "suggestions", typed)
        text = answer["payload"]["text"]
        assert "#?" not in text
        assert f"{typed!r} is not a suggestion number" in text and "/suggestions 12" in text
    [missing] = chat.command(SAM, "suggestions", "99")
    assert missing["payload"]["text"] == "I can't find suggestion #99."
