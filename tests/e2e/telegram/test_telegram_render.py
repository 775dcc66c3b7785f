"""How the Telegram adapter encodes buttons, renders messages and reads commands (no network)."""

from __future__ import annotations

import pytest
from telegram import ForceReply

from bot.adapters.telegram import callbacks as telegram_callbacks
from bot.adapters.telegram import commands as telegram_commands
from bot.adapters.telegram.render import render, split_text, units
from handlers import build_router
from handlers.messages import Message, Option, Recipient

TO = Recipient(platform="telegram", chat_id="42")


def test_every_registered_action_fits_a_button_with_the_longest_value() -> None:
    actions = list(build_router().actions)
    telegram_callbacks.check_codes(actions)
    longest = "é" * (telegram_callbacks.VALUE_MAX_BYTES // 2)
    for action in actions:
        data = telegram_callbacks.encode(action, longest)
        assert len(data.encode("utf-8")) <= telegram_callbacks.CALLBACK_DATA_MAX_BYTES
        assert telegram_callbacks.decode(data, actions) == (action, longest)


def test_a_value_too_long_for_a_button_fails_loudly() -> None:
    too_long = "x" * (telegram_callbacks.VALUE_MAX_BYTES + 1)
    with pytest.raises(telegram_callbacks.CallbackDataTooLong, match="61 bytes"):
        telegram_callbacks.encode("vote.cast", too_long)


def test_a_button_from_a_removed_action_decodes_to_no_action() -> None:
    data = telegram_callbacks.encode("retired.action", "7")
    assert telegram_callbacks.decode(data, ["help.show"]) == ("", "7")


def test_everything_is_escaped_and_the_title_is_bold() -> None:
    (part,) = render(Message(TO, "1 < 2 & <b>x</b>", title="A & B"))
    assert part.html == "<b>A &amp; B</b>\n\n1 &lt; 2 &amp; &lt;b&gt;x&lt;/b&gt;"


def test_short_labels_share_rows_and_long_ones_do_not() -> None:
    scale = tuple(Option(str(n), "pulse.answer", str(n)) for n in range(11))
    (part,) = render(Message(TO, "How likely?", choices=scale))
    assert [len(row) for row in part.markup.inline_keyboard] == [6, 5]
    words = (Option("Yes, I would like that", "a"), Option("No, thank you", "b"))
    (part,) = render(Message(TO, "Join?", choices=words))
    assert [len(row) for row in part.markup.inline_keyboard] == [1, 1]


def test_a_prompt_asks_for_a_reply_unless_it_is_an_edit() -> None:
    (asked,) = render(Message(TO, "Your idea?", prompt="suggest"))
    assert isinstance(asked.markup, ForceReply)
    (edited,) = render(Message(TO, "Your idea?", prompt="suggest", edit_ref="9"))
    assert edited.markup is None and edited.edit == 9


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    text = "a" * 60 + "\n\n" + "b" * 30 + "\n" + "c" * 20
    assert split_text(text, 100) == ["a" * 60, "b" * 30 + "\n" + "c" * 20]
    assert split_text("word " * 30, 50) == [("word " * 10).strip()] * 3
    assert split_text("x" * 120, 50) == ["x" * 50, "x" * 50, "x" * 20]


def test_split_counts_utf16_units_as_telegram_does() -> None:
    pieces = split_text("🙂" * 3000, 4096)
    assert [len(p) for p in pieces] == [2048, 952]
    assert all(units(p) <= 4096 for p in pieces)


def test_a_long_caption_continues_in_a_message_with_the_keyboard_last() -> None:
    message = Message(TO, "word " * 400, title="Chart", image="c.png", choices=(Option("OK", "a"),))
    photo, rest = render(message)
    assert photo.photo == "c.png" and units(photo.html) <= 1024 + len("<b></b>")
    assert rest.photo is None and photo.markup is None and rest.markup is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start TOKEN", ("start", "TOKEN")),
        ("/Start@Mutual_Voice_Bot  a b ", ("start", "a b")),
        ("/vote_results", ("vote-results", "")),
        ("/vote-results", ("vote-results", "")),
        ("/nonsense", ("nonsense", "")),
        ("/help@other_bot", None),
        ("/", None),
    ],
)
def test_typed_commands(text: str, expected: tuple[str, str] | None) -> None:
    names = {"start": "start", "vote_results": "vote-results"}
    assert telegram_commands.parse(text, "mutual_voice_bot", names) == expected


def test_command_names_that_telegram_cannot_show_are_renamed_or_left_out() -> None:
    assert telegram_commands.telegram_name("vote-results") == "vote_results"
    assert telegram_commands.telegram_name("x" * 33) is None
