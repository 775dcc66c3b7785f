"""Delivering one outbox row by e-mail, and what the relay's answer means.

- 2xx: sent.
- 4xx for the recipient (450 mailbox busy, 451 greylisted, 452 full): this member's
  e-mail waits and is tried again with a growing pause; the relay is fine.
- 5xx for the recipient (550 no such mailbox, 553 bad address …): the address is
  unreachable, with the relay's reason, and the officer sees it.
- Anything wrong with the relay itself (no connection, TLS, sign-in refused, 421, a 4xx
  or 5xx to our sender address): tried again later, and counted towards the platform's
  reachability (bot/reachability.py), as an outage of any other platform is.
- 5xx to the message itself (552 too big, 554 refused as spam): that message fails.

An address whose member unsubscribed gets nothing, whatever the outbox holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import aiosmtplib

from bot.adapters.email.compose import Envelope, compose
from bot.adapters.email.relay import Relay
from bot.outbox import Outcome, backoff
from handlers.context import Context
from handlers.members import page_links
from handlers.messages import Message
from storage import email
from storage.outbox import Row

log = logging.getLogger(__name__)

CLOSING = 421  # the relay is closing the connection: its trouble, not the member's


class Delivery:
    """The sender's `deliver` for e-mail."""

    def __init__(
        self,
        relay: Relay,
        ctx: Context,
        from_address: str,
        reply_to: str,
        public_url: str,
        max_attempts: int,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.relay, self.ctx = relay, ctx
        self.from_address, self.reply_to = from_address, reply_to
        self.public_url = public_url.rstrip("/")
        self.max_attempts, self.redact = max_attempts, redact
        # A row tried again keeps its unsubscribe token: an outage makes no more of them.
        self._tokens: dict[str, str] = {}

    async def __call__(self, row: Row, message: Message) -> Outcome:
        db, now = self.ctx.db, self.ctx.now()
        if email.opted_out(db, row.chat_id):
            return Outcome(unreachable=email.UNSUBSCRIBED)
        link = None
        if message.flow and row.member_id:
            link = page_links.page_link(self.ctx, row.member_id, message.flow)
        unsubscribe = None
        if row.quiet and row.member_id:  # not asked for: announcements, reminders, news
            token = self._tokens.pop(row.key, None) or email.new_unsubscribe_link(
                db, row.member_id, row.chat_id, now
            )
            unsubscribe = f"{self.public_url}/u/{token}"
        envelope = Envelope(
            to=row.chat_id,
            from_address=self.from_address,
            reply_to=self.reply_to,
            organisation=self.ctx.policy.organisation.name,
            now=now,
            page_link=link,
            unsubscribe=unsubscribe,
        )
        try:
            mail = compose(message, envelope)
        except (ValueError, IndexError) as error:  # an address the headers cannot carry
            return Outcome(unreachable=f"not an e-mail address that can be written to ({error})")
        try:
            await self.relay.send(mail, self.from_address, row.chat_id)
        except Exception as error:
            outcome = self.outcome_of(error, row, now)
            if unsubscribe and not outcome.permanent and outcome.unreachable is None:
                self._tokens[row.key] = unsubscribe.rsplit("/", 1)[1]
            return outcome
        return Outcome(ref=str(mail["Message-ID"]))

    def outcome_of(self, error: Exception, row: Row, now: datetime) -> Outcome:
        if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
            refused = error.recipients[0]
            said = self.redact(f"SMTP {refused.code} {refused.message}".strip())
            if 500 <= refused.code < 600:
                return Outcome(unreachable=said)
            if refused.code != CLOSING:
                if row.attempts >= self.max_attempts:
                    return Outcome(error=said, permanent=True)
                # Greylisting or a full mailbox: this member waits; the relay is fine.
                return Outcome(hold_until=now + backoff(row.attempts), error=said, hold_counts=True)
            return Outcome(error=said)
        text = self.redact(_describe(error))
        # (A certificate that fails to verify is a ValueError too, but an OSError: the relay.)
        if isinstance(error, ValueError | aiosmtplib.SMTPNotSupported) and not isinstance(
            error, OSError
        ):
            # aiosmtplib cannot write this address (or the relay takes no SMTPUTF8 for it).
            return Outcome(unreachable=f"cannot be e-mailed: {text}")
        if isinstance(error, aiosmtplib.SMTPDataError) and 500 <= error.code < 600:
            return Outcome(error=text, permanent=True)  # this message, not the relay
        if isinstance(error, aiosmtplib.SMTPAuthenticationError | aiosmtplib.SMTPSenderRefused):
            log.error("email: the relay refuses to send for us (%s): check [email]", text)
        return Outcome(error=text)  # the relay or the way to it: try again later


def _describe(error: Exception) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"SMTP {error.code} {error.message}".strip()
    name = type(error).__name__
    return f"{name}: {error}" if str(error) else name
