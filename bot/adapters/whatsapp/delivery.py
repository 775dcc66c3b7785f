"""Delivering one outbox row to WhatsApp, keeping the 24-hour rule.

Inside the member's window (24 hours from the hour they last wrote, less a margin) a
message goes as it is. Outside it, never free-form: the member is sent the "Take part"
template once (at most once a day, and within the daily limit of members reached by
template), and the row is held until they answer; the adapter then makes held rows
due (storage/whatsapp.py). A row held for `max_holds` days without an answer is given up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from sqlite_utils import Database

from bot.adapters.whatsapp import templates as template_file
from bot.adapters.whatsapp.graph import Graph, GraphError
from bot.adapters.whatsapp.render import render
from bot.outbox import Outcome
from handlers.messages import Message
from storage import whatsapp
from storage.outbox import Row

log = logging.getLogger(__name__)

# A message started this close to the window's end could land after it.
MARGIN = timedelta(minutes=10)
HOLD = timedelta(days=1)
PAUSE_FOR_ACCOUNT = 3600.0  # the account itself is blocked: stop, tell, try again later

UNREACHABLE_CODES = {131026, 131030, 131021, 131045}  # undeliverable, not a WhatsApp user...
ACCOUNT_CODES = {0, 3, 10, 190, 200, 368, 130497, 131031, 131042, 131048, 131049, 131051}
TEMPLATE_CODES = range(132000, 133000)
THROUGHPUT, PAIR_RATE, WINDOW_CLOSED = 130429, 131056, 131047


class Delivery:
    """The sender's `deliver` for WhatsApp."""

    def __init__(
        self,
        graph: Graph,
        db: Database,
        clock: Callable[[], datetime],
        templates: list[template_file.TemplateSpec],
        organisation: str,
        daily_limit: int,
        pair_seconds: float,
        max_holds: int = 7,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.graph, self.db, self.clock, self.templates = graph, db, clock, templates
        self.organisation, self.daily_limit, self.pair_seconds = (
            organisation,
            daily_limit,
            pair_seconds,
        )
        self.max_holds, self.redact = max_holds, redact
        self._progress: dict[str, tuple[int, str | None]] = {}
        self.templates_sent = 0

    async def __call__(self, row: Row, message: Message) -> Outcome:
        now = self.clock()
        closes = whatsapp.window_closes(self.db, row.chat_id)
        if closes is None or now >= closes - MARGIN:
            return await self._outside_window(row, message, now)
        try:
            rendered = render(message)
        except ValueError as error:
            return Outcome(error=str(error), permanent=True)
        done, ref = self._progress.pop(row.key, (0, None))
        for index in range(done, len(rendered.bodies)):
            try:
                ref = await self.graph.send(row.chat_id, rendered.bodies[index], str(row.id))
            except (GraphError, aiohttp.ClientError, TimeoutError) as error:
                outcome = self.outcome_of(error, row.chat_id, now)
                if outcome.permanent is False and outcome.unreachable is None:
                    self._progress[row.key] = (index, ref)
                return outcome
        if rendered.menu:
            whatsapp.set_menu(self.db, row.chat_id, rendered.menu)
        return Outcome(ref=ref)

    async def _outside_window(self, row: Row, message: Message, now: datetime) -> Outcome:
        if row.attempts > self.max_holds:
            return Outcome(
                error=f"the member did not answer the invitation to take part for "
                f"{self.max_holds} days (WhatsApp's 24-hour rule)",
                permanent=True,
            )
        invited = whatsapp.invited_at(self.db, row.chat_id)
        if invited is not None and now - invited < whatsapp.WINDOW:
            # One invitation a day at most: this waits for their answer to today's, or
            # for tomorrow's invitation.
            return Outcome(hold_until=invited + whatsapp.WINDOW, error=whatsapp.HELD)
        if invited is not None and row.attempts > 1:
            # It had its invitation: a member who does not answer is not reminded daily
            # at the society's cost (a newer message brings a new invitation).
            return Outcome(hold_until=now + HOLD, error=whatsapp.HELD, hold_counts=True)
        recent = whatsapp.invitations_since(self.db, now - whatsapp.WINDOW)
        if len(recent) >= self.daily_limit:
            # Meta counts members reached in any 24 hours: a place frees when the oldest ages out.
            return Outcome(hold_until=recent[0] + whatsapp.WINDOW, error=whatsapp.HELD_FOR_LIMIT)
        spec = template_file.for_language(self.templates, template_file.TAKE_PART, message.language)
        # Counted before the call: deliveries run side by side, and each must see the others'.
        whatsapp.invited(self.db, row.chat_id, now)
        try:
            await self.graph.send(row.chat_id, take_part(spec, self.organisation), str(row.id))
        except (GraphError, aiohttp.ClientError, TimeoutError) as error:
            whatsapp.invited(self.db, row.chat_id, invited)
            return self.outcome_of(error, row.chat_id, now)
        self.templates_sent += 1
        return Outcome(hold_until=now + HOLD, error=whatsapp.HELD, hold_counts=True)

    def outcome_of(self, error: Exception, chat_id: str, now: datetime) -> Outcome:
        text = self.redact(str(error))
        if not isinstance(error, GraphError):
            return Outcome(error=text)  # the network: try again
        code = error.code
        if code == THROUGHPUT:
            return Outcome(retry_after=1.0)
        if code == PAIR_RATE:  # only this member: the others go on
            return Outcome(
                hold_until=now + timedelta(seconds=self.pair_seconds),
                error="held: WhatsApp's pair rate limit (too many messages to this member)",
            )
        if code == WINDOW_CLOSED:  # Meta says the window has closed: use a template
            whatsapp.close_window(self.db, chat_id)
            return Outcome(hold_until=now, error=whatsapp.HELD)
        if code in UNREACHABLE_CODES:
            return Outcome(unreachable=text)
        if code in ACCOUNT_CODES:
            log.error(
                "whatsapp: the account cannot send (%s); sending stops for an hour: check the "
                "account in Meta's WhatsApp Manager",
                text,
            )
            return Outcome(retry_after=PAUSE_FOR_ACCOUNT)
        if code in TEMPLATE_CODES:
            return Outcome(
                error=f"{text}; check the templates with: mutual-voice whatsapp templates --check",
                permanent=True,
            )
        if error.status >= 500 or code in (1, 2, 131000, 131016):
            return Outcome(error=text)  # Meta's own trouble: try again
        return Outcome(error=text, permanent=True)


def take_part(spec: template_file.TemplateSpec, organisation: str) -> dict:
    """The "Take part" template message, its quick reply carrying our payload."""
    # Template parameters may not hold new lines, tabs or four spaces in a row.
    name = " ".join(organisation.split())[:200] or "Mutual Voice"
    components: list[dict] = []
    if spec.parameters:
        components.append(
            {"type": "body", "parameters": [{"type": "text", "text": name}] * spec.parameters}
        )
    for index, _label in enumerate(spec.buttons):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": template_file.TAKE_PART_PAYLOAD}],
            }
        )
    return {
        "type": "template",
        "template": {
            "name": spec.name,
            "language": {"code": spec.language},
            "components": components,
        },
    }
