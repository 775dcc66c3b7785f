"""Block Kit rendering as plain functions: Slack's encodings in and out, splitting, ids."""

from __future__ import annotations

import pytest

from bot.adapters.slack import render
from handlers.messages import Message, Option, Recipient

TO = Recipient(platform="slack", chat_id="D1")


@pytest.mark.parametrize(
    ("slack", "typed"),
    [
        ("&lt;!channel&gt; &amp; *bold*", "<!channel> & *bold*"),
        ("<!here> <!channel> <!subteam^S1|@staff>", "@here @channel @staff"),
        ("<@U123> <@U123|sam> <#C1|general> <#C2>", "@U123 @sam #general #C2"),
        ("<https://x.example> <http://x.example|x.example>", "https://x.example x.example"),
        (
            "<https://x.example/a|click> <mailto:a@b.org|a@b.org>",
            "click (https://x.example/a) a@b.org",
        ),
    ],
)
def test_from_slack_gives_back_what_was_typed(slack: str, typed: str) -> None:
    assert render.from_slack(slack) == typed


def test_escape_round_trips() -> None:
    text = "<!channel> & <@U1> &amp;"
    assert render.unescape(render.escape(text)) == text
    assert "<" not in render.escape(text) and ">" not in render.escape(text)


def test_only_known_commands_become_voice_subcommands() -> None:
    names = ("help", "me", "suggest")
    assert render.slash_commands("Type /help, /me or /suggest.", names) == (
        "Type /voice help, /voice me or /voice suggest."
    )
    untouched = "See https://x.example/help, /helpme, /unknown and a/me."
    assert render.slash_commands(untouched, names) == untouched


def test_text_is_split_at_paragraphs_then_words() -> None:
    text = "a" * 2000 + "\n\n" + "b " * 1500
    pieces = render.split_text(text)
    assert pieces[0] == "a" * 2000 and all(len(p) <= 3000 for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert render.split_text("x" * 7000) == ["x" * 3000, "x" * 3000, "x" * 1000]
    assert render.split_text("  ") == []


def test_menu_only_for_many_choices_of_one_kind() -> None:
    few = tuple(Option(str(i), "scale", str(i)) for i in range(11))
    many = tuple(Option(str(i), "scale", str(i)) for i in range(13))
    mixed = (*many, Option("Skip", "skip"))
    assert render.choice_blocks(few)[0]["elements"][0]["type"] == "button"
    assert render.choice_blocks(many)[0]["elements"][0]["type"] == "static_select"
    assert render.choice_blocks(mixed)[0]["elements"][0]["type"] == "button"


def test_actions_decode_back_to_the_option() -> None:
    [button] = render.choice_blocks((Option("Tea & cake", "drink.pick", "tea"),))[0]["elements"]
    pressed = {**button, "text": {"type": "plain_text", "text": "Tea &amp; cake"}}
    assert render.decode_action(pressed) == ("drink.pick", "tea", "Tea & cake")
    chosen = {
        "action_id": "scale:3",
        "selected_option": {"text": {"type": "plain_text", "text": "7"}, "value": "7"},
    }
    assert render.decode_action(chosen) == ("scale", "7", "7")
    with pytest.raises(ValueError):
        render.decode_action({"action_id": "someone-elses"})


def test_home_view_numbers_actions_uniquely_across_sections() -> None:
    sections = [
        Message(TO, "One", choices=(Option("A", "x"), Option("B", "x"))),
        Message(TO, "Two", choices=(Option("C", "x"),)),
    ]
    view = render.home_view(sections)
    ids = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["x:0", "x:1", "x:2"] and view["type"] == "home"


def test_prompt_modal_carries_its_chat_and_reads_back_the_answer() -> None:
    long = render.prompt_modal(
        Message(TO, "Why?", title="A title too long for a modal", prompt="p"), "D1"
    )
    assert long["title"]["text"] == "Mutual Voice"
    assert long["blocks"][0] == {
        "type": "header",
        "text": render.plain("A title too long for a modal"),
    }
    modal = render.prompt_modal(Message(TO, "Why?", title="Your reason", prompt="p"), "D1")
    assert modal["title"]["text"] == "Your reason" and modal["blocks"][0]["type"] == "section"
    view = {
        "private_metadata": modal["private_metadata"],
        "state": {"values": {"answer": {"text": {"type": "plain_text_input", "value": "Because"}}}},
    }
    assert render.submitted(view) == ("D1", "Because")


def test_nothing_to_show_is_a_render_error() -> None:
    with pytest.raises(render.RenderError):
        render.chunks(render.message_blocks(Message(TO, "   ")))
