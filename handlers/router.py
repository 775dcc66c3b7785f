"""Routes incoming neutral events to the handler registered for them.

Handler modules register commands (`/name`), actions (button presses), prompts (the
free-text answer to a question the bot asked) and a fallback for other text. A feature
whose questions wait for an answer (a check-in) also registers `waiting` (the question
asked again) and `typed` (a typed answer to it, such as a choice's words): a question
left waiting comes back after `/help`, after stray text and in a new console session,
and only a command that starts something else (`/suggest`) leaves it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Choice, Command, Event, Message, Text, reply
from storage import conversations

HandlerResult = Message | Iterable[Message] | None
Handler = Callable[[Context, Event], HandlerResult]
# Whether a command is of use to this sender now (a meeting's /here while it runs).
Applies = Callable[[Context, Event], bool]

ANYONE, MEMBER, OFFICER = "anyone", "member", "officer"
# A question left unanswered this long is forgotten, so a later message is not taken as its answer.
PROMPT_LIFETIME = timedelta(days=1)

NOT_JOINED = N_(
    "I don't know you yet. To take part, use the invite link your organisation sent "
    "you, or ask your membership officer for one. Type /privacy to see what we keep."
)
NOT_ALLOWED = N_("Sorry, that is only for membership officers.")
UNKNOWN_COMMAND = N_("I don't know /{name}. Type /help to see what I can do.")
ONLY_TEXT = N_(
    "Sorry, I can only read typed messages. Type what you'd like to say, "
    "or /help to see what I can do."
)
NOT_UNDERSTOOD = N_("I'm not sure what you mean. Type /help to see what I can do.")
STILL_WAITING = N_(
    "Please tap one of the buttons, or type its words. To send an idea instead, type /suggest."
)
BUTTON_GONE = N_("That button no longer works. Type /help to start again.")


@dataclass(frozen=True)
class Route:
    handler: Handler
    who: str = MEMBER
    help: str = ""
    order: int = 100
    keeps_question: bool = False  # a command that only shows something (/help) leaves it
    applies: Applies | None = None  # listed in a member's own menu only when it applies


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.actions: dict[str, Route] = {}
        self.prompts: dict[str, Route] = {}
        self.fallback: Route | None = None
        self.code_reader: Callable[[str], object | None] | None = None
        self.code_route: Route | None = None
        self.waiting_hooks: list[Callable[[Context, Event], Message | None]] = []
        self.typed_hooks: list[Callable[[Context, Text], HandlerResult]] = []

    def command(
        self,
        name: str,
        help: str = "",
        who: str = MEMBER,
        order: int = 100,
        keeps_question: bool = False,
        applies: Applies | None = None,
    ) -> Callable[[Handler], Handler]:
        route = Route(lambda *_: None, who, help, order, keeps_question, applies)
        return self._register(self.commands, name, route)

    def waiting(
        self, hook: Callable[[Context, Event], Message | None]
    ) -> Callable[[Context, Event], Message | None]:
        """Register a feature's question left waiting for this member, asked again (or None)."""
        self.waiting_hooks.append(hook)
        return hook

    def typed(
        self, hook: Callable[[Context, Text], HandlerResult]
    ) -> Callable[[Context, Text], HandlerResult]:
        """Register a feature's reading of typed text as the answer to its waiting question
        (None when it is not one)."""
        self.typed_hooks.append(hook)
        return hook

    def waiting_questions(self, ctx: Context, event: Event) -> list[Message]:
        """Every question waiting for the sender, asked again."""
        if event.member is None:
            return []
        found = (hook(ctx, event) for hook in self.waiting_hooks)
        return [message for message in found if message is not None]

    def code(self, read: Callable[[str], object | None]) -> Callable[[Handler], Handler]:
        """Register the handler for typed text that `read` finds to be a code (an invite's,
        typed from a letter): anyone may send one, in their own chat, outside a question."""

        def decorator(handler: Handler) -> Handler:
            self.code_reader, self.code_route = read, Route(handler, ANYONE)
            return handler

        return decorator

    def action(self, name: str, who: str = MEMBER) -> Callable[[Handler], Handler]:
        return self._register(self.actions, name, Route(lambda *_: None, who))

    def prompt(self, name: str, who: str = MEMBER) -> Callable[[Handler], Handler]:
        return self._register(self.prompts, name, Route(lambda *_: None, who))

    def text(self, who: str = MEMBER) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self.fallback = Route(handler, who)
            return handler

        return decorator

    def _register(
        self, table: dict[str, Route], name: str, template: Route
    ) -> Callable[[Handler], Handler]:
        if name in table:
            raise ValueError(f"{name!r} is registered twice")

        def decorator(handler: Handler) -> Handler:
            table[name] = replace(template, handler=handler)
            return handler

        return decorator

    def awaits_answer(self, ctx: Context, platform: str, chat_id: str) -> bool:
        """Whether this chat was asked a question it has not answered yet.

        A shared channel (the council's) is only listened to while it owes an answer,
        so the bot never replies to people talking among themselves.
        """
        since = ctx.now() - PROMPT_LIFETIME
        return conversations.pending_prompt(ctx.db, platform, chat_id, since) is not None

    def menu(self, ctx: Context, event: Event, everyone: bool = False) -> list[tuple[str, str]]:
        """(command, help) pairs this sender may use, for /help and platform menus.

        A command that says when it `applies` is listed only then, for this sender; a
        menu set once for `everyone` (Telegram's) lists it always. The help is in
        English (a catalogue message): the caller translates it."""
        return [
            (name, route.help)
            for name, route in sorted(self.commands.items(), key=lambda kv: (kv[1].order, kv[0]))
            if route.help
            and _allowed(ctx, event, route.who)
            and (everyone or route.applies is None or route.applies(ctx, event))
        ]

    def dispatch(self, ctx: Context, event: Event) -> list[Message]:
        """The messages that answer `event` (possibly none)."""
        _ = i18n.for_event(ctx, event)
        platform, chat = event.sender.platform, event.sender.chat_id
        route: Route | None
        if isinstance(event, Command):
            route = self.commands.get(event.name)
            if route is None or not route.keeps_question:
                conversations.clear_prompt(ctx.db, platform, chat)
            if route is None:
                return [reply(event, _(UNKNOWN_COMMAND).format(name=event.name))]
        elif isinstance(event, Choice):
            route = self.actions.get(event.action)
            if route is None:
                return [reply(event, _(BUTTON_GONE))]
        elif isinstance(event, Text):
            since = ctx.now() - PROMPT_LIFETIME
            pending = conversations.pending_prompt(ctx.db, platform, chat, since)
            route = None
            # A form (e.g. a Slack modal) says which question it answers; a chat reply
            # answers the question this chat was asked last.
            asked = event.reply_to or (pending[0] if pending else None)
            if asked is not None:
                if pending is not None and pending[0] == asked:
                    conversations.clear_prompt(ctx.db, platform, chat)
                route = self.prompts.get(asked.split(":", 1)[0])
                event = replace(event, reply_to=asked)
            if (
                asked is None
                and self.code_reader is not None
                and not ctx.in_council_chat(platform, chat)
                and self.code_reader(event.text) is not None
            ):
                route = self.code_route
            if route is None and not event.text.strip():
                return [reply(event, _(ONLY_TEXT))]  # a photo or voice note, not an answer
            # (Not in the council's channel: a member's own questions wait in their chat.)
            if route is None and event.member and not ctx.in_council_chat(platform, chat):
                waiting = self._answer_waiting(ctx, event, _)
                if waiting is not None:
                    return [m if m.language else replace(m, language=_.language) for m in waiting]
            route = route or self.fallback
            if route is None:
                return [reply(event, _(NOT_UNDERSTOOD))]
        else:
            raise TypeError(f"not an incoming event: {event!r}")
        if event.member is None and route.who != ANYONE:
            return [reply(event, _(NOT_JOINED))]
        if route.who == OFFICER and not _allowed(ctx, event, OFFICER):
            return [reply(event, _(NOT_ALLOWED))]
        result = route.handler(ctx, event)
        if result is None:
            return []
        messages = [result] if isinstance(result, Message) else list(result)
        # Replies read in the sender's language; messages to others carry their own.
        return [m if m.language else replace(m, language=_.language) for m in messages]

    def _answer_waiting(
        self, ctx: Context, event: Text, _: i18n.Translator
    ) -> list[Message] | None:
        """Typed text while a question waits: its answer (a choice's words), else, for a
        word or two (a stray "4"), the question again; None for anything longer."""
        for hook in self.typed_hooks:
            result = hook(ctx, event)
            if result is not None:
                return [result] if isinstance(result, Message) else list(result)
        if len(event.text.split()) >= 3:
            return None  # words worth offering as a suggestion
        waiting = self.waiting_questions(ctx, event)
        if not waiting:
            return None
        first = waiting[0]
        return [replace(first, text=f"{_(STILL_WAITING)}\n\n{first.text}"), *waiting[1:]]


def _allowed(ctx: Context, event: Event, who: str) -> bool:
    if who == ANYONE:
        return True
    if who == MEMBER:
        return event.member is not None
    return event.member is not None and ctx.is_officer(event.member.member_id)
