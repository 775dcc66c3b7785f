"""The WhatsApp adapter: Meta's webhook in, the outbox sender out, on the shared loop.

Members' messages become neutral events: "JOIN <code>" is `/start <code>` (the wa.me
invite link types it), "/name args" a command; "menu" gets the commands as a list whose
rows run them, a tapped button or
list row the choice it stands for, and a typed number the choice it numbers when the
last question had too many choices for a list. Each message id is handled once,
however often Meta delivers it (the engine's dedupe, and a memory of recent ids).

Every message a member sends opens their 24-hour window: only the hour is kept, and the
messages held for it (delivery.py) go at once. Status webhooks mark a message that
failed after all; delivered and read receipts are not kept (what a member reads, and
when, is theirs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from bot.adapters.sending import Sending
from bot.adapters.whatsapp import joining
from bot.adapters.whatsapp import templates as template_file
from bot.adapters.whatsapp.delivery import UNREACHABLE_CODES, WINDOW_CLOSED, Delivery
from bot.adapters.whatsapp.graph import Graph
from bot.adapters.whatsapp.render import ROWS_MAX, decode
from bot.adapters.whatsapp.webhook import Webhook, changes
from bot.app import App
from bot.config import ConfigError
from handlers import guide, i18n
from handlers.i18n import N_
from handlers.messages import Choice, Command, Event, Option, Text, reply
from handlers.messages import Sender as Who
from storage import conversations, members, whatsapp

log = logging.getLogger(__name__)

PLATFORM = whatsapp.PLATFORM
RECENT = 10_000
PRUNE_EVERY = timedelta(hours=1)
# A row of the "menu" list: the command it stands for, run as if typed.
MENU_ACTION = "whatsapp.menu"
# Joining is the wa.me link's work, and the menu is the help: ten rows fit one list.
NOT_IN_MENU = frozenset({"start", "help"})
# A menu longer than one list (a general meeting's commands, an officer's) is nine rows
# and "More…", whose value is where the next list starts.
MORE_ACTION = "whatsapp.more"
MORE = N_("More…")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:\s+(.*))?$", re.DOTALL)


async def start(app: App, stop: asyncio.Event) -> WhatsAppAdapter:
    """Listen for Meta's webhook and start sending; the runner calls `stop()` at the end."""
    adapter = WhatsAppAdapter(app)
    await adapter.start()
    return adapter


class WhatsAppAdapter:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = settings = app.settings.whatsapp
        try:
            specs = template_file.load(
                app.settings.resolve(settings.templates) if settings.templates else ""
            )
        except template_file.TemplateFileError as error:
            raise ConfigError(f"whatsapp.templates: {error}") from None
        self.graph = Graph(settings.api_url, settings.access_token, settings.phone_number_id)
        self.deliver = Delivery(
            self.graph,
            app.db,
            app.clock,
            specs,
            app.settings.organisation.name,
            settings.daily_limit,
            settings.per_chat_seconds,
            redact=app.redact,
        )
        self.webhook = Webhook(
            settings.path,
            settings.listen,
            settings.port,
            settings.app_secret,
            settings.verify_token,
            self.receive,
        )
        self.statuses: Counter[str] = Counter()
        self._recent: dict[str, None] = {}
        self._pruned: datetime | None = None
        self.sending = Sending(app, PLATFORM)

    async def start(self) -> None:
        self.app.ctx.join_links[PLATFORM] = joining.join_link(self.settings.business_number)
        s = self.settings
        self.sending.start(self.deliver, self.sending.pace(s.rate_per_second, s.per_chat_seconds))
        try:
            await self.webhook.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(
                f"whatsapp: cannot listen on {self.settings.listen}:{self.settings.port}: {error}"
            ) from None
        log.info("whatsapp: listening for Meta's webhook on port %d", self.webhook.port)

    async def stop(self) -> None:
        await self.webhook.stop()
        await self.sending.stop()
        await self.graph.close()

    # ---------------------------------------------------------------- incoming

    async def receive(self, payload: dict[str, Any]) -> None:
        for value in changes(payload):
            names = {
                c.get("wa_id"): (c.get("profile") or {}).get("name", "")
                for c in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                try:
                    self.on_message(message, names.get(message.get("from"), ""))
                except Exception:  # one bad message must not lose the others in the payload
                    log.exception("whatsapp: a message could not be handled")
            for status in value.get("statuses") or []:
                self.on_status(status)

    def on_message(self, message: dict[str, Any], name: str) -> None:
        wa_id, event_id = str(message.get("from", "")), str(message.get("id", ""))
        if not wa_id or not event_id or self._seen(event_id):
            return
        db, now = self.app.db, self.app.clock()
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            whatsapp.forget_strangers(db, now)  # people who wrote without joining
            self._pruned = now
        whatsapp.wrote(db, wa_id, now)
        released = whatsapp.release_held(db, wa_id, now)
        if released:
            self.app.wake(PLATFORM)
        who = Who(PLATFORM, wa_id, wa_id, name)
        origin = who, self.app.engine.member(PLATFORM, wa_id), event_id
        event = self._event(message, origin, released)
        if event is None:
            self.app.engine.note(PLATFORM, event_id)
        elif isinstance(event, Choice) and event.action == MENU_ACTION:
            self.app.engine.handle(Command(*origin, name=event.value))
        elif isinstance(event, Choice) and event.action == MORE_ACTION and event.member:
            self._menu(event, int(event.value) if event.value.isdigit() else 0)
        elif isinstance(event, Text) and joining.is_menu_word(event.text):
            if event.member is None:
                self.app.engine.handle(Command(*origin, name="help"))
            else:
                self._menu(event)
        else:
            self.app.engine.handle(event)

    def _menu(self, event: Text | Choice, start: int = 0) -> None:
        """WhatsApp has no command menu: "menu" gets one, a list of what they can do
        (from the `start`th row, after "More…")."""
        ctx = self.app.ctx
        with ctx.db.atomic():
            if not conversations.first_time(ctx.db, PLATFORM, event.event_id, ctx.now()):
                return
            _ = i18n.for_event(ctx, event)
            heading = guide.help_text(ctx, event, self.app.router).text.split("\n")[0]
            options = [
                Option(f"/{name}: {_(text)}", MENU_ACTION, name)
                for name, text in self.app.router.menu(ctx, event)
                if name not in NOT_IN_MENU
            ][start:]
            if len(options) > ROWS_MAX:
                shown = ROWS_MAX - 1
                options = [*options[:shown], Option(_(MORE), MORE_ACTION, str(start + shown))]
            message = reply(event, heading, choices=options)
            self.app.postman.post(
                [dataclasses.replace(message, language=_.language)],
                key_prefix=f"{PLATFORM}:{conversations.event_tag(ctx.db, PLATFORM, event.event_id)}",
            )

    def _seen(self, event_id: str) -> bool:
        if event_id in self._recent or self.app.engine.seen(PLATFORM, event_id):
            log.debug("whatsapp: message %s was delivered again; ignored", event_id)
            return True
        self._recent[event_id] = None
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]
        return False

    def _event(self, message: dict[str, Any], origin: tuple, released: int) -> Event | None:
        kind = message.get("type")
        context = (message.get("context") or {}).get("id")
        if kind == "text":
            return self._typed(str((message.get("text") or {}).get("body", "")), origin)
        if kind == "interactive":
            interactive = message.get("interactive") or {}
            reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
            action, value = decode(str(reply.get("id", "")))
            return Choice(*origin, action=action, value=value, message_ref=context)
        if kind == "button":  # a template's quick reply
            button = message.get("button") or {}
            if button.get("payload") == template_file.TAKE_PART_PAYLOAD:
                # What waited for them is on its way; with nothing waiting, the menu.
                return None if released else Command(*origin, name="help")
            return self._typed(str(button.get("text", "")), origin)
        return Text(*origin, text="")  # a photo, voice note or sticker: a kind word

    def _typed(self, text: str, origin: tuple) -> Event:
        code = joining.join_code(text)
        if code is not None:
            return Command(*origin, name="start", args=code)
        command = _COMMAND.match(text.strip())
        if command:
            return Command(*origin, name=command[1].lower(), args=(command[2] or "").strip())
        menu = dict(whatsapp.menu(self.app.db, origin[0].chat_id))
        chosen = menu.get(text.strip())
        if chosen is not None:
            whatsapp.set_menu(self.app.db, origin[0].chat_id, [])  # one answer per question
            action, value = decode(chosen)
            return Choice(*origin, action=action, value=value)
        return Text(*origin, text=text)

    def on_status(self, status: dict[str, Any]) -> None:
        state = str(status.get("status", ""))
        self.statuses[state] += 1
        if state != "failed":
            return
        errors = status.get("errors") or [{}]
        code = int(errors[0].get("code", 0) or 0)
        reason = self.app.redact(f"WhatsApp error {code}: {errors[0].get('title', 'failed')}")
        chat = str(status.get("recipient_id", ""))
        if code == WINDOW_CLOSED and chat:
            whatsapp.close_window(self.app.db, chat)
        opaque = str(status.get("biz_opaque_callback_data", ""))
        unreachable = code in UNREACHABLE_CODES
        if opaque.isdigit():
            whatsapp.delivery_failed(
                self.app.db, int(opaque), "unreachable" if unreachable else "failed", reason
            )
        if unreachable and chat:
            members.mark_unreachable(self.app.db, PLATFORM, chat, reason, self.app.clock())
        log.warning("whatsapp: a message failed after it was sent (%s)", reason)
