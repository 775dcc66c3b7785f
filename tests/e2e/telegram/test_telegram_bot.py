"""The Telegram adapter end to end: the real python-telegram-bot stack against FakeTelegram.

Time is a FakeClock shared by the outbox and the fake's flood limits; the outbox's sleep
moves it, so nothing here waits for the wall clock.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.adapters.telegram import adapter as telegram
from bot.adapters.telegram import commands as telegram_commands
from bot.app import App
from bot.cli import cli
from bot.config import ConfigError, Settings, TelegramSettings
from handlers.members import invites
from handlers.messages import Event, Message, Option, Recipient, reply
from handlers.router import ANYONE, Router
from storage import members, outbox
from storage.db import open_database
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import FakeClock, add_members

TENANT = 4242  # the Telegram user id of member t1
COUNCIL = -1001234567890
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"t{n},Tenant {n},,tenant\n" for n in range(1, 7)
)
LONG_TEXT = "\n\n".join(f"Paragraph {n}. " + "All work and no play. " * 20 for n in range(12))
LONG_ACTION = "test.record-a-choice-made-on-a-button-with-a-rather-long-action-name"
LONG_VALUE = "v" * 58 + "é"  # 60 bytes in UTF-8: the most a value may take


class MovingClock(FakeClock):
    """A FakeClock that, like a real one, moves a little every time it is read.

    The sender may poll without sleeping until a chat's next slot or the end of a
    retry_after pause comes up; a clock that only moved on sleep would keep it polling.
    """

    def __call__(self) -> datetime:
        self.advance(0.002)
        return self.now


class Ticker:
    """The outbox's sleep: moves the FakeClock, then lets waiting tests look again."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.turned = asyncio.Condition()

    async def sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)
        async with self.turned:
            self.turned.notify_all()

    async def until(self, predicate: Callable[[], Any], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout), self.turned:
            await self.turned.wait_for(predicate)


@dataclass
class Recorder:
    """Test routes registered before the adapter starts, and what they saw."""

    choices: list[tuple[str, str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def register(self, router: Router) -> None:
        def pick(ctx: object, event: Event) -> Message:
            return reply(
                event,
                "Pick one",
                choices=[
                    Option("Keep", LONG_ACTION, LONG_VALUE),
                    Option("Replace", "test.replace"),
                ],
            )

        def record(ctx: object, event: Event) -> Message:
            self.choices.append((event.value, event.sender.chat_id, event.message_ref))
            return reply(event, "Recorded.")

        def note(ctx: object, event: Event) -> None:
            self.notes.append(event.text)

        router.command("pick")(pick)
        ok = Option("OK", "help.show")
        router.command("long")(lambda ctx, event: reply(event, LONG_TEXT, choices=[ok]))
        router.command("note")(lambda ctx, event: reply(event, "Your note?", prompt="test.note"))
        router.action(LONG_ACTION, who=ANYONE)(record)
        router.action("test.replace")(lambda ctx, event: reply(event, "Replaced.", edit=True))
        router.prompt("test.note")(note)
        router.text()(lambda ctx, event: reply(event, f"You said: {event.text}", title="Echo"))


@dataclass
class Running:
    fake: FakeTelegram
    app: App
    clock: FakeClock
    ticker: Ticker
    recorder: Recorder

    def texts(self, chat: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.fake.sent(chat_id=chat)]

    async def reply_to(self, user: int, text: str, **where: Any) -> dict[str, Any]:
        """Send `text` as `user` and return (a copy of) the bot's next message in that chat."""
        chat = where.get("chat_id", user)
        before = len(self.fake.sent(chat_id=chat))
        self.fake.push_message(user, text, **where)
        await self.fake.wait_for(lambda: len(self.fake.sent(chat_id=chat)) > before)
        return copy.deepcopy(self.fake.sent(chat_id=chat)[before])

    def link(self, member_id: str, user: int) -> None:
        """Connect a member as if they had joined earlier."""
        self.fake.add_user(user)
        now = self.clock()
        members.link_identity(self.app.db, "telegram", str(user), str(user), member_id, now)

    async def join(self, member_id: str, user: int) -> dict[str, Any]:
        (invite,) = invites.issue(self.app.ctx, [member_id], "test")
        return await self.reply_to(user, f"/start {invite.token}")

    async def settled(self) -> None:
        await self.ticker.until(lambda: outbox.waiting(self.app.db, "telegram") == 0)


@asynccontextmanager
async def running(tmp_path, **options: Any) -> AsyncIterator[Running]:
    clock = MovingClock()
    ticker = Ticker(clock)
    recorder = Recorder()
    async with FakeTelegram(clock=lambda: clock.now.timestamp()) as fake:
        settings = dataclasses.replace(
            Settings(),
            folder=tmp_path,
            telegram=TelegramSettings(
                enabled=True,
                token=fake.token,
                base_url=fake.base_url,
                base_file_url=fake.base_file_url,
                **options,
            ),
        )
        app = App(settings, clock=clock, sleep=ticker.sleep)
        add_members(app.ctx, ROSTER)
        recorder.register(app.router)
        adapter = await telegram.start(app, asyncio.Event())
        try:
            yield Running(fake, app, clock, ticker, recorder)
        finally:
            await adapter.stop()
            app.db.close()


@pytest.fixture
async def bot(tmp_path) -> AsyncIterator[Running]:
    async with running(tmp_path, council_chat_id=str(COUNCIL)) as started:
        yield started


# ---------------------------------------------------------------------------- joining


async def test_an_invited_member_joins_with_the_deep_link(bot: Running) -> None:
    (invite,) = invites.issue(bot.app.ctx, ["t1"], "test")
    assert invite.links["telegram"] == f"https://t.me/mutual_voice_test_bot?start={invite.token}"

    welcome = await bot.reply_to(TENANT, f"/start {invite.token}")

    assert welcome["text"].startswith("Welcome, Tenant! You're connected to Our Mutual")
    buttons = [b["text"] for row in welcome["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["What can I do?", "My privacy"]
    assert members.identity(bot.app.db, "telegram", str(TENANT))["member_id"] == "t1"

    names = [c["command"] for c in bot.fake.commands]  # the menu was registered at start
    assert names[:2] == ["start", "help"] and "privacy" in names
    assert "pick" not in names  # commands without help text stay unlisted
    assert names == [c.command for c in telegram_commands.menu(bot.app.router, bot.app.ctx)]
    assert bot.fake.commands[1]["description"] == "what I can do"


async def test_the_command_menu_is_set_in_each_language(bot: Running) -> None:
    menus = bot.fake.scoped_commands
    default_scope = '{"type": "default"}'
    welsh = {c["command"]: c["description"] for c in menus[(default_scope, "cy")]}
    english = {c["command"]: c["description"] for c in menus[(default_scope, "en")]}
    assert welsh["help"] == "beth alla i ei wneud" and english["help"] == "what I can do"
    assert welsh["language"] == "dewis yr iaith rydw i'n ei siarad"
    assert list(welsh) == list(english) == [c["command"] for c in bot.fake.commands]
    # The menu for everyone else is in the organisation's language.
    assert bot.fake.commands[1]["description"] == "what I can do"


async def test_strangers_are_told_how_to_join_and_nothing_else(bot: Running) -> None:
    stranger = 777
    how = await bot.reply_to(stranger, "/start")
    refusal = await bot.reply_to(stranger, "/start NOT-A-TOKEN")
    await bot.settled()

    assert "Only members can take part" in how["text"] and "reply_markup" not in how
    assert refusal["text"].startswith("Sorry, I don't recognise that invite")
    assert len(bot.fake.sent(chat_id=stranger)) == 2
    assert members.identity(bot.app.db, "telegram", str(stranger)) is None


# ---------------------------------------------------------------------------- buttons


async def test_a_press_delivered_twice_counts_once_and_ticks_the_question(bot: Running) -> None:
    welcome = await bot.join("t1", TENANT)
    help_button = welcome["reply_markup"]["inline_keyboard"][0][0]
    update, _ = bot.fake.make_callback_update(
        TENANT, welcome["message_id"], help_button["callback_data"]
    )

    bot.fake.push_update(update)
    bot.fake.push_update(update)  # the same update_id again, as after a crash
    await bot.reply_to(TENANT, "/me")  # updates are handled in order: both presses are done
    await bot.settled()

    helps = [text for text in bot.texts(TENANT) if "have your say" in text]
    assert len(helps) == 1
    ticked = bot.fake.messages[TENANT][welcome["message_id"]]
    assert ticked["text"] == welcome["text"] + "\n\n✓ What can I do?"
    assert "reply_markup" not in ticked
    assert len(bot.fake.answered_callbacks) == 1  # the second answer came too late, harmlessly


async def test_long_button_values_survive_the_round_trip(bot: Running) -> None:
    await bot.join("t1", TENANT)
    card = await bot.reply_to(TENANT, "/pick")
    keep = card["reply_markup"]["inline_keyboard"][0][0]
    assert len(keep["callback_data"].encode()) == 64
    assert len(keep["callback_data"]) == 63

    bot.fake.push_callback(TENANT, card["message_id"], keep["callback_data"])
    await bot.fake.wait_for(lambda: "Recorded." in bot.texts(TENANT))

    assert bot.recorder.choices == [(LONG_VALUE, str(TENANT), str(card["message_id"]))]
    assert bot.fake.messages[TENANT][card["message_id"]]["text"] == "Pick one\n\n✓ Keep"


async def test_a_handler_can_edit_the_message_it_was_pressed_on(bot: Running) -> None:
    await bot.join("t1", TENANT)
    card = await bot.reply_to(TENANT, "/pick")
    replace_button = card["reply_markup"]["inline_keyboard"][0][1]

    bot.fake.push_callback(TENANT, card["message_id"], replace_button["callback_data"])
    await bot.fake.wait_for(
        lambda: bot.fake.messages[TENANT][card["message_id"]]["text"] == "Replaced."
    )
    assert len(bot.fake.sent(chat_id=TENANT)) == 2  # the welcome and the edited card


# ---------------------------------------------------------------------------- rendering


async def test_member_text_is_shown_literally(bot: Running) -> None:
    await bot.join("t1", TENANT)
    echo = await bot.reply_to(TENANT, "<b>hi</b> & <script>")

    assert echo["text"] == "Echo\n\nYou said: <b>hi</b> & <script>"
    assert echo["entities"] == [{"offset": 0, "length": 4, "type": "bold"}]


async def test_a_long_message_is_split_and_arrives_whole(bot: Running) -> None:
    await bot.join("t1", TENANT)
    bot.fake.push_message(TENANT, "/long")
    await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=TENANT)) == 3)

    parts = bot.fake.sent(chat_id=TENANT)[1:]
    assert all(len(part["text"]) <= 4096 for part in parts)
    assert " ".join(part["text"] for part in parts).split() == LONG_TEXT.split()
    assert parts[0]["text"].endswith("All work and no play.")  # cut at a paragraph
    assert ["reply_markup" in part for part in parts] == [False, True]


async def test_someone_not_yet_joined_is_answered_in_their_apps_language(bot: Running) -> None:
    bot.fake.add_user(778, language_code="cy")
    how = await bot.reply_to(778, "/start")
    assert how["text"].startswith("Helo! Dyma wasanaeth llais yr aelodau Our Mutual.")
    bot.fake.add_user(779, language_code="de")  # no German yet: the organisation's language
    assert (await bot.reply_to(779, "/start"))["text"].startswith("Hello! This is the member")


async def test_a_welsh_member_is_asked_in_welsh_with_a_welsh_reply_box(bot: Running) -> None:
    members.set_language(bot.app.db, "t2", "cy")
    await bot.join("t2", 4343)
    ask = await bot.reply_to(4343, "/suggest")
    assert ask["text"].startswith("Beth hoffech chi ei ddweud wrth gyngor y staff?")
    markup = bot.fake.calls_to("sendMessage")[-1].params["reply_markup"]
    assert markup == {"force_reply": True, "input_field_placeholder": "Teipiwch eich ateb"}


async def test_a_prompt_asks_for_a_reply_and_routes_the_answer(bot: Running) -> None:
    await bot.join("t1", TENANT)
    question = await bot.reply_to(TENANT, "/note")
    markup = bot.fake.calls_to("sendMessage")[-1].params["reply_markup"]
    assert markup == {"force_reply": True, "input_field_placeholder": "Type your answer"}

    bot.fake.push_message(TENANT, "The lift is broken again", reply_to=question["message_id"])
    await bot.reply_to(TENANT, "/me")

    assert bot.recorder.notes == ["The lift is broken again"]


async def test_a_chart_goes_as_a_photo_with_its_caption(bot: Running, tmp_path) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n fake chart")
    text = "Results. " * 150  # too long for one caption
    bot.link("t1", TENANT)
    bot.app.postman.post([Message(Recipient.of("t1"), text, title="Pulse", image=str(chart))])
    await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=TENANT)) == 2)

    photo, rest = bot.fake.sent(chat_id=TENANT)
    assert bot.fake.photos[0]["data"] == chart.read_bytes()
    assert photo["caption"].startswith("Pulse\n\nResults.") and len(photo["caption"]) <= 1024
    assert (photo["caption"] + " " + rest["text"]).split() == ["Pulse", *text.split()]


# ---------------------------------------------------------------------------- delivery


async def test_a_429_storm_loses_nothing_and_duplicates_nothing(bot: Running) -> None:
    users = {f"t{n}": 5000 + n for n in range(1, 7)}
    for member_id, user in users.items():
        bot.link(member_id, user)
    bot.fake.fail_next(5, retry_after=3)

    bot.app.postman.post(
        [Message(Recipient.of(m), f"Pulse for {m}", key=f"pulse-{m}") for m in users]
    )
    await bot.settled()

    for member_id, user in users.items():
        assert bot.texts(user) == [f"Pulse for {member_id}"]
    calls = bot.fake.calls_to("sendMessage")
    refused = [c for c in calls if c.status == 429]
    assert len(refused) == 5
    for call in refused:  # each refused message went again only after retry_after
        (delivered,) = [
            c for c in calls if c.status == 200 and c.params["chat_id"] == call.params["chat_id"]
        ]
        assert delivered.time >= call.time + 3
    assert {r["status"] for r in outbox.rows_for(bot.app.db)} == {"sent"}


async def test_a_long_message_halted_by_the_flood_limit_resumes_where_it_stopped(
    bot: Running,
) -> None:
    text = "\n\n".join(f"Part {n}. " + "Minutes of the meeting. " * 160 for n in range(5))
    bot.link("t3", 3003)
    bot.app.postman.post([Message(Recipient.of("t3"), text, key="minutes")])
    await bot.settled()

    statuses = [c.status for c in bot.fake.calls_to("sendMessage")]
    assert statuses.count(429) >= 1  # the fake allows a burst of 3 messages to one chat
    parts = bot.texts(3003)
    assert len(parts) == 5 and " ".join(parts).split() == text.split()


async def test_a_member_who_blocked_the_bot_is_marked_unreachable(bot: Running) -> None:
    bot.link("t2", 7)
    bot.fake.block(7)
    bot.app.postman.post([Message(Recipient.of("t2"), "Pulse time", key="pulse-t2")])
    bot.app.postman.post([Message(Recipient.of("t2"), "Reminder", key="reminder-t2")])
    await bot.settled()

    (gone,) = members.unreachable(bot.app.db)
    assert (gone["member_id"], gone["platform"]) == ("t2", "telegram")
    assert "blocked" in gone["unreachable_reason"]
    assert len(bot.fake.calls_to("sendMessage")) == 1  # not retried, the reminder not tried


async def test_the_token_never_reaches_the_logs(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(tmp_path) as bot:
        bot.link("t2", 7)
        bot.fake.block(7)
        bot.app.postman.post([Message(Recipient.of("t2"), "Pulse time")])
        await bot.settled()
        secret = bot.fake.token.split(":")[1]
        assert all(secret not in (row["error"] or "") for row in outbox.rows_for(bot.app.db))

    assert "Set Bot API URL" in caplog.text and secret not in caplog.text


async def test_a_wrong_token_stops_the_start_with_a_clear_error(tmp_path) -> None:
    async with FakeTelegram() as fake:
        wrong = "999:AAthis-is-not-the-token"
        telegram_settings = TelegramSettings(enabled=True, token=wrong, base_url=fake.base_url)
        app = App(dataclasses.replace(Settings(), folder=tmp_path, telegram=telegram_settings))
        with pytest.raises(ConfigError, match="Telegram refused the bot token") as refused:
            await telegram.start(app, asyncio.Event())
        app.db.close()
    assert "AAthis" not in str(refused.value) and refused.value.__cause__ is None
    assert "telegram" not in app.senders


# ---------------------------------------------------------------------------- council group


async def test_the_council_group_is_served_and_other_groups_are_not(bot: Running) -> None:
    bot.fake.add_group(COUNCIL)
    bot.fake.add_group(-100999, title="Somewhere else")
    await bot.join("t1", TENANT)
    bot.app.postman.post(
        [
            Message(
                Recipient.staff_council(),
                "A new suggestion",
                choices=(Option("Keep", LONG_ACTION, "s1"),),
            )
        ]
    )
    await bot.fake.wait_for(lambda: bot.fake.sent(chat_id=COUNCIL))
    (card,) = bot.fake.sent(chat_id=COUNCIL)

    bot.fake.push_message(TENANT, "chatter among the council", chat_id=COUNCIL)
    bot.fake.push_message(TENANT, "hello elsewhere", chat_id=-100999)
    bot.fake.push_callback(
        TENANT,
        card["message_id"],
        card["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        chat_id=COUNCIL,
    )
    answer = await bot.reply_to(
        TENANT, "We'll discuss it", chat_id=COUNCIL, reply_to=card["message_id"]
    )
    await bot.settled()

    assert bot.recorder.choices == [("s1", str(COUNCIL), str(card["message_id"]))]
    assert answer["text"] == "Recorded."
    assert bot.texts(COUNCIL)[-1] == "Echo\n\nYou said: We'll discuss it"
    assert not any("chatter" in text for text in bot.texts(COUNCIL))  # not said to the bot
    assert bot.fake.sent(chat_id=-100999) == []


# ---------------------------------------------------------------------------- webhook


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def webhook_options() -> dict[str, Any]:
    """Telegram settings for webhook mode on a free local port."""
    port = free_port()
    return {
        "mode": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
        "webhook_secret": "s3cret_value",
        "listen": "127.0.0.1",
        "port": port,
    }


async def test_webhook_mode_accepts_only_the_right_secret(tmp_path) -> None:
    async with running(tmp_path, **webhook_options()) as bot:
        assert bot.fake.webhook["secret_token"] == "s3cret_value"
        assert bot.fake.calls_to("getUpdates") == []

        refused = bot.fake.make_message_update(TENANT, "/privacy")
        assert await bot.fake.deliver_webhook(refused, secret_token="wrong") == 403
        assert await bot.fake.deliver_webhook(refused, secret_token=None) == 403
        assert await bot.fake.deliver_webhook(bot.fake.make_message_update(TENANT, "/help")) == 200
        await bot.fake.wait_for(lambda: bot.fake.sent(chat_id=TENANT))

        (only,) = bot.fake.sent(chat_id=TENANT)
        assert "have your say" in only["text"]


# ---------------------------------------------------------------------------- the officer's CLI


async def test_invites_carry_the_join_link_learnt_from_telegram(tmp_path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER)
    open_database(tmp_path / "mutual-voice.db").close()
    async with FakeTelegram() as fake:
        config = tmp_path / "mutual-voice.toml"
        config.write_text(
            f'[telegram]\nenabled = true\ntoken = "{fake.token}"\nbase_url = "{fake.base_url}"\n'
        )

        def mv(*args: str) -> Result:
            return CliRunner().invoke(cli, ["--config", str(config), *args])

        # The CLI runs its own event loop, so it gets a thread while this one serves the fake.
        assert (
            await asyncio.to_thread(mv, "members", "import", str(tmp_path / "roster.csv"))
        ).exit_code == 0
        invited = await asyncio.to_thread(mv, "members", "invite", "--member", "t1")

    assert invited.exit_code == 0, invited.output
    assert "\thttps://t.me/mutual_voice_test_bot?start=" in invited.output
    assert fake.token not in invited.output


async def test_a_voice_note_gets_a_kind_word_not_silence(bot: Running) -> None:
    await bot.join("t1", TENANT)
    update = bot.fake.make_message_update(TENANT, "unused")
    update.pop("update_id", None)
    message = update["message"]
    message.pop("text")
    message.pop("entities", None)
    message["voice"] = {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}
    before = len(bot.fake.sent(chat_id=TENANT))
    bot.fake.push_update(update)
    await bot.fake.wait_for(lambda: len(bot.fake.sent(chat_id=TENANT)) > before)
    assert bot.fake.sent(chat_id=TENANT)[-1]["text"].startswith("Sorry, I can only read typed")


async def test_a_member_who_chose_welsh_gets_the_welsh_menu_in_an_english_app(
    bot: Running,
) -> None:
    chat_scope = ('{"chat_id": 4545, "type": "chat"}', "")
    bot.fake.add_user(4545, language_code="en")
    members.set_language(bot.app.db, "t2", "cy")  # the roster's choice, or /language
    await bot.join("t2", 4545)
    await bot.fake.wait_for(lambda: chat_scope in bot.fake.scoped_commands)
    welsh = {c["command"]: c["description"] for c in bot.fake.scoped_commands[chat_scope]}
    assert welsh["help"] == "beth alla i ei wneud"

    members.set_language(bot.app.db, "t2", "en")  # back to the app's language
    await bot.reply_to(4545, "/help")
    await bot.fake.wait_for(lambda: chat_scope not in bot.fake.scoped_commands)
    default_scope = '{"type": "default"}'
    assert bot.fake.scoped_commands[(default_scope, "cy")]  # the per-app menus are kept
