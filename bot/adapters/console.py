"""The console adapter: the terminal speaks as one member, line by line.

It works piped (`printf '/start\\n/help\\n' | mutual-voice run --as demo-tenant-1`):
each line is handled, the replies are printed, and the session ends with the input.
Numbered choices are answered by typing the number.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import TextIO

from bot.demo import CONSOLE
from bot.engine import Engine
from bot.outbox import Outcome, Sender
from handlers.messages import Choice, Command, Event, Message, Option, Text, unquoted
from handlers.messages import Sender as Who
from storage.outbox import Row

COUNCIL_CHAT = "council"


def parse_line(
    line: str, who: Who, engine: Engine, choices: list[Option], ref: str | None
) -> Event | None:
    """The neutral event a typed line stands for (None for a blank line)."""
    text = line.strip()
    if not text:
        return None
    member = engine.member(who.platform, who.platform_user_id)
    event_id = uuid.uuid4().hex
    if text.startswith("/"):
        name, _, args = text[1:].partition(" ")
        return Command(who, member, event_id, name=name.lower(), args=args.strip())
    by_label = [o for o in choices if o.label.casefold() == text.casefold()]
    if by_label or (text.isdigit() and choices and 1 <= int(text) <= len(choices)):
        # A label typed in full wins, so "10" on a 0-10 scale means ten, not the 10th button.
        option = by_label[0] if by_label else choices[int(text) - 1]
        return Choice(
            who, member, event_id, action=option.action, value=option.value, message_ref=ref
        )
    return Text(who, member, event_id, text=text)


class Console:
    def __init__(self, engine: Engine, member_id: str, out: TextIO) -> None:
        self.engine, self.member_id, self.out = engine, member_id, out
        self.who = Who(CONSOLE, member_id, member_id)
        self.choices: list[Option] = []
        self.choices_ref: str | None = None

    async def deliver(self, row: Row, message: Message) -> Outcome:
        """Print one outbox message; the council's messages are shown as such."""
        lines = []
        if row.chat_id == COUNCIL_CHAT:
            lines.append("[to the staff council]")
        if message.edit_ref:
            lines.append("(updated)")
        if message.title:
            lines.append(unquoted(message.title).upper())
        lines.append(unquoted(message.text))
        if message.image:
            lines.append(f"[chart: {message.image}]")
        for number, option in enumerate(message.choices, start=1):
            lines.append(f"  {number}) {option.label}")
        if row.chat_id == self.member_id:
            if message.choices:
                self.choices, self.choices_ref = list(message.choices), row.key
                lines.append("Type a number to choose.")
            elif message.prompt:
                lines.append("(Type your answer, or /help to do something else.)")
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()
        return Outcome(ref=row.key)

    async def converse(
        self, stdin: TextIO, sender: Sender, echo: bool, between: Callable[[], object]
    ) -> None:
        """Read lines until the input ends, handling each and printing what it causes.

        `between` runs before each line is read (the scheduler's due work)."""
        while True:
            between()
            await sender.drain()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if echo and line.strip():
                self.out.write(f"> {line.strip()}\n")
            event = parse_line(line, self.who, self.engine, self.choices, self.choices_ref)
            if event is None:
                continue
            self.engine.handle(event)
