"""The WhatsApp adapter end to end: joining, buttons, lists, typed numbers, the 24-hour
rule with templates, the daily limit, signed webhooks, redelivery, rate limits and
statuses, all through the real adapter against FakeWhatsApp (harness.py)."""

from __future__ import annotations

import aiohttp

from bot.adapters.whatsapp.render import option_id
from handlers.members import invites
from handlers.messages import Message, Recipient
from storage import members, outbox, whatsapp
from tests.e2e.whatsapp.harness import (
    PHONE,
    ROOMS,
    SCALE,
    VERIFY,
    Running,
    assert_kept_the_rules,
    running,
)
from tests.fakes.whatsapp_api import DISPLAY_NUMBER, Sent

# ---------------------------------------------------------------------------- joining


async def test_a_member_joins_once_with_the_wa_me_link(bot: Running) -> None:
    (invite,) = invites.issue(bot.app.ctx, ["t1"], "test")
    assert invite.links["whatsapp"] == f"https://wa.me/{DISPLAY_NUMBER}?text=JOIN%20{invite.token}"

    welcome = await bot.say("t1", f"join {invite.token.upper()}")

    assert welcome.type == "interactive" and welcome.text.startswith("Welcome, Tenant!")
    assert [title for _, title in welcome.options] == ["What can I do?", "My privacy"]
    assert members.identity(bot.app.db, "whatsapp", PHONE["t1"])["member_id"] == "t1"
    again = await bot.say("t1", f"JOIN {invite.token}")
    assert again.text.startswith("Welcome back, Tenant.")
    stranger = await bot.say("t2", f"JOIN {invite.token}")
    assert "already been used" in stranger.text
    assert members.identity(bot.app.db, "whatsapp", PHONE["t2"]) is None
    assert len(members.identities_of(bot.app.db, "t1")) == 1
    assert_kept_the_rules(bot)


async def test_buttons_the_menu_word_and_commands(bot: Running) -> None:
    welcome = await bot.join("t1")
    help_id, help_title = welcome.options[0]
    before = len(bot.fake.sent_to(PHONE["t1"]))
    await bot.fake.push_button_reply(PHONE["t1"], help_id, help_title)
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PHONE["t1"])) > before)
    assert "/privacy" in bot.fake.sent_to(PHONE["t1"])[before].text
    await bot.settled()

    menu = await bot.say("t1", "Menu")
    assert menu.text.startswith("Our Mutual: have your say")
    rows = {title: option for option, title in menu.options}
    assert menu.body["interactive"]["type"] == "list" and len(rows) == 10
    privacy = next(title for title in rows if title.startswith("/privacy"))
    before = len(bot.fake.sent_to(PHONE["t1"]))
    await bot.fake.push_list_reply(PHONE["t1"], rows[privacy], privacy)
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PHONE["t1"])) > before)
    assert "What we keep" in bot.fake.sent_to(PHONE["t1"])[before].text
    assert "keep" in (await bot.say("t1", "/privacy")).text.lower()
    assert_kept_the_rules(bot)


async def test_strangers_menu_and_a_stale_take_part_get_the_help(bot: Running) -> None:
    stranger = await bot.say("t2", "menu")
    assert "You haven't joined yet" in stranger.text
    await bot.join("t1")
    await bot.settled()
    before = len(bot.fake.sent_to(PHONE["t1"]))
    await bot.fake.push_quick_reply(PHONE["t1"], "mv.take_part", "Take part")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PHONE["t1"])) > before)
    assert "/privacy" in bot.fake.sent_to(PHONE["t1"])[before].text  # nothing waited: the help


async def test_up_to_ten_long_choices_are_a_list(bot: Running) -> None:
    await bot.join("t1")
    question = await bot.say("t1", "/rooms")
    interactive = question.body["interactive"]
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert rows[0]["title"] == "Room 0 in the community"
    assert rows[0]["description"] == "centre"
    await bot.fake.push_list_reply(PHONE["t1"], rows[4]["id"], rows[4]["title"])
    await bot.fake.wait_for(lambda: bot.recorder.choices)
    assert bot.recorder.choices == [("test.room", "4")]
    assert_kept_the_rules(bot)


async def test_a_0_to_10_scale_is_answered_by_typing_a_number_once(bot: Running) -> None:
    await bot.join("t1")
    question = await bot.say("t1", "/scale")
    assert question.type == "text"
    assert question.text.endswith("Reply with a number from 0 to 10.")
    answer = await bot.say("t1", "7")
    assert answer.text == "Recorded 7." and bot.recorder.choices == [("test.scale", "7")]
    await bot.say("t1", "8")  # the question was answered: "8" is just text now
    assert bot.recorder.choices == [("test.scale", "7")]
    assert_kept_the_rules(bot)


# ---------------------------------------------------------------------------- the 24-hour rule


async def test_outside_the_window_a_template_goes_and_the_message_waits_for_the_answer(
    bot: Running,
) -> None:
    await bot.join("t1")
    await bot.settled()
    bot.clock.advance(hours=25)
    sent_before = len(bot.fake.sent_to(PHONE["t1"]))

    bot.app.postman.post([Message(Recipient.of("t1"), "Your newsletter is here.")])
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PHONE["t1"])) > sent_before)
    await bot.ticker.until(lambda: bool(bot.held("t1")))

    (template,) = bot.fake.sent_to(PHONE["t1"])[sent_before:]
    assert template.type == "template" and not template.in_window
    assert template.body["template"]["name"] == "mutual_voice_take_part"
    assert bot.held("t1")[0]["error"] == whatsapp.HELD
    bot.app.postman.post([Message(Recipient.of("t1"), "A second piece of news.")])
    await bot.ticker.until(lambda: len(bot.held("t1")) == 2)
    assert len(bot.fake.sent_to(PHONE["t1"])) == sent_before + 1  # one invitation, not two

    await bot.fake.push_quick_reply(PHONE["t1"], "mv.take_part", "Take part")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PHONE["t1"])) == sent_before + 3)
    await bot.settled()
    texts = [s.text for s in bot.fake.sent_to(PHONE["t1"])[sent_before + 1 :]]
    assert texts == ["Your newsletter is here.", "A second piece of news."]
    assert_kept_the_rules(bot)


async def test_welsh_members_get_the_welsh_template(bot: Running) -> None:
    await bot.join("t1")
    await bot.settled()
    bot.clock.advance(hours=30)
    bot.app.postman.post([Message(Recipient.of("t1"), "Newyddion.", language="cy")])
    await bot.fake.wait_for(lambda: bot.fake.sent_to(PHONE["t1"])[-1].type == "template")
    assert bot.fake.sent_to(PHONE["t1"])[-1].body["template"]["language"]["code"] == "cy"


async def test_the_daily_limit_spreads_invitations_over_days(tmp_path) -> None:
    async with running(tmp_path, daily_limit=2) as bot:
        for member in ("t1", "t2", "t3"):
            await bot.join(member)
        await bot.settled()
        bot.clock.advance(hours=25)
        bot.app.postman.post(
            [Message(Recipient.of(m), "A vote opens.") for m in ("t1", "t2", "t3")]
        )

        def templates() -> list[Sent]:
            return [s for s in bot.fake.sent if s.type == "template"]

        await bot.ticker.until(lambda: len(templates()) == 2 and len(bot.held("t3")) == 1)
        assert bot.held("t3")[0]["error"] == whatsapp.HELD_FOR_LIMIT
        bot.clock.advance(hours=24)
        bot.app.wake("whatsapp")
        await bot.ticker.until(lambda: len(templates()) == 3)
        assert {s.to for s in templates()} == {PHONE["t1"], PHONE["t2"], PHONE["t3"]}
        assert_kept_the_rules(bot)


# ---------------------------------------------------------------------------- webhooks


async def test_the_subscription_handshake_needs_the_verify_token(bot: Running) -> None:
    url = bot.fake.webhook_url
    async with aiohttp.ClientSession() as http:
        query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
        async with http.get(url, params=query) as answer:
            assert answer.status == 200 and await answer.text() == "1158201444"
        async with http.get(url, params={**query, "hub.verify_token": "guess"}) as answer:
            assert answer.status == 403


async def test_forged_and_unsigned_webhooks_are_refused_with_no_effect(bot: Running) -> None:
    (invite,) = invites.issue(bot.app.ctx, ["t1"], "test")
    event = bot.fake.inbound(PHONE["t1"], "text", {"body": f"JOIN {invite.token}"})
    assert await bot.fake.deliver(event, signature="sha256=" + "0" * 64) == 403
    assert await bot.fake.deliver(event, signature="") == 403
    await bot.settled()
    assert bot.fake.sent == [] and members.identity(bot.app.db, "whatsapp", PHONE["t1"]) is None
    assert whatsapp.window_closes(bot.app.db, PHONE["t1"]) is None
    assert await bot.fake.deliver(event) == 200  # the genuine one still works
    await bot.fake.wait_for(lambda: bot.fake.sent)
    assert members.identity(bot.app.db, "whatsapp", PHONE["t1"])["member_id"] == "t1"


async def test_a_redelivered_event_is_handled_once(bot: Running) -> None:
    await bot.join("t1")
    await bot.settled()
    event = await bot.fake.push_text(PHONE["t1"], "/privacy")
    await bot.fake.wait_for(lambda: "keep" in bot.fake.sent_to(PHONE["t1"])[-1].text.lower())
    count = len(bot.fake.sent_to(PHONE["t1"]))
    for _ in range(3):
        assert await bot.fake.redeliver(event) == 200
    await bot.say("t1", "/help")  # a marker: everything before it was handled
    await bot.settled()
    assert len(bot.fake.sent_to(PHONE["t1"])) == count + 1


async def test_a_rate_limited_send_is_retried(bot: Running) -> None:
    await bot.join("t1")
    await bot.settled()
    bot.fake.fail_next(130429, "Rate limit hit")
    answer = await bot.say("t1", "/help")
    assert "/privacy" in answer.text
    assert [e.code for _, e in bot.fake.refused] == [130429]


async def test_a_failed_status_marks_the_outbox_row(bot: Running) -> None:
    await bot.join("t1")
    await bot.settled()
    answer = await bot.say("t1", "/privacy")
    await bot.settled()
    await bot.fake.push_status(answer, "failed", 131026, "Message undeliverable")
    row_id = int(answer.body["biz_opaque_callback_data"])
    (row,) = [r for r in outbox.rows_for(bot.app.db, "whatsapp") if r["id"] == row_id]
    assert row["status"] == "unreachable" and "131026" in row["error"]


def test_option_ids_fit_whatsapp() -> None:
    assert all(len(option_id(o)) <= 200 for o in (*SCALE, *ROOMS))
