"""Tests of FakeTelegram, driven through the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from .telegram_api import FakeTelegram, HtmlParseError, ManualClock, parse_html

USER = 42


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(rate_limits=False) as server:
        server.add_user(USER, first_name="Ada", username="ada")
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in buttons]
    )


@asynccontextmanager
async def polling(fake: FakeTelegram, *handlers: object) -> AsyncIterator[Application]:
    """Run a real PTB Application that long-polls the fake."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)  # type: ignore[arg-type]
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# ------------------------------------------------------------------------------ Application e2e


async def test_application_receives_command_and_replies(fake: FakeTelegram) -> None:
    seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))
        assert update.effective_user is not None and update.message is not None
        await update.message.reply_text(f"Hello {update.effective_user.first_name}")

    async with polling(fake, CommandHandler("start", start)):
        update_id = fake.push_message(USER, "/start abc")
        await fake.wait_for(lambda: fake.sent(chat_id=USER))

    assert seen == [["abc"]]
    (reply,) = fake.sent(chat_id=USER)
    assert reply["text"] == "Hello Ada"
    assert reply["from"]["username"] == "mutual_voice_test_bot"
    assert [c.method for c in fake.calls][:2] == ["getMe", "deleteWebhook"]
    # The long poll PTB cancels on shutdown is answered 409 to nobody: kept out of ``calls``.
    assert all(c.status == 200 for c in fake.calls)
    # Stopping the updater confirms what it fetched, so nothing would be fetched twice.
    assert fake.pending_updates == []
    assert update_id == 1


async def test_command_addressed_to_the_bot_by_username(fake: FakeTelegram) -> None:
    seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))

    async with polling(fake, CommandHandler("start", start)):
        fake.push_message(USER, "/start@mutual_voice_test_bot x y")
        await fake.wait_for(lambda: seen)

    assert seen == [["x", "y"]]


async def test_button_press_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Noted")
        await query.edit_message_text(f"You chose {query.data}")

    message = await bot.send_message(USER, "Agree?", reply_markup=keyboard(("Yes", "yes")))
    async with polling(fake, CallbackQueryHandler(pressed)):
        _, query_id = fake.push_callback(USER, message.message_id, "yes")
        await fake.wait_for(lambda: fake.calls_to("editMessageText"))

    assert fake.answered_callbacks[0]["callback_query_id"] == query_id
    assert fake.answered_callbacks[0]["text"] == "Noted"
    edited = fake.messages[USER][message.message_id]
    assert edited["text"] == "You chose yes"
    assert "reply_markup" not in edited  # edit without markup drops the keyboard
    assert fake.sent(chat_id=USER) == [edited]


async def test_redelivered_update_reaches_the_handler_twice(fake: FakeTelegram) -> None:
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)

    update = fake.make_message_update(USER, "/vote 1")
    async with polling(fake, CommandHandler("vote", record)):
        fake.push_update(update)
        await fake.wait_for(lambda: seen)
        fake.push_update(update)  # the same update_id again, below the confirmed offset
        await fake.wait_for(lambda: len(seen) == 2)

    assert seen == [update["update_id"]] * 2


# ------------------------------------------------------------------------------ protocol


async def test_bot_sends_form_encoded_and_multipart(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "hi")
    await bot.send_photo(USER, photo=b"\x89PNG fake", caption="<b>Chart</b>", parse_mode="HTML")

    send, photo = fake.calls[-2:]
    assert send.content_type == "application/x-www-form-urlencoded"
    assert send.params["chat_id"] == USER  # typed, although it arrived as the string "42"
    assert photo.content_type == "multipart/form-data"
    assert photo.files["photo"].data == b"\x89PNG fake"
    assert fake.photos[0]["data"] == b"\x89PNG fake"
    assert fake.photos[0]["caption"] == "Chart"
    photo_message = fake.sent(chat_id=USER)[-1]
    assert photo_message["caption_entities"] == [{"offset": 0, "length": 5, "type": "bold"}]


async def test_raw_http_shapes(fake: FakeTelegram) -> None:
    api = f"{fake.base_url}{fake.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api}/getMyCommands?language_code=de") as response:
            assert (await response.json()) == {"ok": True, "result": []}
        async with http.get(f"{api}/getMe") as response:
            assert response.status == 200
            assert (await response.json())["result"]["username"] == "mutual_voice_test_bot"

        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        payload = {"chat_id": str(USER), "text": "json", "reply_markup": markup}
        async with http.post(f"{api}/sendMessage", json=payload) as response:
            body = await response.json()
            assert response.status == 200 and body["result"]["reply_markup"] == markup

        async with http.post(f"{api}/nosuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }

        wrong = f"{fake.base_url}1:AAwrong/getMe"
        async with http.post(wrong) as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"

        async with http.post(f"{fake.base_url}not-a-token/getMe") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"

        fake.fail_next(1, retry_after=9)
        async with http.post(f"{api}/sendMessage", data={"chat_id": str(USER), "text": "x"}) as r:
            assert r.status == 429
            assert await r.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 9",
                "parameters": {"retry_after": 9},
            }


async def test_wrong_token_is_rejected(fake: FakeTelegram) -> None:
    for token in ("999:AAnot-the-right-token", "garbage"):
        with pytest.raises(InvalidToken):
            async with Bot(token, base_url=fake.base_url):
                pass
    assert [c.status for c in fake.calls] == [401, 404]


async def test_unknown_method_and_session_methods(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    assert await bot.log_out() is True
    assert await bot.close() is True
    assert [(c.method, c.status) for c in fake.calls[-3:]] == [
        ("sendTelepathy", 404),
        ("logOut", 200),
        ("close", 200),
    ]


# ------------------------------------------------------------------------------ limits


async def test_text_length_counts_characters_after_html_parsing(
    fake: FakeTelegram, bot: Bot
) -> None:
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(USER, "&lt;" * 4096, parse_mode="HTML")
    assert fake.sent(chat_id=USER)[-1]["text"] == "<" * 4096

    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "<i>" + "x" * 4097 + "</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message must be non-empty"):
        await bot.send_message(USER, "  \n ")
    assert len(fake.sent()) == 3


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("<p>para</p>", 'unsupported start tag "p" at byte offset 0'),
        ("<b>bold", "can't find end tag corresponding to start tag b"),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ('<span class="x">s</span>', 'tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_malformed_html_is_rejected(bot: Bot, html: str, error: str) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(USER, html, parse_mode="HTML")
    # PTB drops "Bad Request: " and str.capitalize()s the rest of Telegram's text.
    assert caught.value.message == f"Can't parse entities: {error}"


async def test_supported_html_produces_entities(fake: FakeTelegram, bot: Bot) -> None:
    html = (
        '<b>b</b><i>i</i><u>u</u><s>s</s><a href="https://example.org">a</a><code>c</code>'
        '<pre><code class="language-python">p</code></pre><tg-spoiler>t</tg-spoiler>'
        "<blockquote>q</blockquote> &amp; &#x1F600;"
    )
    message = await bot.send_message(USER, html, parse_mode="HTML")
    assert message.text == "biusacptq & \U0001f600"
    types = [(e["type"], e["offset"], e["length"]) for e in fake.sent()[-1]["entities"]]
    assert types == [
        ("bold", 0, 1),
        ("italic", 1, 1),
        ("underline", 2, 1),
        ("strikethrough", 3, 1),
        ("text_link", 4, 1),
        ("code", 5, 1),
        ("pre", 6, 1),
        ("spoiler", 7, 1),
        ("blockquote", 8, 1),
    ]
    assert fake.sent()[-1]["entities"][6]["language"] == "python"


def test_parse_html_matches_tdlib_offsets() -> None:
    text, entities = parse_html("🏟 🏟<i>🏟 &lt🏟</i>")
    assert text == "🏟 🏟🏟 <🏟"
    assert entities == [{"offset": 5, "length": 6, "type": "italic"}]  # UTF-16 units
    with pytest.raises(HtmlParseError, match="Unclosed start tag at byte offset 13"):
        parse_html("🏟 🏟&lt;<abacaba")


async def test_callback_data_is_limited_to_64_bytes(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard(("A", "é" * 32)))  # 64 bytes
    for data in ("é" * 33, "x" * 65):  # 33 characters but 66 bytes; 65 bytes
        with pytest.raises(BadRequest, match="(?i)^button_data_invalid$"):
            await bot.send_message(USER, "no", reply_markup=keyboard(("A", data)))
    with pytest.raises(BadRequest, match="(?i)^button_text_invalid$"):
        await bot.send_message(USER, "no", reply_markup=keyboard(("", "a")))
    with pytest.raises(BadRequest, match="(?i)text buttons are not allowed"):
        await bot.send_message(
            USER, "no", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("plain")]])
        )
    assert len(fake.sent()) == 1


async def test_unknown_and_blocked_chats(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="^Chat not found$"):
        await bot.send_message(999, "hello?")
    fake.add_user(7)
    fake.block(7)
    with pytest.raises(Forbidden, match="^Forbidden: bot was blocked by the user$"):
        await bot.send_message(7, "hello?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(7, "typing")
    assert await bot.send_chat_action(USER, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(USER, "dancing")
    assert [(a["chat_id"], a["action"]) for a in fake.chat_actions] == [(USER, "typing")]


# ------------------------------------------------------------------------------ flood control


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # Opt in to PTB's future RetryAfter.retry_after type instead of a deprecation warning.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_per_chat_limit_uses_the_injected_clock() -> None:
    clock = ManualClock()
    async with FakeTelegram(clock=clock, per_chat_rate=1.0, per_chat_burst=3) as fake:
        fake.add_user(USER)
        fake.add_user(USER + 1)
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            for n in range(3):
                await bot.send_message(USER, f"burst {n}")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(USER, "one too many")
            assert caught.value.retry_after == timedelta(seconds=1)
            await bot.send_message(USER + 1, "another chat has its own budget")

            clock.advance(1.0)
            await bot.send_message(USER, "refilled")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "empty again")

    assert [c.status for c in fake.calls_to("sendMessage")] == [200, 200, 200, 429, 200, 200, 429]


async def test_retry_after_is_computed_from_the_refill_rate() -> None:
    clock = ManualClock()
    async with FakeTelegram(clock=clock, per_chat_rate=0.25, per_chat_burst=1) as fake:
        fake.add_user(USER)
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            await bot.send_message(USER, "first")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(USER, "too soon")
            assert caught.value.retry_after == timedelta(seconds=4)
            clock.advance(2.5)
            with pytest.raises(RetryAfter) as caught:
                await bot.edit_message_text("edits count too", USER, 1)
            assert caught.value.retry_after == timedelta(seconds=2)


async def test_global_limit() -> None:
    clock = ManualClock()
    fake = FakeTelegram(clock=clock, global_rate=30.0, global_burst=30)
    async with fake, Bot(fake.token, base_url=fake.base_url) as bot:
        for user_id in range(1, 32):
            fake.add_user(user_id)
        for user_id in range(1, 31):
            await bot.send_message(user_id, "broadcast")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(31, "broadcast")
        assert caught.value.retry_after == timedelta(seconds=1)
        clock.advance(1 / 30)
        await bot.send_message(31, "broadcast")


async def test_fail_next_forces_a_429_storm(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next(2, retry_after=7)
    await bot.get_me()  # not a sending method
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "storm")
        assert caught.value.retry_after == timedelta(seconds=7)
    await bot.send_message(USER, "calm")
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 429, 200]
    assert [m["text"] for m in fake.sent()] == ["calm"]


# ------------------------------------------------------------------------------ editing


async def test_edit_message_text(fake: FakeTelegram, bot: Bot) -> None:
    markup = keyboard(("A", "a"))
    message = await bot.send_message(USER, "v1", reply_markup=markup)

    edited = await bot.edit_message_text("v2", USER, message.message_id, reply_markup=markup)
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="^Message is not modified: specified new message"):
        await bot.edit_message_text("v2", USER, message.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("v3", USER, 9999)

    await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match="^Message is not modified"):
        await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=None)

    fake.push_message(USER, "a user's message")
    with pytest.raises(BadRequest, match="^Message can't be edited$"):
        await bot.edit_message_text("mine now", USER, message.message_id + 1)
    (current,) = fake.sent()
    assert current["text"] == "v2" and "reply_markup" not in current


async def test_answer_callback_query(fake: FakeTelegram, bot: Bot) -> None:
    message = await bot.send_message(USER, "Pick", reply_markup=keyboard(("A", "a")))
    update_id, query_id = fake.push_callback(USER, message.message_id, "a")
    (update,) = await bot.get_updates()
    assert update.update_id == update_id
    assert update.callback_query is not None and update.callback_query.data == "a"
    assert update.callback_query.message.message_id == message.message_id  # type: ignore[union-attr]

    assert await bot.answer_callback_query(query_id, text="Thanks", show_alert=True)
    assert fake.answered_callbacks == [
        {
            "callback_query_id": query_id,
            "text": "Thanks",
            "show_alert": True,
            "url": None,
            "cache_time": None,
        }
    ]
    too_old = "^Query is too old and response timeout expired or query id is invalid$"
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query("123")


# ------------------------------------------------------------------------------ commands


async def test_set_my_commands(fake: FakeTelegram, bot: Bot) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("/help", " Help ")]
    assert await bot.set_my_commands(commands)
    assert fake.commands == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]

    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand("vote", "Vote")], scope=scope, language_code="de")
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="de")] == [
        "vote"
    ]
    assert len(fake.commands) == 2

    await bot.delete_my_commands()
    assert fake.commands == [] and await bot.get_my_commands() == ()


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        ([("Start", "Start")], "^Bot_command_invalid$"),
        ([("bad-name", "x")], "^Bot_command_invalid$"),
        ([("x" * 33, "x")], "^Command length must not exceed 32$"),
        ([("ok", " ")], "^Command description must be non-empty$"),
        ([("ok", "d" * 257)], "^Command description length must not exceed 256$"),
        ([(f"c{i}", "d") for i in range(101)], "^Bot_commands_too_much$"),
    ],
)
async def test_set_my_commands_validation(
    fake: FakeTelegram, bot: Bot, commands: list[tuple[str, str]], error: str
) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.set_my_commands([BotCommand(c, d) for c, d in commands])
    assert fake.commands == []


# ------------------------------------------------------------------------------ updates


async def test_get_updates_offset_and_limit(fake: FakeTelegram, bot: Bot) -> None:
    ids = [fake.push_message(USER, f"m{n}") for n in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[:1]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2])] == ids[2:]
    assert [u["update_id"] for u in fake.pending_updates] == ids[2:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert fake.pending_updates == []


async def test_long_poll_returns_as_soon_as_an_update_arrives() -> None:
    # A long cap proves the poll is woken, not timed out.
    fake = FakeTelegram(rate_limits=False, max_long_poll=30)
    async with fake, Bot(fake.token, base_url=fake.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.wait_for(lambda: fake.long_polls_waiting)
        update_id = fake.push_message(USER, "wake up")
        (update,) = await asyncio.wait_for(poll, timeout=5)
        assert update.update_id == update_id
        assert update.message is not None and update.message.text == "wake up"

        # Queued updates are answered at once whatever the timeout.
        fake.push_message(USER, "queued")
        assert len(await asyncio.wait_for(bot.get_updates(timeout=30), timeout=5)) == 2


async def test_a_second_poll_terminates_the_first(fake: FakeTelegram, bot: Bot) -> None:
    fake.max_long_poll = 30
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda: fake.long_polls_waiting)
    # A second client: PTB's own getUpdates connection pool holds a single connection.
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.base_url}{fake.token}/getUpdates", json={"timeout": 0}) as response,
    ):
        assert await response.json() == {"ok": True, "result": []}
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=5)


async def test_wait_for_times_out_with_recent_calls(fake: FakeTelegram, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(TimeoutError, match="getMe->200"):
        await fake.wait_for(lambda: False, timeout=0)


# ------------------------------------------------------------------------------ webhooks


async def test_webhook_registration_and_secret_header(fake: FakeTelegram, bot: Bot) -> None:
    received: list[dict[str, object]] = []

    async def receive(request: web.Request) -> web.Response:
        # Like PTB's own webhook handler: a wrong secret gets 403.
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=403)
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret")
        assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret"
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()

        update = fake.make_message_update(USER, "/start")
        assert await fake.deliver_webhook(update) == 200
        assert await fake.deliver_webhook(update, secret_token="wrong") == 403
        assert await fake.deliver_webhook(update, secret_token=None) == 403
        assert received == [update]
        assert [d["status"] for d in fake.webhook_deliveries] == [200, 403, 403]

        assert await bot.delete_webhook()
        assert fake.webhook is None and await bot.get_updates() == ()
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------------------ groups, replies


async def test_group_messages_replies_and_presses(fake: FakeTelegram, bot: Bot) -> None:
    group = -1001234567890
    fake.add_group(group, title="Staff council")
    card = await bot.send_message(group, "A suggestion", reply_markup=keyboard(("Noted", "n")))
    assert card.chat.type == "supergroup" and card.chat.title == "Staff council"

    fake.push_message(USER, "Thanks, we'll look at it", chat_id=group, reply_to=card.message_id)
    fake.push_callback(USER, card.message_id, "n", chat_id=group)
    message_update, callback_update = await bot.get_updates()

    message = message_update.message
    assert message is not None and message.chat.id == group
    assert message.from_user is not None and message.from_user.id == USER
    assert message.reply_to_message is not None
    assert message.reply_to_message.message_id == card.message_id
    query = callback_update.callback_query
    assert query is not None and query.message is not None and query.message.chat.id == group

    with pytest.raises(BadRequest, match="^Chat not found$"):
        await bot.send_message(-1009, "a group the bot is not in")
    with pytest.raises(KeyError):
        fake.push_message(USER, "reply to nothing", reply_to=999)


async def test_mentions_links_commands_and_tags_become_entities_as_telegram_makes_them(
    fake: FakeTelegram, bot: Bot
) -> None:
    text = "Hi @admin, see https://evil.example/x. or mail a@b.org /start #tag $USD <b>ok</b>"
    await bot.send_message(USER, text.replace("<", "&lt;"), parse_mode="HTML")
    found = [
        (e["type"], fake.sent()[-1]["text"][e["offset"] : e["offset"] + e["length"]])
        for e in fake.sent()[-1]["entities"]
    ]
    assert found == [
        ("mention", "@admin"),
        ("url", "https://evil.example/x"),
        ("email", "a@b.org"),
        ("bot_command", "/start"),
        ("hashtag", "#tag"),
        ("cashtag", "$USD"),
    ]
    inert = (
        "@\u2060admin https:\u2060//evil\u2060.example a@\u2060b\u2060.org /\u2060start #\u2060tag"
    )
    await bot.send_message(USER, inert)
    assert "entities" not in fake.sent()[-1]
