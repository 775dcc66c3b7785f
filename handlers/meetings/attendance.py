"""Who is at a general meeting, and whether it is quorate.

Members on the roll check in at the door (a teller: `meeting checkin`, or the console's
form, by member id or the code on their invite letter) or in chat with /here, in person
or online, from an hour before the meeting starts until `OPEN_FOR` after. A second
check-in changes nothing. At the start, members who said they would come and have not
checked in yet get the check-in buttons (`reminders`, once per meeting, at any hour).
The quorum is the rules' `[quorum]` (a number or a share of the roll, whichever is
more), counting only the kinds of attendance the rules' `counts` lists; proxies are
counted from `proxies` (`by_proxy`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.meetings import proxies
from handlers.meetings.notice import IN_PERSON, ONLINE, Stored, stored
from handlers.members.invites import find_token_owner, typed_token
from handlers.messages import Choice, Command, Event, Message, Option, Recipient, quoted, reply
from handlers.router import Router
from handlers.schedule import PAUSE, Job, Pause
from handlers.votes.state import when
from storage import audit
from storage.meetings import queries as store
from storage.timestamps import parse
from surveys.wording import plural

EARLY = timedelta(hours=1)  # check-in opens this long before the start
OPEN_FOR = timedelta(hours=8)  # and stays open this long after it
HOW = {IN_PERSON: "in person", ONLINE: "online", "proxy": "by proxy"}
HERE = {
    IN_PERSON: N_("You're checked in to {title}, in the room. Welcome!"),
    ONLINE: N_("You're checked in to {title}, online. Welcome!"),
}
ALREADY = N_("You're already checked in to {title}.")
CHECK_IN = N_(
    "When you're there, in the room or online, tap a button to check in. You can also send /here."
)


class CheckInProblem(Exception):
    """A check-in that cannot be made; the message says why, in one line."""


@dataclass(frozen=True)
class Quorum:
    needed: int
    present: int  # members who count towards it

    @property
    def reached(self) -> bool:
        return self.present >= self.needed


def window(found: Stored) -> tuple[datetime, datetime]:
    """When members may check in: from an hour before the start until `OPEN_FOR` after."""
    starts = found.meeting.starts
    return starts - EARLY, starts + OPEN_FOR


def is_open(found: Stored, now: datetime) -> bool:
    opens, closes = window(found)
    return opens <= now < closes


def check_in(ctx: Context, meeting_id: str, member_id: str, how: str, by: str) -> tuple[bool, str]:
    """Check a member on the roll in (`how`: in-person or online). Returns (new, how they
    are checked in): a second check-in is harmless and keeps the first."""
    found = stored(ctx, meeting_id)
    if found is None:
        raise CheckInProblem(f"no meeting with id {meeting_id!r}")
    if not store.on_roll(ctx.db, meeting_id, member_id):
        raise CheckInProblem(
            f"{member_id} is not on the roll of {meeting_id}: only members on the roll, "
            "fixed on the notice date, are checked in"
        )
    now = ctx.now()
    if not is_open(found, now):
        opens, closes = window(found)
        raise CheckInProblem(
            f"check-in for {meeting_id} is open from {when(ctx, opens)} to {when(ctx, closes)}, "
            "not now"
        )
    before = store.check_in(ctx.db, meeting_id, member_id, how, now, by)
    if before is None:
        audit.record(ctx.db, now, by, "meeting.checkin", meeting_id, member=member_id, how=how)
    return before is None, before or how


def member_of_code(ctx: Context, code: str) -> str | None:
    """The member an invite letter's code was issued to: the code as printed, or the link
    its QR code holds (a scanner types the link: the token is its last part)."""
    for part in (code, *reversed(re.split(r"[=/?&#]", code.strip()))):
        token = typed_token(part)
        if token:
            return find_token_owner(ctx, token)
    return None


def quorum(ctx: Context, found: Stored, by_proxy: int = 0) -> Quorum:
    """The quorum by the meeting's rules; `by_proxy` members present by proxy."""
    rule = found.rules.quorum
    roll = sum(store.roll_sizes(ctx.db, found.meeting.id).values())
    there = store.attendance(ctx.db, found.meeting.id)["present"]
    counted = sum(n for how, n in there.items() if how in rule.counts)
    if "proxy" in rule.counts:
        counted += by_proxy
    return Quorum(rule.needed(roll), counted)


def summary(ctx: Context, meeting_id: str, by_proxy: int | None = None) -> dict[str, Any]:
    """RSVPs, attendance and the quorum, as `meeting show --json` adds them; present by
    proxy: members whose holder has checked in, or the chair's (unless `by_proxy` says)."""
    found = stored(ctx, meeting_id)
    if found is None:
        raise CheckInProblem(f"no meeting with id {meeting_id!r}")
    if by_proxy is None:
        by_proxy = proxies.present_by_proxy(ctx, meeting_id, store.present(ctx.db, meeting_id))
    counts = store.attendance(ctx.db, meeting_id)
    reached = quorum(ctx, found, by_proxy)
    opens, closes = window(found)
    return {
        "rsvp": {k: counts["rsvp"].get(k, 0) for k in (IN_PERSON, ONLINE, "no")},
        "present": {
            IN_PERSON: counts["present"].get(IN_PERSON, 0),
            ONLINE: counts["present"].get(ONLINE, 0),
            "proxy": by_proxy,
        },
        "quorum": {
            "needed": reached.needed,
            "present": reached.present,
            "reached": reached.reached,
        },
        "checkin_opens": opens.isoformat(),
        "checkin_closes": closes.isoformat(),
    }


def describe(shown: dict[str, Any]) -> list[str]:
    """RSVPs, attendance and the quorum in plain lines, for the command line."""
    rsvp, there, q = shown["rsvp"], shown["present"], shown["quorum"]
    return [
        f"Replies: {rsvp[IN_PERSON]:,} coming in person, {rsvp[ONLINE]:,} online, "
        f"{rsvp['no']:,} can't come.",
        f"Present: {there[IN_PERSON]:,} in person, {there[ONLINE]:,} online, "
        f"{there['proxy']:,} by proxy.",
        f"Quorum: {'reached' if q['reached'] else 'not reached'}: "
        f"{plural(q['present'], 'member')} counted of {q['needed']:,} needed.",
    ]


def here_options(found: Stored, _: Translator) -> list[Option]:
    """The check-in buttons: in the room only if there is a place, online only if a link."""
    options = []
    if found.meeting.place:
        options.append(Option(_("I'm in the room"), "meeting.here", f"{found.meeting.id}:p"))
    if found.meeting.online:
        options.append(Option(_("I'm online"), "meeting.here", f"{found.meeting.id}:o"))
    return options


def reminders(ctx: Context, now: datetime) -> Iterator[Message | Pause]:
    """At a meeting's start, once: to members who said they would come and have not
    checked in, the check-in buttons. At any hour: they asked to come."""
    for row in store.all_meetings(ctx.db):
        found = stored(ctx, row["meeting_id"])
        if found is None or not found.meeting.starts <= now < window(found)[1]:
            continue
        if store.sent(ctx.db, found.meeting.id, "checkin"):
            continue
        for member in store.coming(ctx.db, found.meeting.id):
            _ = i18n.for_row(ctx, member)
            yield Message(
                to=Recipient.of(member["member_id"]),
                title=_("Starting now: {title}").format(title=quoted(found.meeting.title)),
                text=_(CHECK_IN),
                choices=tuple(here_options(found, _)),
                key=f"meeting:{found.meeting.id}:checkin:{member['member_id']}",
                language=_.language,
            )
        yield PAUSE  # posted before it is noted: a run cut short sends the rest next time
        store.mark_sent(ctx.db, found.meeting.id, "checkin", now)


def jobs(ctx: Context) -> list[Job]:
    return [Job("meetings", reminders, description="check-in reminders as meetings start")]


def on_roll_now(ctx: Context, member_id: str) -> list[Stored]:
    """Meetings this member is on the roll of that are still to come or running (until
    check-in closes), soonest first."""
    now, found = ctx.now(), []
    for row in store.all_meetings(ctx.db):
        if parse(row["starts_at"]) + OPEN_FOR <= now:
            continue  # long over: not read again for every /help
        meeting = stored(ctx, row["meeting_id"])
        if (
            meeting is not None
            and now < window(meeting)[1]
            and store.on_roll(ctx.db, meeting.meeting.id, member_id)
        ):
            found.append(meeting)
    return found


def _open_meetings(ctx: Context, member_id: str) -> list[Stored]:
    """Meetings open for check-in now that this member is on the roll of."""
    now = ctx.now()
    return [found for found in on_roll_now(ctx, member_id) if is_open(found, now)]


def here_command(ctx: Context, event: Command) -> list[Message]:
    """/here: the member checks in to the meeting open now, in the room or online."""
    assert event.member is not None
    _ = i18n.for_event(ctx, event)
    meetings = _open_meetings(ctx, event.member.member_id)
    if not meetings:
        return [reply(event, _("There's no meeting you can check in to just now."))]
    options = [option for found in meetings for option in here_options(found, _)]
    titles = ", ".join(quoted(found.meeting.title) for found in meetings)
    text = _("Checking in to {title}: are you in the room or online?").format(title=titles)
    return [reply(event, text, choices=options)]


def on_here(ctx: Context, event: Choice) -> list[Message]:
    """A check-in button: the member is checked in as they say."""
    assert event.member is not None
    _ = i18n.for_event(ctx, event)
    meeting_id, _sep, letter = event.value.rpartition(":")
    found = stored(ctx, meeting_id)
    how = {"p": IN_PERSON, "o": ONLINE}.get(letter)
    if found is None or how is None:
        return [reply(event, _("That meeting is no longer on the calendar."))]
    title = quoted(found.meeting.title)
    try:
        new, kept = check_in(ctx, meeting_id, event.member.member_id, how, "self")
    except CheckInProblem:
        return [reply(event, _("There's no meeting you can check in to just now."))]
    return [reply(event, _(HERE[kept] if new else ALREADY).format(title=title), edit=True)]


def _applies(ctx: Context, event: Event) -> bool:
    return event.member is not None and bool(_open_meetings(ctx, event.member.member_id))


def register(router: Router) -> None:
    # Listed while the member can check in (router.menu); the notice and the reminder
    # at the start name it too.
    router.command(
        "here",
        N_("check in at the general meeting, in the room or online"),
        order=22,
        applies=_applies,
    )(here_command)
    router.action("meeting.here")(on_here)


def recorded_quorum(ctx: Context, meeting_id: str) -> dict[str, Any] | None:
    """The quorum as recorded at the meeting, for its declaration: None if nobody was
    checked in or present by proxy (a meeting whose attendance was not kept here)."""
    shown = summary(ctx, meeting_id)
    return shown["quorum"] if any(shown["present"].values()) else None
