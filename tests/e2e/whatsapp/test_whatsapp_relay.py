"""The anonymous two-way suggestion relay for a member on WhatsApp: the council (in its
Slack channel, its events handled by the engine as the Slack adapter would) replies to a
suggester it does not know; the member reads the reply on WhatsApp, inside their window
as it is, outside it after the "Take part" template, and answers through the relay. The
council never learns who they are, and the member is told nobody's identity either."""

from __future__ import annotations

import json
import uuid

from handlers.messages import Choice, Sender, Text
from storage import outbox, whatsapp
from tests.e2e.whatsapp.harness import PHONE, Running, assert_kept_the_rules
from tests.e2e.whatsapp.test_whatsapp_flows import choose
from tests.fakes.whatsapp_api import Sent

COUNCIL = ("slack", "C0COUNCIL")
COUNCILLOR = Sender("slack", "U0COUNCIL1", COUNCIL[1], "Councillor Jones")
# What would tell the council who the suggester is (the roster's t1), and the member who
# on the council wrote.
SUGGESTER = ("t1", "Tenant 1", PHONE["t1"])
COUNCILLOR_IDS = ("U0COUNCIL1", "Councillor Jones", "Jones")


def council_rows(bot: Running) -> list[dict]:
    # Opened as the sender opens them (suggestion messages are sealed while they wait).
    return [row for row in outbox.rows_for(bot.app.db, COUNCIL[0]) if row["chat_id"] == COUNCIL[1]]


def latest_with(bot: Running, label: str) -> dict:
    """The newest council message offering `label`."""
    for row in reversed(council_rows(bot)):
        if any(o["label"] == label for o in row["payload"].get("choices") or ()):
            return row
    raise AssertionError(f"no council message offers {label!r}")


def council_presses(bot: Running, row: dict, label: str) -> None:
    [option] = [o for o in row["payload"]["choices"] if o["label"] == label]
    event = Choice(
        COUNCILLOR,
        None,
        uuid.uuid4().hex,
        action=option["action"],
        value=option["value"],
        message_ref=row["key"],
    )
    bot.app.engine.handle(event)


def council_writes(bot: Running, text: str) -> None:
    bot.app.engine.handle(Text(COUNCILLOR, None, uuid.uuid4().hex, text=text))


async def next_to_member(bot: Running, before: int) -> Sent:
    """The first message to the member after the first `before`, once all is sent."""
    phone = PHONE["t1"]
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(phone)) > before)
    await bot.settled()
    return bot.fake.sent_to(phone)[before]


def assert_council_never_learns_who(bot: Running) -> None:
    rows = council_rows(bot)
    assert rows
    for row in rows:
        assert row["member_id"] is None
        seen = json.dumps(row["payload"]) + row["key"]
        for secret in SUGGESTER:
            assert f'"{secret}"' not in seen and secret not in row["key"], (secret, row)
        assert PHONE["t1"] not in seen and "Tenant 1" not in seen, row


def assert_member_is_told_no_identity(bot: Running) -> None:
    for sent in bot.fake.sent_to(PHONE["t1"]):
        seen = json.dumps(sent.body)
        for secret in COUNCILLOR_IDS:
            assert secret not in seen, (secret, sent.text)


async def test_the_council_and_a_whatsapp_suggester_talk_without_names(bot: Running) -> None:
    bot.app.ctx.council = COUNCIL  # the council's channel, as [slack] would configure it
    bot.app.postman.council = COUNCIL
    phone = PHONE["t1"]
    await bot.join("t1")
    await bot.settled()
    await bot.say("t1", "/suggest")
    await bot.say("t1", "Please fix the lift in block C, it has been broken for weeks")
    await choose(bot, "t1", "My home")
    thanks = await choose(bot, "t1", "Anonymous")
    assert "has gone to the staff council anonymously" in thanks.text
    card = latest_with(bot, "Reply")
    assert "Please fix the lift in block C" in json.dumps(card["payload"])

    # Inside the window: the council's reply reaches the member as it is, with Reply.
    council_presses(bot, card, "Reply")
    before = len(bot.fake.sent_to(phone))
    council_writes(bot, "Thank you. Which floor is the lift stuck on?")
    relayed = await next_to_member(bot, before)
    assert relayed.in_window and relayed.type == "interactive"
    assert "Which floor is the lift stuck on?" in relayed.text
    assert "They still won't know who you are." in relayed.text
    [(option_id, title)] = relayed.options
    assert title == "Reply"

    # The member answers through the relay; the council reads it, unsigned.
    await bot.fake.push_button_reply(phone, option_id, title)
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(phone)) > before + 1)
    await bot.settled()
    assert "They won't see your name" in bot.fake.sent_to(phone)[-1].text
    done = await bot.say("t1", "The third floor, by the bins")
    assert "passed your answer to the staff council" in done.text
    answer = latest_with(bot, "Acknowledge")
    assert answer["payload"]["title"] == "Suggestion #1 · answer from the suggester"
    assert "The third floor, by the bins" in answer["payload"]["text"]

    # A day and more later the window has closed: the next reply is held, the member is
    # sent the template, and reads the reply once they tap "Take part".
    bot.clock.advance(hours=25)
    council_presses(bot, answer, "Reply")
    before = len(bot.fake.sent_to(phone))
    council_writes(bot, "An engineer comes on Tuesday morning.")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(phone)) > before)
    await bot.ticker.until(lambda: bool(bot.held("t1")))
    template = bot.fake.sent_to(phone)[before]
    assert template.type == "template" and not template.in_window
    [held] = bot.held("t1")
    assert held["error"] == whatsapp.HELD
    assert not any("engineer" in s.text for s in bot.fake.sent_to(phone))

    await bot.fake.push_quick_reply(phone, "mv.take_part", "Take part")
    late = await next_to_member(bot, before + 1)
    assert late.in_window and "An engineer comes on Tuesday morning." in late.text
    assert [title for _, title in late.options] == ["Reply"]
    assert not bot.held("t1") and outbox.waiting(bot.app.db, "whatsapp") == 0

    assert_council_never_learns_who(bot)
    assert_member_is_told_no_identity(bot)
    assert_kept_the_rules(bot)
