"""Telegram re-delivers updates and members' clients can send any button data.

Each update, of every kind, is acted on once in polling and in webhook mode, and a
press on a button the bot never issued gets a short answer and no call Telegram refuses.
"""

from __future__ import annotations

import copy
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.telegram.adapter import UNKNOWN_BUTTON
from handlers.members import invites
from tests.e2e.telegram.test_telegram_bot import TENANT, Running, running, webhook_options

MODES = ["polling", "webhook"]
VISIBLE = ("sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup")


@pytest.fixture(params=MODES)
async def bot(request, tmp_path) -> AsyncIterator[Running]:
    options = webhook_options() if request.param == "webhook" else {}
    async with running(tmp_path, **options) as started:
        yield started


async def deliver(bot: Running, update: dict[str, Any]) -> None:
    """Hand `update` to the bot the way its mode receives updates."""
    if bot.fake.webhook:
        assert await bot.fake.deliver_webhook(copy.deepcopy(update)) == 200
    else:
        bot.fake.push_update(copy.deepcopy(update))


async def after_everything(bot: Running) -> None:
    """Updates are handled in order: once a later one is answered, all before it are done."""
    marker = bot.fake.make_message_update(TENANT, "/privacy")
    before = len(bot.fake.sent(chat_id=TENANT))
    await deliver(bot, marker)
    # A generous safety net: hundreds of updates go before the marker on a busy machine.
    await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=TENANT)) > before, timeout=60)
    await bot.settled()


async def say(bot: Running, text: str) -> dict[str, Any]:
    """Send `text` as the tenant and return (a copy of) the bot's next message."""
    before = len(bot.fake.sent(chat_id=TENANT))
    await deliver(bot, bot.fake.make_message_update(TENANT, text))
    await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=TENANT)) > before)
    return copy.deepcopy(bot.fake.sent(chat_id=TENANT)[before])


async def join(bot: Running) -> dict[str, Any]:
    (invite,) = invites.issue(bot.app.ctx, ["t1"], "test")
    welcome = await say(bot, f"/start {invite.token}")
    await bot.settled()
    return welcome


def refused(bot: Running) -> list[str]:
    return [f"{c.method}: {c.response}" for c in bot.fake.calls if c.status != 200]


def kinds_of_update(bot: Running, welcome: dict[str, Any]) -> list[dict[str, Any]]:
    """One update of each kind the bot may be sent, ready to deliver (twice)."""
    help_button = welcome["reply_markup"]["inline_keyboard"][0][0]
    press, _ = bot.fake.make_callback_update(
        TENANT, welcome["message_id"], help_button["callback_data"]
    )
    voice = bot.fake.make_message_update(TENANT, "unused")
    voice["message"].pop("text")
    voice["message"]["voice"] = {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}
    edited = bot.fake.make_message_update(TENANT, "an edit")
    edited["edited_message"] = edited.pop("message")
    return [
        bot.fake.make_message_update(TENANT, "/me"),
        bot.fake.make_message_update(TENANT, "hello there"),
        press,
        voice,
        edited,
    ]


async def test_every_kind_of_update_delivered_twice_is_acted_on_once(bot: Running) -> None:
    welcome = await join(bot)
    updates = kinds_of_update(bot, welcome)
    once = copy.deepcopy(bot.fake.sent(chat_id=TENANT))

    for update in updates:
        await deliver(bot, update)
    await after_everything(bot)
    replies_to_one_delivery = len(bot.fake.sent(chat_id=TENANT)) - len(once)
    calls_after_one = {m: len(bot.fake.calls_to(m)) for m in (*VISIBLE, "answerCallbackQuery")}

    for update in updates:  # the same update_ids again, as Telegram re-delivers them
        await deliver(bot, update)
    await after_everything(bot)

    assert len(bot.fake.sent(chat_id=TENANT)) - len(once) == replies_to_one_delivery + 1
    calls_after_two = {m: len(bot.fake.calls_to(m)) for m in (*VISIBLE, "answerCallbackQuery")}
    # Only the marker's one reply is new: no second tick, answer or reply.
    assert calls_after_two == {**calls_after_one, "sendMessage": calls_after_one["sendMessage"] + 1}
    assert calls_after_one["editMessageText"] == 1 and calls_after_one["answerCallbackQuery"] == 1
    assert refused(bot) == []


GARBAGE = ["-1", "null", "vote:1:1", "", "0", "help", "undefined", "true", "{}", "💥" * 16]


async def test_presses_with_data_the_bot_never_issued_get_a_word_and_nothing_refused(
    bot: Running,
) -> None:
    welcome = await join(bot)
    plain = await say(bot, "/privacy")
    await bot.settled()
    targets = [welcome["message_id"], plain["message_id"]]
    shuffle = random.Random(12)
    data = [GARBAGE[n % len(GARBAGE)] for n in range(150)] + [
        shuffle.randbytes(shuffle.randint(1, 48)).decode("latin-1") for _ in range(150)
    ]
    sent_before = len(bot.fake.sent())

    for n, pressed in enumerate(data):
        update, _ = bot.fake.make_callback_update(TENANT, targets[n % 2], pressed)
        await deliver(bot, update)
    await after_everything(bot)

    answers = bot.fake.answered_callbacks
    assert len(answers) == 300 and {a["text"] for a in answers} == {UNKNOWN_BUTTON}
    assert refused(bot) == []
    assert [len(bot.fake.calls_to(m)) for m in VISIBLE[1:]] == [0, 0, 0]
    assert len(bot.fake.sent()) == sent_before + 1  # the marker's reply alone
    assert "reply_markup" in bot.fake.messages[TENANT][welcome["message_id"]]  # untouched


async def test_a_second_press_on_a_ticked_question_edits_nothing(bot: Running) -> None:
    welcome = await join(bot)
    button = welcome["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    first, _ = bot.fake.make_callback_update(TENANT, welcome["message_id"], button)
    await deliver(bot, first)
    await after_everything(bot)
    # A press made before the phone learnt that the buttons were gone: a new update.
    second, _ = bot.fake.make_callback_update(TENANT, welcome["message_id"], button)
    await deliver(bot, second)
    await after_everything(bot)

    assert refused(bot) == []
    assert len(bot.fake.calls_to("editMessageText")) == 1
    assert len(bot.fake.calls_to("editMessageReplyMarkup")) == 0


async def test_the_word_for_a_stale_button_is_in_the_members_language(bot: Running) -> None:
    from storage import members

    welcome = await join(bot)
    members.set_language(bot.app.db, "t1", "cy")
    update, _ = bot.fake.make_callback_update(TENANT, welcome["message_id"], "vote:1:1")
    await deliver(bot, update)
    await after_everything(bot)
    assert [a["text"] for a in bot.fake.answered_callbacks] == [
        "Dydy'r botwm hwnnw ddim yn gweithio mwyach."
    ]
