"""Small pieces of wording the council digest and the newsletter share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers import i18n
from handlers.context import Context
from handlers.i18n import Translator


def day(
    ctx: Context, moment: datetime, zone: str | None = None, _: Translator | None = None
) -> str:
    """e.g. "Mon 30 Nov", in the member's (or the organisation's) time zone and language."""
    try:
        local = moment.astimezone(ZoneInfo(zone or ctx.policy.organisation.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment.astimezone(ZoneInfo(ctx.policy.organisation.timezone))
    return (_ or i18n.for_organisation(ctx)).day(local)


def span(since: datetime, until: datetime) -> str:
    """The period in a word: a day, a week, a fortnight, a month, or a while."""
    days = (until - since).total_seconds() / 86400
    for limit, word in ((1.5, "day"), (10, "week"), (17, "fortnight"), (35, "month")):
        if days <= limit:
            return word
    return "while"


def quiet(ctx: Context, since: datetime, until: datetime) -> str:
    return (
        f"A quiet {span(since, until)}: no check-ins, suggestions or votes since {day(ctx, since)}."
    )


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",.;:") + "…"


def listing(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
