"""Quiet hours: messages nobody asked for wait until morning in the member's time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.settings import QuietHours


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(
    now: datetime, zone: str | None, rule: QuietHours, fallback: str
) -> datetime | None:
    """When quiet hours end if `now` falls inside them for this time zone, else None."""
    if not rule.enabled or rule.start == rule.end:
        return None
    try:
        tz = ZoneInfo(zone or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(fallback)
    local = now.astimezone(tz)
    start, end = _clock(rule.start), _clock(rule.end)
    current = local.time().replace(tzinfo=None)
    # Usually quiet hours cross midnight (21:00-08:00); a same-day window works too.
    inside = start <= current < end if start < end else current >= start or current < end
    if not inside:
        return None
    day = local.date() if current < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz)
