"""Nominations in chat: `/nominate`, the seat, the statement, the seconder's Yes or No,
withdrawing; and the tick that closes nomination periods on time.

A statement over the rules' `statement_words` is refused kindly, saying how many words
it has. Where the rules ask for a seconder, the member types the seconder's name (or
membership number); the seconder gets the statement with Yes and No buttons.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.meetings.nominations import (
    Stored,
    due_work,
    may_stand,
    stored,
    words,
)
from handlers.messages import (
    Choice,
    Command,
    Event,
    Message,
    Option,
    Recipient,
    Text,
    quoted,
    reply,
)
from handlers.router import Router
from handlers.schedule import Job
from handlers.votes.state import when
from storage.meetings import nominations as store
from storage.timestamps import parse

NONE_OPEN = N_("There are no nominations open for you at the moment.")
GONE = N_("Nominations for this seat have closed, or that nomination has changed.")
STANDING = ("draft", "awaiting-seconder", "nominated", "confirmed")


def _open_for(ctx: Context, member_id: str) -> list[tuple[Stored, dict]]:
    """The meetings whose nominations are open now, with a seat this member may stand for."""
    found = []
    for period in store.open_periods(ctx.db, ctx.now()):
        meeting = stored(ctx, period["meeting_id"])
        if any(may_stand(ctx, s, meeting.meeting.id, member_id) for s in meeting.meeting.seats):
            found.append((meeting, period))
    return found


def may_nominate(ctx: Context, member_id: str) -> set[str]:
    """The meetings whose nominations are open now for this member to stand in."""
    return {meeting.meeting.id for meeting, _period in _open_for(ctx, member_id)}


def _applies(ctx: Context, event: Event) -> bool:
    return event.member is not None and bool(_open_for(ctx, event.member.member_id))


def nominate_command(ctx: Context, event: Command | Choice) -> Message:
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    me = event.member.member_id
    lines, buttons = [], []
    for meeting, period in _open_for(ctx, me):
        m = meeting.meeting
        closes = when(ctx, parse(period["closes_at"]), event.member.timezone, _)
        lines.append(
            _("Nominations for {meeting} are open until {closes}.").format(
                meeting=m.title, closes=closes
            )
        )
        mine = {n["seat_id"]: n for n in store.of_member(ctx.db, m.id, me)}
        for index, seat in enumerate(m.seats):
            nomination = mine.get(seat.id)
            if nomination and nomination["status"] in STANDING:
                lines.append(_("• {seat}: you are standing.").format(seat=seat.title))
                label = _("Withdraw: {seat}").format(seat=seat.title)
                buttons.append(Option(label, "nom.wd", str(nomination["nomination_id"])))
            elif may_stand(ctx, seat, m.id, me):
                label = _("Stand: {seat}").format(seat=seat.title)
                # The seat by its place in the file: ids could outgrow Telegram's 64 bytes.
                buttons.append(Option(label, "nom.seat", f"{m.id}#{index}"))
    if not lines:
        return reply(event, _(NONE_OPEN))
    lines.append(
        _("Choose a seat to stand for; you'll write a short statement for members to read.")
    )
    return reply(event, "\n".join(lines), choices=buttons)


def _seat_of(ctx: Context, value: str, member_id: str):
    """(meeting, seat) for a button's or prompt's `meeting/seat`, if its nominations are
    open and the member may stand for it."""
    meeting_id, _slash, seat_id = value.replace("#", "/#").partition("/")
    period = store.period(ctx.db, meeting_id)
    if period is None or period["closed_at"] or parse(period["closes_at"]) <= ctx.now():
        return None
    meeting = stored(ctx, meeting_id)
    seats = meeting.meeting.seats
    if seat_id.startswith("#"):
        index = int(seat_id[1:])
        seat_id = seats[index].id if index < len(seats) else ""
    seat = meeting.meeting.seat(seat_id)
    if seat is None or not may_stand(ctx, seat, meeting_id, member_id):
        return None
    if any(
        n["seat_id"] == seat_id and n["status"] in STANDING[1:]
        for n in store.of_member(ctx.db, meeting_id, member_id)
    ):
        return None  # already standing (an old button pressed again)
    return meeting, seat


def _seat_open(ctx: Context, nomination: dict):
    """(meeting, seat) of a nomination while its nominations are open, else None."""
    period = store.period(ctx.db, nomination["meeting_id"])
    if period is None or period["closed_at"] or parse(period["closes_at"]) <= ctx.now():
        return None
    meeting = stored(ctx, nomination["meeting_id"])
    seat = meeting.meeting.seat(nomination["seat_id"])
    return None if seat is None else (meeting, seat)


def _ask_statement(_: i18n.Translator, meeting: Stored, seat, again: str = "") -> str:
    ask = _(
        "Please write your statement for {seat}: who you are and why you're standing, in up "
        "to {limit} words. Members read it with the ballot."
    ).format(seat=seat.title, limit=meeting.rules.nominations.statement_words)
    return f"{again}\n\n{ask}" if again else ask


def on_seat(ctx: Context, event: Choice) -> Message:
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    found = _seat_of(ctx, event.value, event.member.member_id)
    if found is None:
        return reply(event, _(GONE))
    meeting, seat = found
    return reply(
        event, _ask_statement(_, meeting, seat), prompt=f"nom.text:{meeting.meeting.id}/{seat.id}"
    )


def on_statement(ctx: Context, event: Text) -> Message:
    assert event.member is not None and event.reply_to is not None
    _ = i18n.for_member(ctx, event.member)
    value = event.reply_to.split(":", 1)[1]
    found = _seat_of(ctx, value, event.member.member_id)
    if found is None:
        return reply(event, _(GONE))
    meeting, seat = found
    statement = event.text.strip()
    limit = meeting.rules.nominations.statement_words
    count = words(statement)
    if not count:
        return reply(event, _ask_statement(_, meeting, seat), prompt=event.reply_to)
    if count > limit:
        too_long = _.ngettext(
            "Thank you. Your statement has {n} word, and the society's rules allow up to {limit}.",
            "Thank you. Your statement has {n} words, and the society's rules allow up to {limit}.",
            count,
        ).format(n=count, limit=limit)
        shorter = _("Please shorten it a little and send it again.")
        return reply(event, f"{too_long} {shorter}", prompt=event.reply_to)
    m = meeting.meeting
    needs_seconder = meeting.rules.nominations.seconder
    nomination = store.save_statement(
        ctx.db,
        m.id,
        seat.id,
        event.member.member_id,
        statement,
        "draft" if needs_seconder else "nominated",
        ctx.now(),
    )
    if needs_seconder:
        return reply(
            event,
            _(
                "Thank you. The society's rules ask for a seconder: another member who "
                "supports your nomination. Please type their full name, or their membership "
                "number."
            ),
            prompt=f"nom.who:{nomination}",
        )
    return reply(event, _nominated(_, m.title, seat.title))


def _nominated(_: i18n.Translator, meeting: str, seat: str) -> str:
    return _(
        "Your nomination for {seat} is in. The returning officer confirms the candidates "
        "after nominations close. To withdraw, type /nominate."
    ).format(seat=seat, meeting=meeting)


def on_seconder_named(ctx: Context, event: Text) -> list[Message]:
    assert event.member is not None and event.reply_to is not None
    _ = i18n.for_member(ctx, event.member)
    nomination = store.get(ctx.db, int(event.reply_to.split(":", 1)[1]))
    if nomination is None or nomination["member_id"] != event.member.member_id:
        return [reply(event, _(GONE))]
    found = _seat_open(ctx, nomination)
    if found is None or nomination["status"] != "draft":
        return [reply(event, _(GONE))]
    meeting, seat = found
    typed = event.text.strip()
    named = [
        row
        for row in store.roll_named(ctx.db, meeting.meeting.id, typed)
        if not seat.constituencies or row["constituency"] in seat.constituencies
    ]
    if len(named) != 1 or named[0]["member_id"] == event.member.member_id:
        if named and named[0]["member_id"] == event.member.member_id:
            problem = _("You can't second your own nomination: please name another member.")
        elif named:
            problem = _("More than one member has that name: please type their membership number.")
        else:
            problem = _(
                "I can't find a member of that name who can vote for this seat. Please type "
                "their full name as the society has it, or their membership number."
            )
        return [reply(event, problem, prompt=event.reply_to)]
    seconder = named[0]
    if not store.ask_seconder(
        ctx.db, nomination["nomination_id"], seconder["member_id"], ctx.now()
    ):
        return [reply(event, _(GONE))]
    theirs = i18n.for_member_id(ctx, seconder["member_id"])
    ask = Message(
        Recipient.of(seconder["member_id"]),
        theirs(
            "{name} is standing for {seat} at {meeting} and has named you as their seconder. "
            "Their statement:"
        ).format(name=quoted(event.member.name), seat=seat.title, meeting=meeting.meeting.title)
        + f"\n\n{quoted(nomination['statement'])}\n\n"
        + theirs("Do you second this nomination?"),
        title=theirs("Will you second a nomination?"),
        choices=(
            Option(theirs("Yes, I second it"), "nom.second", f"{nomination['nomination_id']}:yes"),
            Option(theirs("No"), "nom.second", f"{nomination['nomination_id']}:no"),
        ),
        key=f"nominations:{nomination['nomination_id']}:second:{seconder['member_id']}:{ctx.now().isoformat()}",
        quiet_hours=True,
        language=theirs.language,
    )
    told = reply(
        event,
        _(
            "Thank you. I've asked {name} to second your nomination, and I'll tell you when "
            "they answer."
        ).format(name=quoted(seconder["name"])),
    )
    return [told, ask]


def on_second(ctx: Context, event: Choice) -> list[Message]:
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    number, _colon, answer = event.value.partition(":")
    nomination = store.get(ctx.db, int(number))
    if nomination is None or nomination["seconder_id"] != event.member.member_id:
        return [reply(event, _(GONE), edit=True)]
    found = _seat_open(ctx, nomination)
    yes = answer == "yes"
    if found is None or not store.answer_seconder(
        ctx.db, nomination["nomination_id"], event.member.member_id, yes, ctx.now()
    ):
        return [reply(event, _(GONE), edit=True)]
    meeting, seat = found
    nominee = i18n.for_member_id(ctx, nomination["member_id"])
    if yes:
        text = (
            nominee("{name} has seconded your nomination.").format(name=quoted(event.member.name))
            + " "
            + _nominated(nominee, meeting.meeting.title, seat.title)
        )
    else:
        text = nominee(
            "{name} has decided not to second your nomination for {seat}. You can name "
            "another seconder: type /nominate and choose the seat again."
        ).format(name=quoted(event.member.name), seat=seat.title)
    told = Message(
        Recipient.of(nomination["member_id"]),
        text,
        title=nominee("Your nomination"),
        quiet_hours=True,
        key=f"nominations:{nomination['nomination_id']}:answer:{ctx.now().isoformat()}",
        language=nominee.language,
    )
    thanks = (
        _("Thank you: you've seconded the nomination.")
        if yes
        else _("Thank you: you've said no, and I've let them know.")
    )
    return [reply(event, thanks, edit=True), told]


def on_withdraw(ctx: Context, event: Choice) -> Message:
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    nomination = store.get(ctx.db, int(event.value))
    if nomination is None or nomination["member_id"] != event.member.member_id:
        return reply(event, _(GONE))
    found = _seat_open(ctx, nomination)
    if found is None or not store.move(
        ctx.db, nomination["nomination_id"], STANDING, "withdrawn", ctx.now()
    ):
        return reply(event, _(GONE))
    return reply(
        event,
        _("You've withdrawn your nomination for {seat}.").format(seat=found[1].title),
        edit=True,
    )


def tick(ctx: Context, now: datetime) -> Iterator[Message]:
    yield from due_work(ctx, now)


def jobs(ctx: Context) -> list[Job]:
    return [Job("nominations", tick, description="close nominations for a meeting's seats on time")]


def register(router: Router) -> None:
    # Listed (router.menu) only while nominations are open for the member: a few weeks
    # a year. Members also learn of /nominate (and get a button) when they open.
    router.command(
        "nominate", N_("stand for election at the general meeting"), order=24, applies=_applies
    )(nominate_command)
    router.action("nom.start")(nominate_command)
    router.action("nom.seat")(on_seat)
    router.action("nom.second")(on_second)
    router.action("nom.wd")(on_withdraw)
    router.prompt("nom.text")(on_statement)
    router.prompt("nom.who")(on_seconder_named)
