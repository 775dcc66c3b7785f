"""Noticing when the wall clock is set: waits and pacing follow a monotonic clock, and
schedules follow the wall clock, so a clock set back or forward must be noticed.

Every second the watch compares how far the wall clock moved with how far the monotonic
clock did. Set back: pending messages whose due time lay in the lost stretch are made
due again at once (else replies wait out the jump), jobs whose last run now lies in the
future count from now (else a weekly digest is skipped), and the scheduler looks again at
once. Set forward: nothing closes early; `trusted` is the wall clock as it would be had
it not leapt, and a vote closes only once that time has come. Each is logged, and the
council told, once per step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

STEP = timedelta(seconds=30)  # a difference this big is someone setting the clock


class ClockWatch:
    def __init__(
        self,
        wall: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        on_back: Callable[[timedelta], None] = lambda jump: None,
        on_forward: Callable[[timedelta], None] = lambda jump: None,
    ) -> None:
        self.wall, self.monotonic = wall, monotonic
        self.on_back, self.on_forward = on_back, on_forward
        self._wall_at, self._mono_at = wall(), monotonic()
        self._trusted_at = self._wall_at  # the wall clock's time as if it never leapt
        self.ahead = timedelta(0)  # how far the wall clock is ahead of `trusted`

    def trusted(self) -> datetime:
        """Now, on a clock that did not leap forward (the wall clock, unless it did)."""
        return min(self.wall(), self._trusted_at + self._elapsed())

    def _elapsed(self) -> timedelta:
        return timedelta(seconds=self.monotonic() - self._mono_at)

    def check(self) -> timedelta:
        """Look now; returns the step found (wall minus monotonic movement), or zero."""
        wall, mono = self.wall(), self.monotonic()
        expected = self._wall_at + timedelta(seconds=mono - self._mono_at)
        jump = wall - expected
        trusted = self._trusted_at + timedelta(seconds=mono - self._mono_at)
        self._wall_at, self._mono_at = wall, mono
        if abs(jump) < STEP:
            self._trusted_at = min(wall, trusted)
            return timedelta(0)
        if jump < timedelta(0):
            # Set back: wall time is the truth again from here (a correction, or not).
            self._trusted_at = min(wall, trusted)
            self.ahead = max(timedelta(0), wall - self._trusted_at)
            log.warning(
                "the clock was set back by %s: scheduled work and waiting messages carry on "
                "from the new time",
                _span(-jump),
            )
            self.on_back(-jump)
        else:
            self._trusted_at = trusted
            self.ahead = wall - trusted
            log.warning(
                "the clock jumped forward by %s: nothing closes before its time has passed "
                "on a clock that did not jump (check the machine's time)",
                _span(jump),
            )
            self.on_forward(jump)
        return jump


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    parts += [f"{minutes} min"] * bool(minutes) + [f"{seconds} s"] * bool(seconds)
    return " ".join(parts) or "0 s"
