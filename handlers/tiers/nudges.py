"""Gentle nudges: after a member's first pulse, vote or named idea, a note about the next rung.

A tick compares what members did with what it has already handled. Each kind of
activity is watched from the moment its tables are first seen: whoever had already
done it then is not a first-timer. Each member's first of each kind is handled once,
and its outbox key makes the note unique anyway. At most one nudge per member every
`tiers.nudge_days`; nudges wait for quiet hours to end.

A check-in or vote counts only once it is closed (storage/tiers/activity.py), so no
nudge, and no record of one, is written while it is open to tell who took part; what
tiers keeps says only that a member's first was handled, never when.
Requests to do more that got no Yes or No within a week become anonymous counts here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.members.identity import as_member, first_name
from handlers.messages import Message, Option, Recipient
from handlers.schedule import PAUSE, Pause
from handlers.tiers.standing import current_ladder, standing
from handlers.tiers.text import ABOUT, DO_MORE, MORE
from storage import members as member_rows
from storage import secrecy
from storage.tiers import activity
from storage.tiers import queries as records
from storage.timestamps import parse

KINDS = ("pulse", "vote", "suggestion")
# Look again a little before the last check, so a row committed late is not missed.
LOOK_AGAIN = timedelta(minutes=10)
UNANSWERED = timedelta(days=7)
PART = 40  # first-timers weighed up between pauses (each reads their standing)

THANKS = {
    "pulse": N_("Thank you for answering the check-in, {first}!"),
    "vote": N_("Thank you for voting, {first}!"),
    "suggestion": N_("Thank you for your idea, {first}!"),
}
NEXT = N_(
    "If you'd like to do a little more one day, the next rung is {next}: {promise} "
    "No pressure: /tiers shows all the ways to get involved."
)


def tick(ctx: Context, now: datetime) -> Iterator[Message | Pause]:
    records.expire_unanswered(ctx.db, now - UNANSWERED, now)
    if secrecy.member_order_unfinished(ctx.db):
        # A close is rewriting which firsts were handled, or was cut short doing so: while
        # those rows are away, every member would look like a first-timer. Carry it on.
        for _ in secrecy.shuffle_member_order_in_parts(ctx.db):
            yield PAUSE
        if secrecy.member_order_unfinished(ctx.db):
            return  # another process is at it: nudge when it is done
    nudged: set[str] = set()
    for kind in KINDS:
        yield from _firsts(ctx, kind, now, nudged)


def _firsts(ctx: Context, kind: str, now: datetime, nudged: set[str]) -> Iterator[Message | Pause]:
    """Nudges for the members who did `kind` for the first time, read and weighed up
    PART at a time with a pause after each (26,000 first answers to one round take
    seconds). Each is marked seen as it is handled, so a tick cut short carries on."""
    db = ctx.db
    if not activity.available(db, activity.SOURCES[kind]):
        return
    checked = records.last_checked(db, kind)
    if checked is None:  # start watching: whoever did this before is no first-timer
        records.mark_seen(db, kind, activity.active_members(db, kind))
        records.set_checked(db, kind, now)
        return
    since, last = parse(checked) - LOOK_AGAIN, ""
    while page := activity.active_members(db, kind, since, True, last, PART):
        for member_id in page:
            row = member_rows.get(db, member_id)
            if row is not None and not row["erased_at"]:
                records.mark_seen(db, kind, [member_id])
                message = _nudge(ctx, kind, row, now, nudged)
                if message is not None:
                    nudged.add(member_id)
                    records.set_nudged_on(db, member_id, now.date().isoformat())
                    yield message
        last = page[-1]
        yield PAUSE
    records.set_checked(db, kind, now)


def _nudge(
    ctx: Context, kind: str, row: dict[str, Any], now: datetime, nudged: set[str]
) -> Message | None:
    member_id = row["member_id"]
    last = records.last_nudged_on(ctx.db, member_id)
    quiet_since = now.date() - timedelta(days=ctx.policy.tiers.nudge_days)
    if member_id in nudged or (last and date.fromisoformat(last) > quiet_since):
        return None
    ladder = current_ladder(ctx)
    here = standing(ctx, member_id, ladder)
    if here.next is None:
        return None
    _ = i18n.for_row(ctx, row)
    lines = [_(THANKS[kind]).format(first=first_name(as_member(row)))]
    if here.tier.id != ladder.tiers[0].id:
        lines.append(_("That makes you a {tier}.").format(tier=_.pick(here.tier.name)))
    lines.append(_(NEXT).format(next=_.pick(here.next.name), promise=_.pick(here.next.promise)))
    return Message(
        to=Recipient.of(member_id),
        text=" ".join(lines),
        choices=(
            Option(_(DO_MORE), MORE, here.next.id),
            Option(_("About {tier}").format(tier=_.pick(here.next.name)), ABOUT, here.next.id),
        ),
        quiet_hours=True,
        key=f"tiers:nudge:{member_id}:{kind}",
        language=_.language,
    )
