"""Members' real flows over WhatsApp: a pulse with a 0-10 scale, votes answered with
buttons, a list and typed numbers (a 12-candidate ranking), and a suggestion. Every
message keeps WhatsApp's limits and window; a member still has one vote."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.pulses import admin as pulse_admin
from handlers.votes.admin import create_vote, open_vote
from storage import members
from storage.pulses import queries as pulses
from storage.votes import queries as votes
from tests.e2e.whatsapp.harness import PHONE, Running, assert_kept_the_rules
from tests.fakes.whatsapp_api import Sent
from tests.handlers.votes.test_votes import definition, options

HOUR = timedelta(hours=1)
CANDIDATES = [f"Candidate {name}" for name in "ABCDEFGHIJKL"]


async def choose(bot: Running, member: str, label: str) -> Sent:
    """Choose `label` in the latest message offering it, as the member would: tap the
    button or list row, or type its number; returns the bot's next message."""
    phone = PHONE[member]
    await bot.settled()
    before = len(bot.fake.sent_to(phone))
    for sent in reversed(bot.fake.sent_to(phone)):
        for option_id, title in sent.options:
            if label.startswith(title) or title.startswith(label):
                kind = sent.body["interactive"]["type"]
                if kind == "button":
                    await bot.fake.push_button_reply(phone, option_id, title)
                else:
                    await bot.fake.push_list_reply(phone, option_id, title)
                break
        else:
            numbered = re.search(rf"^(\d+)\. {re.escape(label)}$", sent.text, re.M)
            if sent.type == "text" and numbered:
                await bot.fake.push_text(phone, numbered[1])
            elif sent.type == "text" and re.search(r"number from \d+ to \d+", sent.text):
                await bot.fake.push_text(phone, label)
            else:
                continue
        await bot.fake.wait_for(lambda: len(bot.fake.sent_to(phone)) > before)
        await bot.settled()
        return bot.fake.sent_to(phone)[before]
    raise AssertionError(f"nothing offers {label!r}: {[s.text for s in bot.fake.sent_to(phone)]}")


async def test_a_single_choice_vote_with_buttons(bot: Running) -> None:
    await bot.join("t1")
    ctx = bot.app.ctx
    create_vote(
        ctx,
        definition(
            method="single",
            options=options("Yes please", "No thanks"),
            opens=ctx.now(),
            closes=ctx.now() + timedelta(days=2),
        ),
        "test",
    )
    bot.app.postman.post(list(open_vote(ctx, "agm")))
    await bot.settled()
    await bot.say("t1", "/vote")
    await choose(bot, "t1", "Yes please")
    receipt = await choose(bot, "t1", "Confirm")
    assert votes.count_voters(bot.app.db, "agm") == 1
    assert re.search(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b", receipt.text), receipt.text
    # Reachable on Telegram too, and asking again on WhatsApp: still one member, one vote.
    members.link_identity(bot.app.db, "telegram", "9001", "9001", "t1", bot.clock() - HOUR)
    again = await bot.say("t1", "/vote")
    assert "You've voted." in again.text and not again.options
    await bot.settled()
    assert votes.count_voters(bot.app.db, "agm") == 1
    assert [count for _, count in votes.choice_counts(bot.app.db, "agm") if count] == [1]
    assert_kept_the_rules(bot)


async def test_a_twelve_candidate_ranking_by_typed_numbers(bot: Running) -> None:
    await bot.join("t1")
    ctx = bot.app.ctx
    create_vote(
        ctx,
        definition(
            method="stv",
            seats=2,
            options=options(*CANDIDATES),
            opens=ctx.now(),
            closes=ctx.now() + timedelta(days=2),
        ),
        "test",
    )
    bot.app.postman.post(list(open_vote(ctx, "agm")))
    await bot.settled()
    await bot.say("t1", "/vote")
    ballot = bot.fake.sent_to(PHONE["t1"])[-1]
    assert ballot.type == "text" and "Reply with a number from 1 to 12." in ballot.text
    for name in ("Candidate K", "Candidate B", "Candidate E"):
        await choose(bot, "t1", name)
    confirm = await choose(bot, "t1", "Done")
    assert "1st Candidate K, 2nd Candidate B, 3rd Candidate E" in confirm.text
    assert [title for _, title in confirm.options] == ["Confirm", "Change"]
    await choose(bot, "t1", "Confirm")
    assert votes.count_voters(bot.app.db, "agm") == 1
    # The ballot's numbers typed again are not a second ballot: that question is answered.
    await bot.say("t1", "1")
    await bot.settled()
    assert votes.count_voters(bot.app.db, "agm") == 1
    (counted,) = [row for row in votes.choice_counts(bot.app.db, "agm") if row[1]]
    assert counted[1] == 1
    assert_kept_the_rules(bot)


async def test_a_pulse_round_answered_on_whatsapp(bot: Running) -> None:
    await bot.join("t1")
    round_row, invitations = pulse_admin.send_now(bot.app.ctx, "tenant-pulse", "test")
    bot.app.postman.post(list(invitations))
    await bot.settled()
    first = bot.fake.sent_to(PHONE["t1"])[-1]
    assert first.body["interactive"]["type"] == "list"  # five answers and Skip
    await choose(bot, "t1", "Happy")
    await choose(bot, "t1", "Mostly")
    ticked = await choose(bot, "t1", "Phone call")
    assert ticked.text.endswith("✓ Phone call")  # no edits on WhatsApp: the tick is new
    await bot.fake.wait_for(lambda: "Question 4 of 4" in bot.fake.sent_to(PHONE["t1"])[-1].text)
    thanks = await bot.say("t1", "More evening repairs, please")
    await bot.settled()
    assert thanks.text.startswith("✓ Comment saved, without your name.")
    assert pulses.answer_counts(bot.app.db, round_row) == {
        ("satisfaction", "tenant", "4"): 1,
        ("listened", "tenant", "4"): 1,
        ("have-your-say", "tenant", "Phone call"): 1,
    }
    assert_kept_the_rules(bot)


async def test_a_suggestion_from_whatsapp(bot: Running) -> None:
    await bot.join("t1")
    await bot.settled()
    asked = await bot.say("t1", "/suggest")
    assert "tell the staff council" in asked.text
    topics = await bot.say("t1", "Please fix the lift in block C, it has been broken for weeks")
    assert topics.body["interactive"]["type"] == "list"  # five topics and Cancel
    named = await choose(bot, "t1", "My home")
    assert named.body["interactive"]["type"] == "button"  # Anonymous, With my name, Cancel
    thanks = await choose(bot, "t1", "Anonymous")
    assert "has gone to the staff council anonymously" in thanks.text
    assert_kept_the_rules(bot)
