"""Noticing when the wall clock is set: waits and pacing follow a monotonic clock, and
schedules follow the wall clock, so a clock set back or forward must be noticed.

Every second the watch compares how far the wall clock moved with how far the monotonic
clock did. Set back: pending messages whose due time lay in the lost stretch are made
due again at once (else replies wait out the jump), jobs whose last run now lies in the
future count from now (else a weekly digest is skipped), and the scheduler looks again at
once. Set forward: nothing closes early; `trusted` is the wall clock as it would be had
it not leapt, and a vote closes only once that time has come. Each is logged, and the
council told, once per step.

A step while the bot was stopped is told the same way at the next start
(`since_last_run`): the running bot notes the wall clock every few seconds with the
seconds since the machine booted (a clock nobody sets). Restarted in the same boot, the
downtime is known exactly, so a clock set forward while the bot was down holds no vote's
close early either. After a reboot the downtime is unknown: a wall clock ahead of the last
time seen is trusted (a vote whose closing time passed meanwhile closes), one behind it
was set back, and is told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STEP = timedelta(seconds=30)  # a difference this big is someone setting the clock


class ClockWatch:
    def __init__(
        self,
        wall: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        on_back: Callable[[timedelta], None] = lambda jump: None,
        on_forward: Callable[[timedelta], None] = lambda jump: None,
        ahead: timedelta = timedelta(0),
    ) -> None:
        self.wall, self.monotonic = wall, monotonic
        self.on_back, self.on_forward = on_back, on_forward
        self._wall_at, self._mono_at = wall(), monotonic()
        # The wall clock's time as if it never leapt (`ahead`: it had, before this start).
        self._trusted_at = self._wall_at - ahead
        self.ahead = ahead  # how far the wall clock is ahead of `trusted`

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


BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str | None:
    """This boot of the machine (Linux), or None where it cannot be told."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def since_boot() -> float | None:
    """Seconds since the machine booted, counting suspend; nobody sets this clock."""
    try:
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    except (AttributeError, OSError):
        return None


def since_last_run(
    seen: dict[str, Any] | None, wall: datetime, boot: str | None, booted: float | None
) -> tuple[timedelta, timedelta]:
    """(jump, ahead) at a start: how far the wall clock was set while the bot was stopped
    (+ forward, - back; zero if nothing is known or it moved less than `STEP`), and how far
    it is now ahead of a clock that did not leap. `seen` is what the last run noted
    (`storage.health.clock_seen`), `boot` and `booted` this boot and the seconds since."""
    if not seen or not seen.get("wall"):
        return timedelta(0), timedelta(0)
    last = datetime.fromisoformat(seen["wall"])
    ahead = timedelta(seconds=seen.get("ahead_seconds") or 0)
    same_boot = boot is not None and boot == seen.get("boot_id")
    if same_boot and booted is not None and seen.get("since_boot") is not None:
        passed = timedelta(seconds=max(0.0, booted - seen["since_boot"]))
        jump = wall - (last + passed)
        if abs(jump) < STEP:
            return timedelta(0), ahead
        return jump, max(timedelta(0), ahead + jump)
    # Another boot: the downtime is unknown, only a clock behind the last time seen is
    # sure to have been set (back); one ahead is trusted.
    jump = wall - last
    return (jump, timedelta(0)) if jump <= -STEP else (timedelta(0), timedelta(0))


def span(delta: timedelta) -> str:
    """`delta` as people say it: "2 d 3 h", "10 min" (to the minute from 10 minutes on:
    a step measured across a restart is off by the seconds the restart took)."""
    delta = abs(delta)
    if delta >= timedelta(minutes=10):
        delta = timedelta(minutes=round(delta.total_seconds() / 60))
    return _span(delta)


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    parts += [f"{minutes} min"] * bool(minutes) + [f"{seconds} s"] * bool(seconds)
    return " ".join(parts) or "0 s"
