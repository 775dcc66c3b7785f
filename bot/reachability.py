"""Whether a platform takes the sender's messages: one log line when it stops, one when it
takes them again, and its last word kept for `mutual-voice status` and /healthz."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlite_utils import Database

from storage import health
from storage.timestamps import iso

if TYPE_CHECKING:
    from bot.outbox import Outcome

log = logging.getLogger(__name__)

DOWN_AFTER = 3  # failed deliveries in a row (none delivered between) make an outage
WRITE_EVERY = timedelta(seconds=10)  # a busy sender notes its last success this often


class Reachability:
    def __init__(self, db: Database, platform: str) -> None:
        self.db, self.platform = db, platform
        self.down_since: datetime | None = None
        self._first_failure: datetime | None = None
        self._failures = 0
        self._written: datetime | None = None

    def note(self, result: Outcome, now: datetime) -> None:
        """What one delivery's outcome says about the platform (a chat that blocked the
        bot, a rate limit or a refused message say nothing about it)."""
        if result.ok:
            self._delivered(now)
        elif result.error is not None and not result.permanent and result.hold_until is None:
            self._failed(now, result.error)

    def _delivered(self, now: datetime) -> None:
        if self.down_since is not None:
            log.warning(
                "%s: reachable again, after %s down (%d failed attempts); sending what waited",
                self.platform,
                str(now - self.down_since).split(".")[0],
                self._failures,
            )
        elif self._failures == 0 and self._written and now - self._written < WRITE_EVERY:
            return
        self.down_since, self._first_failure, self._failures = None, None, 0
        self._write(now, last_success=iso(now), down_since=None)

    def _failed(self, now: datetime, error: str) -> None:
        self._failures += 1
        self._first_failure = self._first_failure or now
        if self.down_since is None and self._failures >= DOWN_AFTER:
            self.down_since = self._first_failure
            log.warning(
                "%s: not reachable since %s: %s (messages wait in the outbox)",
                self.platform,
                iso(self.down_since),
                error[:200],
            )
            self._write(
                now, last_failure=iso(now), last_error=error, down_since=iso(self.down_since)
            )
        elif self._written is None or now - self._written >= WRITE_EVERY or self._failures == 1:
            self._write(now, last_failure=iso(now), last_error=error)

    def _write(self, now: datetime, **fields: str | None) -> None:
        try:
            health.record_platform(self.db, self.platform, **fields)
            self._written = now
        except Exception as error:  # noqa: BLE001 - a note for the operator never stops sending
            log.warning("%s: could not note the platform's health: %s", self.platform, error)
