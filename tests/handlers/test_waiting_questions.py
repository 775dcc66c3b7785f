"""A question left waiting is not lost: stray text, `/help` or a new session bring it back,
a typed label answers it as a tap would, and `/suggest` offers a half-written draft back."""

from __future__ import annotations

import io

import pytest

from bot.app import App
from bot.config import load_settings
from bot.runner import run_console
from storage import outbox
from storage.db import open_database
from storage.suggestions import queries as suggestions
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.helpers import FakeClock

QUESTION_1 = "Question 1 of 6: I feel my voice is heard and acted on."


def texts(rows: list[dict]) -> list[str]:
    return [row["payload"]["text"] for row in rows]


def test_a_stray_number_brings_the_waiting_check_in_question_back(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.command(member, "pulse")
    [again] = chat.say(member, "4")
    assert QUESTION_1 in again["payload"]["text"]
    assert "Please tap one of the buttons" in again["payload"]["text"]
    assert "suggestion" not in again["payload"]["text"]
    assert [o["label"] for o in again["payload"]["choices"]][:5] == [
        "Strongly disagree",
        "Disagree",
        "Neither",
        "Agree",
        "Strongly agree",
    ]
    assert suggestions.draft(ctx.db, 1, member) is None


def test_a_typed_label_answers_the_waiting_question_as_a_tap_would(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.command(member, "pulse")
    replies = chat.say(member, "agree")
    assert "✓ Agree" in replies[0]["payload"]["text"]
    assert "Question 2 of 6" in replies[-1]["payload"]["text"]


def test_help_in_the_middle_of_a_check_in_keeps_the_question(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.command(member, "pulse")
    chat.tap(member, "Agree")
    helped = chat.command(member, "help")
    assert "/pulse - answer this week's check-in" in helped[0]["payload"]["text"]
    assert "Question 2 of 6" in helped[-1]["payload"]["text"]  # the question, again
    assert helped[-1]["payload"]["choices"]
    replies = chat.tap(member, "Agree")
    assert "Question 3 of 6" in replies[-1]["payload"]["text"]


def test_help_keeps_a_waiting_comment_question(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.answer(member, ["Agree", "Agree", "Agree", "Agree", "9"])
    chat.command(member, "help")
    [saved] = chat.say(member, "More notice of rota changes, please.")
    assert saved["payload"]["text"].startswith("✓ Comment saved, without your name.")


@pytest.mark.parametrize("words", ["4", "x", "?", " 12 "])
def test_a_suggestion_of_only_a_number_or_one_character_is_questioned(ctx, words):
    [member] = join(ctx, staff=1)
    chat = PulseChat(ctx)
    chat.command(member, "suggest")
    [check] = chat.say(member, words)
    assert check["payload"]["text"] == (
        f"Your suggestion is just “{words.strip()}”. Is that what you want to send to the "
        "staff council?"
    )
    labels = [o["label"] for o in check["payload"]["choices"]]
    assert labels == ["Yes, that's it", "No, write it again", "Cancel"]
    [again] = chat.tap(member, "No, write it again")
    assert "Please write your suggestion" in again["payload"]["text"]
    [topic] = chat.say(member, "A bench by the bus stop on Oak Road")
    assert "What is it about?" in topic["payload"]["text"]


def test_a_short_suggestion_can_still_be_sent_when_meant(ctx):
    [member] = join(ctx, staff=1)
    chat = PulseChat(ctx)
    chat.command(member, "suggest")
    chat.say(member, "?")
    [topic] = chat.tap(member, "Yes, that's it")
    assert "What is it about?" in topic["payload"]["text"]


def test_suggest_offers_to_carry_on_with_a_draft(ctx, clock):
    [member] = join(ctx, staff=1)
    chat = PulseChat(ctx)
    chat.command(member, "suggest")
    chat.say(member, "Fix the lift at Oak House, it breaks every week")  # then leaves
    clock.advance(days=2)
    [offer] = chat.command(member, "suggest")
    assert offer["payload"]["text"] == (
        "You started a suggestion on Mon 23 Nov: “Fix the lift at Oak House, it breaks every "
        "week”. Carry on with it?"
    )
    assert [o["label"] for o in offer["payload"]["choices"]] == [
        "Carry on with it",
        "Start a new one",
    ]
    [topic] = chat.tap(member, "Carry on with it")
    assert "What is it about?" in topic["payload"]["text"]
    [fresh] = chat.command(member, "suggest")
    assert fresh["payload"]["choices"][1]["label"] == "Start a new one"
    [ask] = chat.tap(member, "Start a new one")
    assert "What would you like to tell the staff council?" in ask["payload"]["text"]
    assert suggestions.member_draft(ctx.db, member) is None


@pytest.fixture
def demo(tmp_path):
    app = App(load_settings(None), clock=FakeClock(), db=open_database(tmp_path / "demo.db"))
    assert app.seed_demo()
    yield app
    app.db.close()


async def talk(app: App, member_id: str, *lines: str) -> str:
    out = io.StringIO()
    await run_console(app, member_id, io.StringIO("".join(f"{line}\n" for line in lines)), out)
    return out.getvalue()


async def test_a_new_console_session_shows_the_waiting_question_again(demo):
    first = await talk(demo, "demo-staff-2", "/pulse", "4")
    assert "Question 2 of 6" in first
    second = await talk(demo, "demo-staff-2", "4")
    before_typing = second.split("> 4")[0]
    assert "Question 2 of 6" in before_typing  # shown before anything is typed
    assert "Would you like to make a suggestion?" not in second
    assert "Question 3 of 6" in second  # the 4 answered it
    council = [r for r in outbox.rows_for(demo.db) if r["chat_id"] == "council"]
    assert not [r for r in council if "SUGGESTION" in r["payload"]["text"].upper()]


async def test_a_first_session_shows_a_new_invitation_once(demo):
    transcript = await talk(demo, "demo-tenant-1")
    assert transcript.count("Question 1 of 4") == 1


def test_a_waiting_question_never_comes_back_in_the_councils_channel(ctx):
    import uuid

    from handlers import build_router
    from handlers.members.identity import member_for
    from handlers.messages import Sender, Text

    [member] = join(ctx, staff=1)
    open_round(ctx)
    PulseChat(ctx).command(member, "pulse")
    ctx.council = ("telegram", "C-COUNCIL")
    user = f"u-{member}"
    said = Text(
        Sender("telegram", user, "C-COUNCIL"),
        member_for(ctx, "telegram", user),
        uuid.uuid4().hex,
        text="4",
    )
    replies = build_router().dispatch(ctx, said)
    assert not any("Question 1 of 6" in m.text for m in replies)
