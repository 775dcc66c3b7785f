"""The SMS adapter end to end through the real `twilio` client against FakeTwilio
(harness.py): a vote answered by replying with numbers and counted once, a long question
sent as the member's page link, STOP and START, forged and redelivered webhooks, status
callbacks and Twilio's errors."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import timedelta

from click.testing import CliRunner

from bot.cli import cli
from handlers.messages import Message, Option, Recipient
from handlers.pulses import admin as pulse_admin
from handlers.votes.admin import create_vote, open_vote
from storage import members, outbox
from storage.votes import queries as votes
from tests.e2e.sms.harness import LINK, PHONE, Running
from tests.handlers.votes.test_votes import definition


def open_resolution(bot: Running, **fields) -> None:
    ctx = bot.app.ctx
    create_vote(
        ctx,
        definition(opens=ctx.now(), closes=ctx.now() + timedelta(days=2), **fields),
        "test",
    )
    bot.app.postman.post(list(open_vote(ctx, "agm")))


async def test_a_vote_by_replying_with_numbers_is_counted_once(bot: Running) -> None:
    bot.link("t1")
    open_resolution(bot)
    await bot.settled()
    (announcement,) = bot.fake.sent_to(PHONE["t1"])
    assert announcement.body.startswith("New vote: Adopt the new rules")
    assert announcement.body.endswith("Reply 1 for Vote now.")
    assert announcement.segments <= 2

    ballot = await bot.say("t1", "1")
    assert ballot.body.endswith("Reply 1 for For, 2 for Against, 3 for Abstain.")
    confirm = await bot.say("t1", "2")
    assert "You are voting: Against." in confirm.body
    assert confirm.body.endswith("Reply 1 for Confirm, 2 for Change.")
    thanks = await bot.say("t1", "1")
    assert re.search(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b", thanks.body), thanks.body
    assert votes.count_voters(bot.app.db, "agm") == 1

    # The same number again, and Twilio posting the confirming text again: one vote.
    await bot.say("t1", "1")
    params = bot.fake.inbound(PHONE["t1"], "1")
    assert await bot.fake.post(bot.fake.webhook_url, params) == 200
    assert await bot.fake.post(bot.fake.webhook_url, params) == 200
    await bot.settled()
    assert votes.count_voters(bot.app.db, "agm") == 1
    assert [count for _, count in votes.choice_counts(bot.app.db, "agm") if count] == [1]
    assert bot.fake.refused == []


async def test_long_questions_get_the_members_page_link(bot: Running) -> None:
    bot.link("t1")
    candidates = tuple(Option(f"Candidate {n}", "vote.b", f"1.{n}") for n in "ABCDEFG")
    scale = tuple(Option(str(n), "pulse.a", f"7.0.{n}") for n in range(11))
    to = Recipient.of("t1")
    bot.app.postman.post(
        [
            Message(to, "Rank the candidates.", choices=candidates, flow="vote:agm"),
            Message(to, "How likely, 0 to 10?", choices=scale, flow="pulse:7"),
            Message(
                to, "Why it matters. " * 40, title="Rules", choices=candidates[:2], flow="vote:b"
            ),
            Message(to, "A short one", choices=candidates[:3], flow="vote:c"),
        ]
    )
    await bot.settled()
    ranked, pulse, long, short = bot.fake.sent_to(PHONE["t1"])
    for linked in (ranked, pulse, long):
        assert linked.body.endswith(f"Answer on your own page: {LINK}")
        assert linked.segments == 1
    assert long.body.startswith("Rules\n")
    assert short.body == (
        "A short one\n\nReply 1 for Candidate A, 2 for Candidate B, 3 for Candidate C."
    )
    assert bot.links == [("t1", "vote:agm"), ("t1", "pulse:7"), ("t1", "vote:b")]


async def test_a_pulse_round_goes_as_the_link_in_english_and_welsh(bot: Running) -> None:
    bot.link("t1")
    bot.link("t6")  # reads Welsh
    round_row, invitations = pulse_admin.send_now(bot.app.ctx, "tenant-pulse", "test")
    flow = f"pulse:{round_row['id']}"  # the handlers name the flow
    bot.app.postman.post([dataclasses.replace(m, flow=flow) for m in invitations])
    await bot.settled()
    for member in ("t1", "t6"):
        (invitation,) = bot.fake.sent_to(PHONE[member])
        assert invitation.body.endswith(LINK)
        assert invitation.segments <= 2
    assert "Atebwch ar eich tudalen eich hun" in bot.fake.sent_to(PHONE["t6"])[0].body


async def test_stop_is_honoured_and_start_undoes_it(bot: Running, tmp_path, monkeypatch) -> None:
    bot.link("t1")
    bot.link("t2")
    _, status = await bot.fake.push_text(PHONE["t1"], "Stop")
    assert status == 200
    (stopped,) = members.unreachable(bot.app.db)
    assert (stopped["member_id"], stopped["platform"]) == ("t1", "sms")
    assert "STOP" in stopped["unreachable_reason"]
    monkeypatch.chdir(tmp_path)  # the officer's list, on the database the bot runs on
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    listed = await asyncio.to_thread(CliRunner().invoke, cli, ["members", "unreachable"])
    assert listed.exit_code == 0
    assert re.search(r"t1 .* sms .* texted STOP", listed.output), listed.output

    open_resolution(bot)
    await bot.settled()
    assert bot.fake.sent_to(PHONE["t1"]) == [] and len(bot.fake.sent_to(PHONE["t2"])) == 1
    await bot.fake.push_text(PHONE["t1"], "1")  # after STOP: not acted on
    await bot.settled()
    assert bot.fake.sent_to(PHONE["t1"]) == [] and bot.fake.refused == []

    welcome_back = await bot.say("t1", "START")
    assert "you'll get our texts again" in welcome_back.body
    assert members.unreachable(bot.app.db) == []
    await bot.fake.push_text(PHONE["t2"], "STOP")
    assert "texts again" in (await bot.say("t2", "Yes")).body  # Twilio's opt-in word too
    assert (await bot.say("t1", "help")).body.startswith("Our Mutual: reply with a number")


async def test_a_number_that_stopped_with_twilio_is_marked_unreachable(bot: Running) -> None:
    bot.link("t3")
    bot.fake.stopped.add(PHONE["t3"])  # opted out before the bot knew
    bot.app.postman.post([Message(Recipient.of("t3"), "Your newsletter is here.")])
    await bot.settled()
    assert bot.fake.refused == [(PHONE["t3"], 21610)]
    (row,) = members.unreachable(bot.app.db)
    assert row["member_id"] == "t3" and "STOP" in row["unreachable_reason"]


async def test_forged_and_unsigned_requests_are_refused_with_no_effect(bot: Running) -> None:
    bot.link("t1")
    url = bot.fake.webhook_url
    stop = bot.fake.inbound(PHONE["t1"], "STOP")
    assert await bot.fake.post(url, stop, signed_with="not-the-auth-token") == 403
    assert await bot.fake.post(url, stop, signed_with="") == 403  # no signature at all
    changed = stop | {"Body": "START"}  # signed for one body, sent with another
    signature = bot.fake.signature_for(url, stop)
    assert await bot.fake.post_raw(url, changed, signature) == 403
    status = {"MessageSid": "SMx", "MessageStatus": "undelivered", "ErrorCode": "30005"}
    status |= {"To": PHONE["t1"], "AccountSid": bot.fake.account_sid}
    callback = bot.adapter.webhook.status_url + "?row=1"
    assert await bot.fake.post(callback, status, signed_with="wrong") == 403
    assert members.unreachable(bot.app.db) == [] and bot.fake.sent == []
    assert bot.app.db.execute("select count(*) from conversations").fetchone()[0] == 0

    assert await bot.fake.post(url, stop) == 200  # the same, signed: it counts
    assert members.unreachable(bot.app.db)[0]["member_id"] == "t1"


async def test_status_callbacks_mark_undelivered_texts_and_numbers(bot: Running) -> None:
    bot.link("t4")
    bot.fake.undeliverable[PHONE["t4"]] = 30006  # a landline
    bot.app.postman.post([Message(Recipient.of("t4"), "Your newsletter is here.")])
    await bot.settled()
    await bot.fake.wait_for(lambda: ("undelivered", 204) in bot.fake.callbacks)
    (row,) = outbox.rows_for(bot.app.db, "sms")
    assert row["status"] == "unreachable" and "30006" in row["error"]
    assert members.unreachable(bot.app.db)[0]["member_id"] == "t4"
    assert ("sent", 204) in bot.fake.callbacks


async def test_rate_limits_and_twilio_trouble_are_retried(bot: Running) -> None:
    bot.link("t5")
    bot.fake.fail_next(20429, "Too Many Requests", status=429)
    bot.fake.fail_next(20500, "Internal Server Error", status=500)
    bot.app.postman.post([Message(Recipient.of("t5"), "Hello", choices=(Option("Hi", "x.y"),))])
    await bot.ticker.until(lambda: len(bot.fake.sent_to(PHONE["t5"])) == 1, timeout=10)
    assert [code for _, code in bot.fake.refused] == [20429, 20500]
    assert bot.fake.sent_to(PHONE["t5"])[0].body == "Hello\n\nReply 1 for Hi."


async def test_command_words_work_without_a_slash_but_not_inside_an_answer(bot: Running) -> None:
    bot.link("t1")
    open_resolution(bot)
    await bot.settled()
    listed = await bot.say("t1", "VOTE")
    assert "Adopt the new rules" in listed.body
    assert "What we keep" in (await bot.say("t1", "privacy")).body
    asked = await bot.say("t1", "/suggest")
    assert "tell the staff council" in asked.body
    topics = await bot.say("t1", "Vote")  # the suggestion itself, not the command
    assert "What is it about?" in topics.body


async def test_texts_are_paced_by_their_segments(bot: Running) -> None:
    for member in ("t1", "t2", "t3"):
        bot.link(member)
    long = "A newsletter paragraph that runs on. " * 10  # 370 characters: 3 GSM-7 parts
    bot.app.postman.post(
        [
            Message(Recipient.of("t1"), long, key="a"),
            Message(Recipient.of("t2"), "Short.", key="b"),
            Message(Recipient.of("t3"), "Short too.", key="c"),
        ]
    )
    await bot.settled()
    first, second, third = sorted(bot.fake.sent, key=lambda sent: sent.time)
    assert (first.segments, second.segments) == (3, 1)
    # One segment a second (a long code): three parts hold the next text for three seconds.
    assert second.time - first.time >= 3.0
    assert 1.0 <= third.time - second.time < 2.0
