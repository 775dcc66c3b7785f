"""What members write reaches the council as typed, and never as a live mention or link.

The Telegram case goes through the real python-telegram-bot client to the fake Bot API,
which finds entities in what it receives as Telegram does (tests/fakes/telegram_entities).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.inert_text import WORD_JOINER
from bot.adapters.slack import render as slack_render
from handlers.messages import Message, Recipient, quoted
from tests.e2e.telegram.test_telegram_bot import COUNCIL, Running, running
from tests.fakes.telegram_entities import find_entities

PAYLOADS = [
    "@admin",
    "@everyone please look",
    "https://evil.example",
    "tg://resolve?domain=x",
    "a@b.org",
    "/start",
    "/help@mutual_voice_test_bot",
    "#hashtag",
    "$USD",
    "www.evil.example/login?next=/admin",
    "evil.example",
    "t.me/joinchat/AAAAAE",
    '<a href="https://evil.example">click</a>',
    "http://192.168.0.1:8080/x",
    "mailto:first.last+tag@sub.example.co.uk",
    "@admin https://evil.example tg://resolve?domain=x a@b.org",
    "See https://x.example/a?b=c#frag, mail me at me@home.example #urgent $GBP /vote now.",
    "Ünïcode dömain: https://münchen.example/straße and @Ådmin",
]


def test_every_payload_would_be_live_if_sent_as_it_is() -> None:
    """The fake would catch each one: the test below is not passing for want of trying."""
    assert all(find_entities(payload) for payload in PAYLOADS)


@pytest.fixture
async def bot(tmp_path) -> Any:
    async with running(tmp_path, council_chat_id=str(COUNCIL)) as started:
        started.fake.add_group(COUNCIL)
        yield started


def council_messages(bot: Running) -> list[dict[str, Any]]:
    return bot.fake.sent(chat_id=COUNCIL)


async def test_a_council_card_shows_member_text_whole_and_links_nothing(bot: Running) -> None:
    for n, payload in enumerate(PAYLOADS):
        card = f"New suggestion #{n + 1}\n\n{quoted(payload)}\n\nTap Reply to answer, or /help."
        bot.app.postman.post([Message(Recipient.staff_council(), card, title="Suggestion")])
    await bot.settled()
    cards = council_messages(bot)
    assert len(cards) == len(PAYLOADS)

    for payload, card in zip(PAYLOADS, cards, strict=True):
        shown = card["text"].split("\n\n")[2]
        assert shown.replace(WORD_JOINER, "") == payload  # reads exactly as typed
        ours = card["text"].rindex("/help")
        utf16 = len(card["text"][:ours].encode("utf-16-le")) // 2
        # Only the title's bold and our own /help: nothing from the member's words.
        assert card["entities"] == [
            {"offset": 0, "length": len("Suggestion"), "type": "bold"},
            {"offset": utf16, "length": 5, "type": "bot_command"},
        ], payload
    previews = [c.params.get("link_preview_options") for c in bot.fake.calls_to("sendMessage")]
    assert all(p == {"is_disabled": True} for p in previews)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_slack_shows_member_text_whole_and_links_nothing(payload: str) -> None:
    card = Message(Recipient.staff_council(), f"New suggestion\n\n{quoted(payload)}")
    [section] = slack_render.text_blocks(slack_render.shown(card, commands=("help",)))
    text = section["text"]
    assert section["text"]["type"] == "plain_text"
    assert text["text"].split("\n\n")[1].replace(WORD_JOINER, "") == payload
    # Slack's clients link URLs, domains and e-mail addresses even in plain text.
    assert [e for e in find_entities(text["text"]) if e["type"] in ("url", "email")] == []


def test_our_own_commands_in_slack_still_point_at_the_app() -> None:
    card = Message(Recipient.staff_council(), f"{quoted('/help me')} Type /help.")
    shown = slack_render.shown(card, commands=("help",))
    assert shown.text == f"/{WORD_JOINER}help me Type /voice help."
