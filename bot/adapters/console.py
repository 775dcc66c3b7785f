"""The console adapter: the terminal speaks as one member, line by line.

It works piped (`printf '/start\\n/help\\n' | mutual-voice run --as demo-tenant-1`):
each line is handled, the replies are printed, and the session ends with the input.
Numbered choices are answered by typing the number: while a menu is waiting, a number
always picks the numbered choice (never a label that happens to be a number), and any
other answer asks again, so a mistyped answer never turns into something else.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from bot.demo import CONSOLE
from bot.engine import Engine
from bot.outbox import Outcome, Sender
from handlers import i18n
from handlers.guide import WAITING
from handlers.i18n import N_
from handlers.messages import Choice, Command, Event, Message, Option, Text, unquoted
from handlers.messages import Sender as Who
from storage import outbox
from storage.outbox import Row

COUNCIL_CHAT = "council"


ASK_AGAIN = N_("(To send an idea instead, type /suggest; /help shows everything.)")


@dataclass(frozen=True)
class Menu:
    """The numbered choices waiting for an answer, and whether typed words answer too."""

    choices: tuple[Option, ...] = ()
    takes_text: bool = False

    def pick(self, text: str) -> Option | None:
        """The option a typed answer picks: its number, else a non-numeric label typed in full."""
        if text.isdigit():
            number = int(text)
            return self.choices[number - 1] if 1 <= number <= len(self.choices) else None
        by_label = [o for o in self.choices if o.label.casefold() == text.casefold()]
        return by_label[0] if by_label else None


def parse_line(
    line: str, who: Who, engine: Engine, menu: Menu, ref: str | None
) -> Event | str | None:
    """The neutral event a typed line stands for, or the console's own answer to a
    wrong one (None for a blank line)."""
    text = line.strip()
    if not text:
        return None
    member = engine.member(who.platform, who.platform_user_id)
    event_id = uuid.uuid4().hex
    if text.startswith("/"):
        name, _, args = text[1:].partition(" ")
        return Command(who, member, event_id, name=name.lower(), args=args.strip())
    option = menu.pick(text)
    if option is not None:
        return Choice(
            who, member, event_id, action=option.action, value=option.value, message_ref=ref
        )
    if menu.choices and not menu.takes_text:
        return ask_again(i18n.for_member(engine.ctx, member), len(menu.choices))
    return Text(who, member, event_id, text=text)


def ask_again(_: i18n.Translator, count: int) -> str:
    """The nudge for an answer that is not one of the numbers, in the member's language."""
    numbers = (
        _("Please type a number from 1 to {n}.").format(n=count)
        if count > 1
        else _("Please type 1.")
    )
    return f"{numbers} {_(ASK_AGAIN)}"


IDLE_SECONDS = 2.0  # while nobody types: deliver what others queued, and say the bot is alive


async def next_line(stdin: TextIO) -> str:
    """The next line typed ("" when the input ends), read in a daemon thread of its own.

    Not `asyncio.to_thread`: at Ctrl-C, `asyncio.run` waits for its thread pool, and a
    thread blocked in `readline` would hold the session open until Enter. A daemon thread
    is left behind instead, and the session ends at once."""
    loop = asyncio.get_running_loop()
    typed: asyncio.Future[str] = loop.create_future()

    def settle(line: str | BaseException) -> None:
        if typed.done():
            return
        if isinstance(line, BaseException):
            typed.set_exception(line)
        else:
            typed.set_result(line)

    def read() -> None:
        try:
            line: str | BaseException = stdin.readline()
        except (OSError, ValueError) as error:  # the input was closed under us
            line = error
        with contextlib.suppress(RuntimeError):  # the session ended while this was typed
            loop.call_soon_threadsafe(settle, line)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return await typed


class Console:
    def __init__(self, engine: Engine, member_id: str, out: TextIO) -> None:
        self.engine, self.member_id, self.out = engine, member_id, out
        self.who = Who(CONSOLE, member_id, member_id)
        self.menu = Menu()
        self.menu_ref: str | None = None

    async def deliver(self, row: Row, message: Message) -> Outcome:
        """Print one outbox message; the council's messages are shown as such."""
        lines = []
        _ = i18n.translator(message.language)
        if row.chat_id == COUNCIL_CHAT:
            lines.append("[to the staff council]")
        if message.edit_ref:
            lines.append(_("(updated)"))
        if message.title:
            lines.append(unquoted(message.title).upper())
        lines.append(unquoted(message.text))
        if message.image:
            lines.append(f"[chart: {message.image}]")
        for number, option in enumerate(message.choices, start=1):
            lines.append(f"  {number}) {option.label}")
        if row.chat_id == self.member_id:
            self.follow(row.key, message)
            if message.choices:
                lines.append(_("Type a number to choose."))
            elif message.prompt:
                lines.append(_("(Type your answer, or /help to do something else.)"))
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()
        return Outcome(ref=row.key)

    def come_back(self) -> None:
        """A member starting a session sees again what they left waiting (a check-in's
        question), so that what they type answers it."""
        member = self.engine.member(self.who.platform, self.who.platform_user_id)
        self.engine.handle(
            Choice(self.who, member, uuid.uuid4().hex, action=WAITING, value="", message_ref=None)
        )

    def follow(self, key: str, message: Message) -> None:
        """Keep the menu current: the newest message to the member is what they answer,
        except an edit of some older message, which leaves the waiting question alone."""
        if message.edit_ref and message.edit_ref != self.menu_ref:
            return
        self.menu = Menu(message.choices, takes_text=message.prompt is not None)
        if not message.edit_ref:
            self.menu_ref = key

    async def converse(
        self,
        stdin: TextIO,
        sender: Sender,
        echo: bool,
        between: Callable[[], object],
        interrupted: Callable[[], bool] = lambda: False,
    ) -> None:
        """Read lines until the input ends, handling each and printing what it causes.

        `between` runs before each line is read (the scheduler's due work), and again every
        `IDLE_SECONDS` while the member says nothing: this is a running bot, so work queued
        by another command (`survey send`) is delivered now, and the sender's heartbeat
        tells `survey send --follow` so. A session that starts with nothing new to show
        shows what the member left waiting (a check-in's question), so a typed answer
        answers it; anything new (a reply from the council) is the newest question instead.
        `interrupted` says Ctrl-C was pressed: the session ends at once."""
        between()  # what is due first (a check-in's invitation), so it is not shown twice
        if not await sender.drain():
            self.come_back()
        while True:
            typed = asyncio.ensure_future(next_line(stdin))
            while True:
                if interrupted():  # Ctrl-C (bot/runner.py), even if its cancel went astray
                    raise KeyboardInterrupt
                between()
                outbox.beat(sender.db, sender.platform, sender.clock())
                await sender.drain()
                if (await asyncio.wait({typed}, timeout=IDLE_SECONDS))[0]:
                    break
            line = typed.result()
            if not line:
                break
            if echo and line.strip():
                self.out.write(f"> {line.strip()}\n")
            event = parse_line(line, self.who, self.engine, self.menu, self.menu_ref)
            if isinstance(event, str):
                self.out.write(event + "\n\n")
            elif event is not None:
                self.engine.handle(event)
