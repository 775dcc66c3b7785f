"""A suggestion longer than one Telegram message reaches the council whole, and stays whole.

A member writes as much as one Telegram message holds; the council's card adds a title
and the facts, so it needs two messages. Marking it then sends the new version whole
rather than squeezing its start into the message that held the buttons.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.e2e.telegram.test_telegram_bot import COUNCIL, TENANT, Running, running

LONG = "\n\n".join(
    f"Point {n}. The lifts at Oak House break down most weeks and tenants on the top "
    "floors are stuck; please ask the contractor to report every repair to the forum. " * 3
    for n in range(1, 11)
)[:4085].rstrip()


def words(messages: list[dict[str, Any]]) -> str:
    return " ".join(" ".join(m["text"].split()) for m in messages)


def press(bot: Running, chat: int, message: dict[str, Any], label: str) -> None:
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    [button] = [b for b in buttons if b["text"] == label]
    bot.fake.push_callback(TENANT, message["message_id"], button["callback_data"], chat_id=chat)


async def test_a_long_suggestion_reaches_the_council_whole(tmp_path) -> None:
    async with running(tmp_path, council_chat_id=str(COUNCIL)) as bot:
        bot.fake.add_group(COUNCIL)
        policy = bot.app.ctx.policy
        bot.app.ctx.policy = replace(
            policy, suggestions=replace(policy.suggestions, max_length=4096)
        )
        await bot.join("t1", TENANT)
        assert len(f"/suggest {LONG}") <= 4096  # one Telegram message from the member

        topics = await bot.reply_to(TENANT, f"/suggest {LONG}")
        first_topic = topics["reply_markup"]["inline_keyboard"][0][0]["text"]
        before = len(bot.fake.sent(chat_id=TENANT))
        press(bot, TENANT, topics, first_topic)
        await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=TENANT)) > before)
        press(bot, TENANT, bot.fake.sent(chat_id=TENANT)[before], "Anonymous")
        # Generous: the first suggestion after start loads TextBlob for its sentiment.
        await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=COUNCIL)) >= 2, timeout=60)

        card = bot.fake.sent(chat_id=COUNCIL)
        assert len(card) == 2 and all(len(part["text"]) <= 4096 for part in card)
        assert " ".join(LONG.split()) in words(card)
        assert words(card).endswith("Status: New")
        assert ["reply_markup" in part for part in card] == [False, True]

        press(bot, COUNCIL, card[-1], "Acknowledge")
        await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=COUNCIL)) >= 4, timeout=60)

        marked = bot.fake.sent(chat_id=COUNCIL)[2:]
        assert words(marked).startswith("Suggestion #1")
        assert "Marked Acknowledged" in words(marked) and " ".join(LONG.split()) in words(marked)
        assert bot.fake.sent(chat_id=COUNCIL)[0]["text"] == card[0]["text"]  # left as it was
        assert [c.method for c in bot.fake.calls if c.status != 200] == []
