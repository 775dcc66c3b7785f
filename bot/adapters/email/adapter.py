"""The e-mail adapter: an outbox sender for the `email` platform, on the shared loop.

Nothing comes in by e-mail (members answer on their page, and replies to an e-mail
reach people, not the bot), so the adapter is its sender: `email.per_second` e-mails a
second at most, down one reused SMTP connection. Old unsubscribe tokens are forgotten
at start-up and once a day after.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.adapters.email.delivery import Delivery
from bot.adapters.email.relay import Relay
from bot.adapters.sending import Sending
from bot.app import App
from bot.outbox import Outcome
from handlers.messages import Message
from storage import email
from storage.outbox import Row

log = logging.getLogger(__name__)

PLATFORM = email.PLATFORM
PRUNE_EVERY = timedelta(days=1)


async def start(app: App, stop: asyncio.Event) -> EmailAdapter:
    """Start sending; the runner calls `stop()` at the end."""
    adapter = EmailAdapter(app)
    await adapter.start()
    return adapter


class EmailAdapter:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = settings = app.settings.email
        ca_file = str(app.settings.resolve(settings.ca_file)) if settings.ca_file else ""
        self.relay = Relay(settings, ca_file)
        self.deliver = Delivery(
            self.relay,
            app.ctx,
            settings.from_address,
            settings.reply_to,
            app.settings.web.base_url,
            app.settings.outbox.max_attempts,
            redact=app.redact,
        )
        self._pruned: datetime | None = None
        self.sending = Sending(app, PLATFORM)

    async def start(self) -> None:
        # One connection takes one e-mail at a time: more in flight would only queue.
        pace = self.sending.pace(self.settings.per_second, 1.0, concurrency=1)
        self.sending.start(self._deliver, pace)
        log.info(
            "email: sending through %s:%d (%s)",
            self.settings.smtp_host,
            self.settings.port,
            self.settings.security,
        )

    async def _deliver(self, row: Row, message: Message) -> Outcome:
        now = self.app.clock()
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            email.forget_old_links(self.app.db, now)
            self._pruned = now
        return await self.deliver(row, message)

    async def stop(self) -> None:
        await self.sending.stop()
        await self.relay.close()
