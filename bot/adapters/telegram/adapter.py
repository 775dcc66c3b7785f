"""The Telegram adapter: python-telegram-bot on the shared event loop, the outbox for sending.

Updates become neutral events for the engine; replies leave through the outbox, whose
sender calls `Delivery`. Telegram re-delivers updates (a webhook answered late, a restart
before the offset was confirmed), so each update_id is let through once, before any Bot
API call is made for it. PTB keeps no state of its own: no persistence, no job queue, no
conversation handlers, and its rate limiter never retries (the outbox does).
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback

from telegram import Bot, BotCommandScopeChat, Chat, MaybeInaccessibleMessage, Update, User
from telegram import Message as TelegramMessage
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.adapters import Unreachable
from bot.adapters.sending import Sending
from bot.adapters.telegram import callbacks as telegram_callbacks
from bot.adapters.telegram import commands as telegram_commands
from bot.adapters.telegram.delivery import NO_PREVIEW, Delivery, not_modified
from bot.adapters.telegram.render import TEXT_MAX, chosen_label, with_tick
from bot.adapters.telegram.webhook import Webhook
from bot.app import App
from bot.config import ConfigError, TelegramSettings
from bot.logs import is_worldly
from handlers import i18n
from handlers.i18n import N_
from handlers.messages import Choice, Command, Member, Text
from handlers.messages import Sender as Who

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]
# Update ids remembered in memory; those the engine handled are also in the database.
RECENT_UPDATES = 10_000
UNKNOWN_BUTTON = N_("That button no longer works.")


async def start(app: App, stop: asyncio.Event) -> TelegramAdapter:
    """Connect to Telegram and start receiving and sending.

    The runner sets `stop` and then calls the adapter's `stop()`, which ends everything.
    """
    adapter = TelegramAdapter(app)
    await adapter.start()
    return adapter


def build_application(settings: TelegramSettings, webhook: bool) -> Application:
    # Opt in to PTB's coming timedelta durations (RetryAfter.retry_after) rather than have
    # it warn on every 429; delivery.py reads either form.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=0))
        .job_queue(None)
    )
    if webhook:
        builder = builder.updater(None)
    return builder.build()


def join_link(username: str) -> str:
    return f"https://t.me/{username}?start={{token}}"


async def bot_username(settings: TelegramSettings) -> str:
    """The bot's username, as getMe tells it."""
    async with Bot(
        settings.token, base_url=settings.base_url, base_file_url=settings.base_file_url
    ) as bot:
        return bot.username


async def learn_join_link(app: App) -> None:
    """Outside the running bot (e.g. `members invite`), learn the join link from getMe."""
    try:
        username = await bot_username(app.settings.telegram)
    except TelegramError as error:
        log.warning("could not ask Telegram for the bot's username: %s", app.redact(str(error)))
        return
    app.ctx.join_links[PLATFORM] = join_link(username)


class TelegramAdapter:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings.telegram
        webhook = self.settings.mode == "webhook"
        self.application = build_application(self.settings, webhook)
        self.bot = self.application.bot
        self.deliver = Delivery(self.bot, app.redact)
        self.webhook = (
            Webhook(
                self.application,
                self.settings.webhook_url,
                self.settings.webhook_secret,
                self.settings.listen,
                self.settings.port,
            )
            if webhook
            else None
        )
        self._commands = telegram_commands.aliases(app.router)
        self.sending = Sending(app, PLATFORM)
        self._recent: dict[int, None] = {}  # insertion-ordered: the oldest is dropped first
        # The language of each private chat's own command menu, as set since start-up
        # (None: the chat shows the menu for its app's language).
        self._chat_menus: dict[int, str | None] = {}

    async def start(self) -> None:
        telegram_callbacks.check_codes(self.app.router.actions)
        # PTB logs every 429 as an error with a traceback; for us it is flow control.
        logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
        try:
            await self.application.initialize()  # asks getMe who we are
            self.app.ctx.join_links[PLATFORM] = join_link(self.bot.username)
            for language, commands in telegram_commands.menus(self.app.router, self.app.ctx):
                await self.bot.set_my_commands(commands, language_code=language)
            self.application.add_handler(TypeHandler(Update, self.once), group=-1)
            self.application.add_handler(
                MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, self.on_command)
            )
            self.application.add_handler(
                MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self.on_text)
            )
            self.application.add_handler(CallbackQueryHandler(self.on_choice))
            self.application.add_handler(
                MessageHandler(
                    filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT,
                    self.on_other,
                )
            )
            self.application.add_error_handler(self.on_error)
            await self.application.start()
            self._start_sending()
            if self.webhook is not None:
                await self.webhook.start(ALLOWED_UPDATES)
            else:
                assert self.application.updater is not None
                await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        except BaseException as error:
            await self.stop()
            if isinstance(error, InvalidToken):  # its message quotes the token
                raise ConfigError(
                    "Telegram refused the bot token: check telegram.token or "
                    "MUTUAL_VOICE_TELEGRAM_TOKEN against BotFather's /token"
                ) from None
            # PTB counts BadRequest as a NetworkError; the network failed only without an answer.
            # While running, PTB's polling and the outbox retry with back-off instead.
            if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
                reason = self.app.redact(str(error))
                raise Unreachable(
                    f"cannot reach Telegram at {self.settings.base_url}: {reason}"
                ) from None
            if isinstance(error, TelegramError):
                raise ConfigError(f"cannot start Telegram: {self.app.redact(str(error))}") from None
            raise
        log.info("telegram: @%s is listening (%s)", self.bot.username, self.settings.mode)

    def _start_sending(self) -> None:
        s = self.settings
        self.sending.start(self.deliver, self.sending.pace(s.rate_per_second, s.per_chat_seconds))

    async def stop(self) -> None:
        """Stop receiving, let messages in flight finish, then close PTB; safe after a failed start."""
        if self.webhook is not None:
            await self.webhook.stop()
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self.sending.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # ---------------------------------------------------------------- incoming

    async def once(self, update: Update, context: CallbackContext) -> None:
        """Stop an update seen before, whatever its kind, before anything is done for it."""
        update_id = update.update_id
        if update_id in self._recent or self.app.engine.seen(PLATFORM, str(update_id)):
            log.debug("telegram: update %s was delivered again; ignored", update_id)
            raise ApplicationHandlerStop
        self._recent[update_id] = None
        if len(self._recent) > RECENT_UPDATES:
            del self._recent[next(iter(self._recent))]

    async def on_command(self, update: Update, context: CallbackContext) -> None:
        message, user = update.message, update.effective_user
        if message is None or user is None or not message.text or not self._accepts(message):
            return
        parsed = telegram_commands.parse(message.text, self.bot.username, self._commands)
        if parsed is not None:
            name, args = parsed
            origin = self._origin(update, user, message.chat)
            self.app.engine.handle(Command(*origin, name=name, args=args))
            await self._menu_for(user, message.chat)

    async def on_text(self, update: Update, context: CallbackContext) -> None:
        message, user = update.message, update.effective_user
        if message is None or user is None or not message.text or not self._accepts(message):
            return
        answered = message.reply_to_message
        to_bot = bool(answered and answered.from_user and answered.from_user.id == self.bot.id)
        if message.chat.type != ChatType.PRIVATE and not to_bot:
            return  # in the council's group, only answers to the bot are for the bot
        # The question being answered is the one this chat was asked last (the router
        # knows it), whichever message the member swiped to reply to.
        origin = self._origin(update, user, message.chat)
        self.app.engine.handle(Text(*origin, text=message.text))
        await self._menu_for(user, message.chat)

    async def on_other(self, update: Update, context: CallbackContext) -> None:
        """A photo, voice note or sticker: passed on as empty text, which gets a kind word."""
        message, user = update.message, update.effective_user
        if message is None or user is None:
            return
        self.app.engine.handle(Text(*self._origin(update, user, message.chat), text=""))

    async def on_choice(self, update: Update, context: CallbackContext) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        message = query.message
        action, value = telegram_callbacks.decode(query.data or "", self.app.router.actions)
        usable = bool(message is not None and action and self._accepts(message))
        try:
            # Stops the button's spinner; data we never issued gets a short word and nothing more.
            await query.answer(None if usable else self._button_gone(user))
        except TelegramError as error:
            log.debug("telegram: callback not answered: %s", self.app.redact(str(error)))
        if not usable:
            self.app.engine.note(PLATFORM, str(update.update_id))
            return
        assert message is not None and query.data is not None
        if isinstance(message, TelegramMessage):
            await self._tick(message, query.data)
        origin = self._origin(update, user, message.chat)
        self.app.engine.handle(
            Choice(*origin, action=action, value=value, message_ref=str(message.message_id))
        )
        await self._menu_for(user, message.chat)

    async def on_error(self, update: object, context: CallbackContext) -> None:
        error = context.error
        assert error is not None
        if is_worldly(error):  # the network or a full disk: one line, not a traceback
            details = f"{type(error).__name__}: {error}"
        else:
            details = "".join(traceback.format_exception(error))
        log.error("telegram: an update failed: %s", self.app.redact(details))

    def _accepts(self, message: MaybeInaccessibleMessage) -> bool:
        """Members talk in private; the only group the bot works in is the council's."""
        chat = message.chat
        if chat.type == ChatType.PRIVATE or str(chat.id) == self.settings.council_chat_id:
            return True
        # Says which id to configure when the council's group is being set up.
        log.info("telegram: ignoring group %s (%s)", chat.id, chat.title or chat.type)
        return False

    async def _menu_for(self, user: User, chat: Chat) -> None:
        """The chat's command menu in the member's language where that is not their app's
        (chosen with /language or given by the roster): Telegram picks the menu by the
        app's language otherwise. Set once per chat and language; after a restart, once
        more on the chat's first update (a menu set before may be stale)."""
        if chat.type != ChatType.PRIVATE:
            return
        ctx = self.app.ctx
        reads = i18n.for_account(ctx, PLATFORM, str(user.id), user.language_code).language
        app = i18n.language_of(ctx, user.language_code)
        wanted = reads if reads != app else None
        if chat.id in self._chat_menus and self._chat_menus[chat.id] == wanted:
            return
        scope = BotCommandScopeChat(chat.id)
        try:
            if wanted is None:
                await self.bot.delete_my_commands(scope=scope)
            else:
                menu = telegram_commands.menu(self.app.router, ctx, wanted)
                await self.bot.set_my_commands(menu, scope=scope)
        except TelegramError as error:  # the menu is a convenience: try again next time
            log.info("telegram: could not set a chat's menu: %s", self.app.redact(str(error)))
            return
        self._chat_menus[chat.id] = wanted

    def _button_gone(self, user: User) -> str:
        """ "That button no longer works." in the member's (or their app's) language."""
        _ = i18n.for_account(self.app.ctx, PLATFORM, str(user.id), user.language_code)
        return _(UNKNOWN_BUTTON)

    def _origin(self, update: Update, user: User, chat: Chat) -> tuple[Who, Member | None, str]:
        """Who sent the update, the member they are (if any), and the event id."""
        who = Who(PLATFORM, str(user.id), str(chat.id), user.full_name, user.language_code or "")
        return who, self.app.engine.member(PLATFORM, who.platform_user_id), str(update.update_id)

    async def _tick(self, message: TelegramMessage, data: str) -> None:
        """Show what was chosen under the question and take the buttons away.

        Done here rather than through the outbox so the buttons vanish at once and the
        original formatting is kept; it happens before the handler runs, so a handler's
        own edit of this message (sent later by the outbox) has the last word.
        """
        if message.reply_markup is None:
            return  # ticked already (a second press before the buttons vanished): nothing to do
        label = chosen_label(message.reply_markup, data)
        try:
            if message.text and label and len(message.text) + len(label) + 3 <= TEXT_MAX:
                await self.bot.edit_message_text(
                    with_tick(message.text_html, label),
                    message.chat.id,
                    message.message_id,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                )
            else:
                await self.bot.edit_message_reply_markup(message.chat.id, message.message_id)
        except TelegramError as error:  # cosmetic: the choice itself is still handled
            if not (isinstance(error, BadRequest) and not_modified(error)):
                log.info("telegram: could not tick a choice: %s", self.app.redact(str(error)))
