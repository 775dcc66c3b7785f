"""What a broadcast to WhatsApp members costs, and when it reaches everyone.

Members whose 24-hour window is closed are reached by template: Meta charges for each
and lets a number reach only so many members a day that way (250 for a new number,
then 1,000, 10,000, 100,000). The outbox spreads the rest over the following days.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.config import Settings
from storage import whatsapp as chats


@dataclass(frozen=True)
class Estimate:
    members: int
    templates: int  # members outside their window: each is sent one template
    daily_limit: int
    available_today: int
    days: int  # 0: everyone today
    reaches_everyone: str  # the local date, e.g. "Thursday 10 December"
    cost: float
    currency: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def estimate(
    members: int,
    templates: int,
    daily_limit: int,
    used_today: int,
    now: datetime,
    price: float,
    currency: str,
) -> Estimate:
    available = max(daily_limit - used_today, 0)
    days = 0 if templates <= available else math.ceil((templates - available) / daily_limit)
    day = now + timedelta(days=days)
    return Estimate(
        members,
        templates,
        daily_limit,
        available,
        days,
        f"{day:%A} {day.day} {day:%B}",
        round(templates * price, 2),
        currency,
    )


def sentence(e: Estimate, noun: str = "members") -> str:
    """The officer's line, e.g. "1,200 members on WhatsApp, 1,150 outside their 24-hour
    window: at your limit of 250 a day, invitations reach everyone by Thursday 10 December."""
    head = f"{e.members:,} {noun} on WhatsApp, {e.templates:,} outside their 24-hour window"
    if e.days == 0:
        when = "everyone is reached today"
    else:
        when = f"at your limit of {e.daily_limit:,} a day, invitations reach everyone by {e.reaches_everyone}"
    cost = (
        f" {e.templates:,} template messages, about {e.cost:,.2f} {e.currency}." if e.cost else ""
    )
    return f"{head}: {when}.{cost}"


def for_everyone(settings: Settings, db: Database, now: datetime) -> Estimate:
    """The estimate for one message to every WhatsApp member now."""
    on_whatsapp, outside = chats.reach(db, now)
    used = len(chats.invitations_since(db, now - chats.WINDOW))
    local = now.astimezone(ZoneInfo(settings.organisation.timezone))
    w = settings.whatsapp
    return estimate(
        on_whatsapp, outside, w.daily_limit, used, local, w.price_per_template, w.currency
    )


def broadcast_line(settings: Settings, db: Database, now: datetime) -> str | None:
    """The officer's line after a broadcast (None when WhatsApp is off or has nobody)."""
    if not settings.whatsapp.enabled:
        return None
    found = for_everyone(settings, db, now)
    return sentence(found) if found.members else None
