"""A general meeting's notice to every member on its roll, and their replies (RSVPs) in chat.

The notice goes on each member's channel in their language and time zone, waits for
quiet hours to end, and has a stable outbox key per member, so giving it twice sends
nothing twice. Its buttons ("I'll come in person", "I'll join online", "I can't come")
record the member's reply, which they may change until the meeting starts. The notice
names its flow (`meeting:<id>`), so e-mail, which has no buttons, links to the member's
page, where `reply_to_notice` records the same reply the buttons do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.messages import Choice, Message, Option, Recipient, quoted, reply
from handlers.router import Router
from handlers.votes.state import when
from storage.meetings import queries as store
from surveys.meetings.definitions import Meeting
from surveys.rules import Rules, parse_rules

PAGE = 1000  # members of the roll read at a time
IN_PERSON, ONLINE, NO = "in-person", "online", "no"
# Button values stay short (Telegram allows 64 bytes of callback data).
CODES = {"p": IN_PERSON, "o": ONLINE, "n": NO}
LETTERS = {word: letter for letter, word in CODES.items()}
KINDS = {"ordinary": N_("ordinary resolution"), "special": N_("special resolution")}
ANSWERS = {
    IN_PERSON: N_("I'll come in person"),
    ONLINE: N_("I'll join online"),
    NO: N_("I can't come"),
}
THANKS = {
    IN_PERSON: N_("Thank you: we've noted you'll come in person to {title}."),
    ONLINE: N_("Thank you: we've noted you'll join {title} online."),
    NO: N_("Thank you for letting us know you can't come to {title}."),
}
CHANGE = N_("You can change your answer until the meeting starts.")
NOT_OFFERED = N_("Please choose one of the answers offered.")


@dataclass(frozen=True)
class Stored:
    """A meeting as it was created: its file and the rules it is run by."""

    meeting: Meeting
    rules: Rules
    row: dict


def stored(ctx: Context, meeting_id: str) -> Stored | None:
    row = store.get(ctx.db, meeting_id)
    if row is None:
        return None
    data = json.loads(row["definition"])
    rules = parse_rules(data["rules"], "the society's rules")
    return Stored(Meeting.from_dict(data["meeting"]), rules, row)


def offered(meeting: Meeting) -> tuple[str, ...]:
    """The answers the notice offers: in person only if there is a place, online only if
    a link."""
    return tuple(
        answer
        for answer, applies in ((IN_PERSON, meeting.place), (ONLINE, meeting.online), (NO, True))
        if applies
    )


def rsvp_options(meeting: Meeting, _: Translator) -> tuple[Option, ...]:
    """The reply buttons, one for each answer offered."""
    return tuple(
        Option(_(ANSWERS[answer]), "meeting.rsvp", f"{meeting.id}:{LETTERS[answer]}")
        for answer in offered(meeting)
    )


def flow_of(meeting_id: str) -> str:
    """The flow a meeting's messages name: the member's page link for it (`page_links`)."""
    return f"meeting:{meeting_id}"


def notice_key(meeting_id: str, member_id: str) -> str:
    return f"meeting:{meeting_id}:notice:{member_id}"


def details(ctx: Context, meeting: Meeting, zone: str | None, _: Translator) -> list[str]:
    """When, where and the agenda, as the notice gives them (and /meeting again)."""
    lines = [_("When: {when}").format(when=when(ctx, meeting.starts, zone, _))]
    if meeting.place:
        lines.append(_("Where: {place}").format(place=quoted(meeting.place)))
    if meeting.online:
        lines.append(_("Online: {link}").format(link=quoted(meeting.online)))
    lines += ["", _("Agenda:")]
    for number, item in enumerate(meeting.agenda, start=1):
        kind = f" ({_(KINDS[item.resolution])})" if item.resolution else ""
        lines.append(f"{number}. {quoted(item.title)}{kind}")
    return lines


def notice(ctx: Context, meeting: Meeting, row: dict, rules: Rules | None = None) -> Message:
    """The notice to one member (a roll row with their time zone and language); with the
    rules, it says how to appoint a proxy where they allow one."""
    _ = i18n.for_row(ctx, row)
    lines = [
        *details(ctx, meeting, row["timezone"], _),
        "",
        _("Will you come? Tap a button to tell us.") + " " + _(CHANGE),
    ]
    if rules is not None and rules.proxies.allowed:
        deadline = meeting.starts - timedelta(hours=rules.proxies.deadline_hours)
        lines.append(
            _(
                "If you can't come, someone can vote for you: send /proxy to appoint a "
                "proxy, by {date}."
            ).format(date=when(ctx, deadline, row["timezone"], _))
        )
    lines += [
        _("On the day, send /here when you arrive (or join online) to check in."),
        _("Send /meeting to see this notice again."),
    ]
    return Message(
        to=Recipient.of(row["member_id"]),
        title=_("Notice of a general meeting: {title}").format(title=quoted(meeting.title)),
        text="\n".join(lines),
        choices=rsvp_options(meeting, _),
        quiet_hours=True,
        key=notice_key(meeting.id, row["member_id"]),
        language=_.language,
        flow=flow_of(meeting.id),
    )


def notices(ctx: Context, meeting_id: str) -> Iterator[Message]:
    """The notice to every member on the roll, made as they are posted (read in pages)."""
    found = stored(ctx, meeting_id)
    if found is None:
        return
    after = ""
    while page := store.readers(ctx.db, meeting_id, after, PAGE):
        for row in page:
            yield notice(ctx, found.meeting, row, found.rules)
        after = page[-1]["member_id"]


def reply_to_notice(
    ctx: Context, found: Stored, member_id: str, answer: str, _: Translator
) -> tuple[bool, str]:
    """Record a member's reply to the notice (in chat or on their page): (True, thanks), or
    (False, why not) in plain words."""
    meeting = found.meeting
    title = quoted(meeting.title)
    if not store.on_roll(ctx.db, meeting.id, member_id):
        text = _("You're not on the roll of members for {title}, so there's no reply to give.")
        return False, text.format(title=title)
    if ctx.now() >= meeting.starts:
        text = _("{title} has started, so replies are closed. If you're there, send /here.")
        return False, text.format(title=title)
    if answer not in offered(meeting):
        return False, _(NOT_OFFERED)
    store.set_rsvp(ctx.db, meeting.id, member_id, answer, ctx.now())
    return True, _(THANKS[answer]).format(title=title) + " " + _(CHANGE)


def on_rsvp(ctx: Context, event: Choice) -> list[Message]:
    """A member's reply to the notice: recorded, or refused in plain words."""
    assert event.member is not None  # the router lets only members press it
    _ = i18n.for_event(ctx, event)
    meeting_id, _sep, letter = event.value.rpartition(":")
    found = stored(ctx, meeting_id)
    if found is None or letter not in CODES:
        return [reply(event, _("That meeting is no longer on the calendar."))]
    _done, text = reply_to_notice(ctx, found, event.member.member_id, CODES[letter], _)
    return [reply(event, text)]


def register(router: Router) -> None:
    router.action("meeting.rsvp")(on_rsvp)
