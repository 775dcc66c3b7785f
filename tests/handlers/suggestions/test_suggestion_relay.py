"""The anonymous two-way relay, and what erasure does to suggestions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.messages import unquoted
from storage import privacy
from storage.suggestions import queries as suggestions
from tests.handlers.suggestions.test_suggestions import (
    COUNCILLOR,
    LEE,
    MARKUP,
    PAT,
    PAT_ID,
    SAM,
    Chat,
    assert_council_never_learns_who,
    labels,
    to,
)


@pytest.fixture
def chat(ctx) -> Chat:
    return Chat(ctx)


def test_council_reply_reaches_the_member_and_their_answer_reaches_the_council(chat):
    card, _ = chat.suggest(PAT, MARKUP)
    [ask] = chat.press(COUNCILLOR, card, "Reply")
    assert ask["chat_id"] == COUNCILLOR.chat_id and ask["payload"]["prompt"] == "suggest.reply:1"
    assert "won't see who they are" in ask["payload"]["text"]
    rows = chat.say(COUNCILLOR, "Thank you. Which block do you mean?")
    [relayed] = to(rows, PAT)
    assert relayed["member_id"] == PAT_ID and relayed["quiet"] == 1
    assert relayed["key"].startswith("suggestion:1:log:")
    assert "Thank you. Which block do you mean?" in relayed["payload"]["text"]
    assert labels(relayed) == ["Reply"]
    [sent] = to(rows, COUNCILLOR)
    assert sent["payload"]["text"].startswith("Reply sent to the suggester of #1:")

    [ask] = chat.press(PAT, relayed, "Reply")
    assert ask["payload"]["prompt"] == "suggest.answer:1"
    assert "They won't see your name" in ask["payload"]["text"]
    rows = chat.say(PAT, "Block C, by the bins. <!here>")
    [answer] = [r for r in rows if r["chat_id"] == COUNCILLOR.chat_id]
    assert unquoted(answer["payload"]["text"]) == "Block C, by the bins. <!here>"
    assert answer["payload"]["title"] == "Suggestion #1 · answer from the suggester"
    assert labels(answer) == ["Acknowledge", "Under discussion", "Adopted", "Not adopted", "Reply"]
    [thanks] = to(rows, PAT)
    assert "passed your answer to the staff council" in thanks["payload"]["text"]

    rows = chat.press(COUNCILLOR, answer, "Reply")
    chat.say(COUNCILLOR, "Thanks, we will send someone.")
    kinds = [h["kind"] for h in suggestions.history(chat.ctx.db, 1)]
    assert kinds == ["status", "council", "member", "council"]
    assert suggestions.get(chat.ctx.db, 1)["responded_at"]
    assert_council_never_learns_who(chat)


def test_officer_replies_from_a_direct_message_and_the_council_sees_it(chat):
    card, _ = chat.suggest(PAT, "Please fix the lift at Oak House")
    chat.press(SAM, card, "Reply")
    rows = chat.say(SAM, "An engineer is booked for Tuesday.")
    assert "An engineer is booked" in to(rows, PAT)[0]["payload"]["text"]
    [council] = [r for r in rows if r["chat_id"] == COUNCILLOR.chat_id]
    assert "An engineer is booked" in council["payload"]["text"]
    assert_council_never_learns_who(chat)


def test_after_closing_replies_are_refused_kindly_both_ways(chat):
    card, _ = chat.suggest(PAT, "Please fix the lift at Oak House")
    chat.press(COUNCILLOR, card, "Reply")
    [relayed] = to(chat.say(COUNCILLOR, "Which floor?"), PAT)
    [ask] = chat.press(PAT, relayed, "Reply")  # Pat starts to answer...
    rows = chat.press(COUNCILLOR, card, "Adopted")  # ...and the council closes it
    assert "now closed" in to(rows, PAT)[0]["payload"]["text"]
    # The question Pat left open went with the close (it linked Pat's chat to #1), so
    # the words are not passed on: they are offered as a new suggestion instead.
    [offered] = chat.say(PAT, "The third floor")
    assert "as a suggestion?" in offered["payload"]["text"]
    assert not chat.ctx.db["conversations"].count_where("prompt like 'suggest.answer:%'")
    [refused] = chat.press(PAT, relayed, "Reply")
    assert "is closed (adopted)" in refused["payload"]["text"]
    [refused] = chat.press(COUNCILLOR, card, "Reply")
    assert "can no longer be passed on" in refused["payload"]["text"]
    assert chat.ctx.db["suggestion_relay"].count == 0


def test_someone_else_cannot_answer_for_the_suggester(chat):
    card, _ = chat.suggest(PAT, "Please fix the lift at Oak House")
    chat.press(COUNCILLOR, card, "Reply")
    [relayed] = to(chat.say(COUNCILLOR, "Which floor?"), PAT)
    [refused] = chat.press(LEE, relayed, "Reply")  # a forged or forwarded button
    assert "no longer works" in refused["payload"]["text"]
    [refused] = chat.press(PAT, card, "Reply")  # a council button pressed by a member
    assert "only the staff council" in refused["payload"]["text"]


def test_named_suggestions_relay_with_the_name(chat):
    card, _ = chat.suggest(PAT, "Please fix the lift at Oak House", how="With my name")
    chat.press(COUNCILLOR, card, "Reply")
    [relayed] = to(chat.say(COUNCILLOR, "Thanks Pat, which floor?"), PAT)
    chat.press(PAT, relayed, "Reply")
    [answer] = [r for r in chat.say(PAT, "Third") if r["chat_id"] == COUNCILLOR.chat_id]
    assert answer["payload"]["title"] == "Suggestion #1 · answer from Pat Murphy"


def test_erasure_keeps_the_councils_record_but_removes_every_link(chat, clock):
    named_card, _ = chat.suggest(PAT, "More benches in the garden", how="With my name")
    card, _ = chat.suggest(PAT, "Please fix the lift at Oak House")
    chat.command(PAT, "suggest")
    chat.say(PAT, "A draft in progress")
    privacy.erase_member(chat.ctx.db, PAT_ID, datetime(2026, 11, 24, tzinfo=UTC))
    db = chat.ctx.db
    assert [r["text"] for r in suggestions.listing(db)] == [
        "More benches in the garden",
        "Please fix the lift at Oak House",
    ]
    named = suggestions.get(db, 1)
    assert named["named"] and named["name"] is None
    assert (
        db.execute("select count(*) from suggestions where member_id is not null").fetchone()[0]
        == 0
    )
    for table in ("suggestion_relay", "suggestion_drafts", "suggestion_sends"):
        assert db[table].count == 0, table
    [answer] = chat.press(COUNCILLOR, card, "Reply")
    assert "can no longer be reached" in answer["payload"]["text"]
    rows = chat.press(COUNCILLOR, named_card, "Acknowledge")
    assert "can't be reached" in rows[0]["payload"]["text"]
    from handlers.suggestions.card import card_text

    assert "a named member (their details were erased)" in card_text(chat.ctx, named)


def test_export_includes_the_members_suggestion_links(chat):
    chat.suggest(PAT, "Please fix the lift at Oak House")
    data = privacy.export_member(chat.ctx.db, PAT_ID)
    assert [r["suggestion_id"] for r in data["suggestion_relay"]] == [1]
