"""A platform's outbox sender, run as a task beside its adapter and stopped with it: what
the Telegram, WhatsApp, SMS and e-mail adapters do alike."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.outbox import Deliver, Pace

if TYPE_CHECKING:
    from bot.app import App


class Sending:
    def __init__(self, app: App, platform: str) -> None:
        self.app, self.platform = app, platform
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def pace(self, rate_per_second: float, per_chat_seconds: float, concurrency: int = 0) -> Pace:
        """The platform's limits, with the outbox settings every platform shares
        (`concurrency` 0: `outbox.max_in_flight`)."""
        outbox = self.app.settings.outbox
        return Pace(
            rate_per_second=rate_per_second,
            per_chat_seconds=per_chat_seconds,
            max_attempts=outbox.max_attempts,
            concurrency=concurrency or outbox.max_in_flight,
        )

    def start(self, deliver: Deliver, pace: Pace) -> None:
        sender = self.app.add_sender(self.platform, deliver, pace)
        self._task = asyncio.create_task(
            sender.run(self._stop, self.app.settings.outbox.poll_seconds)
        )

    async def stop(self) -> None:
        """Let the deliveries under way finish; safe when never started."""
        if self._task is not None:
            self._stop.set()
            await self._task
            self._task = None
            self.app.senders.pop(self.platform, None)
