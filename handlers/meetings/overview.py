"""`/meeting`: the general meeting a member is on the roll of, with what they can do now;
and when the meeting commands are of use, so /help and the menus list them only then.

A member sees `/meeting` (and `/proxy`, `/nominate`, `/here` as each applies) while a
meeting they are on the roll of is still to come or running: the rest of the year their
menus stay as short as before (WhatsApp's list holds ten rows). `/meeting` shows the
notice again with their reply so far and the reply buttons, or the check-in buttons once
it has started, and buttons to their proxy and to nominations while those are open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.meetings import attendance
from handlers.meetings.nominate_chat import may_nominate
from handlers.meetings.notice import (
    CHANGE,
    IN_PERSON,
    NO,
    ONLINE,
    Stored,
    details,
    flow_of,
    rsvp_options,
)
from handlers.messages import Command, Event, Member, Message, Option, Recipient, quoted, reply
from handlers.router import Router
from handlers.shortcuts import run_command
from handlers.votes.state import when
from storage.meetings import proxies as proxy_store
from storage.meetings import queries as store

NONE_COMING = N_("There is no general meeting coming up for you.")
REPLIED = {
    IN_PERSON: N_("Your reply: you'll come in person."),
    ONLINE: N_("Your reply: you'll join online."),
    NO: N_("Your reply: you can't come."),
}


def _proxy_of_use(ctx: Context, found: Stored, member_id: str) -> bool:
    """/proxy is of use until the rules' deadline, where they allow proxies, and to a
    member holding others' proxies until the meeting ends (whom they hold)."""
    rule = found.rules.proxies
    deadline = found.meeting.starts - timedelta(hours=rule.deadline_hours)
    if rule.allowed and ctx.now() < deadline:
        return True
    return bool(proxy_store.held_by(ctx.db, found.meeting.id, "member", member_id))


def applies(ctx: Context, event: Event) -> bool:
    return event.member is not None and bool(attendance.on_roll_now(ctx, event.member.member_id))


def proxy_applies(ctx: Context, event: Event) -> bool:
    if event.member is None:
        return False
    member_id = event.member.member_id
    return any(_proxy_of_use(ctx, m, member_id) for m in attendance.on_roll_now(ctx, member_id))


def shown(ctx: Context, event: Event, found: Stored, _: Translator) -> Message:
    """One meeting as /meeting shows it to the sender."""
    assert event.member is not None
    member_id, meeting, now = event.member.member_id, found.meeting, ctx.now()
    lines = [*details(ctx, meeting, event.member.timezone, _), ""]
    answer = store.answer_of(ctx.db, meeting.id, member_id)
    title = quoted(meeting.title)
    choices: list[Option] = []
    if answer["present"]:
        lines.append(_(attendance.ALREADY).format(title=title))
    elif attendance.is_open(found, now):
        lines.append(_(attendance.CHECK_IN))
        choices += attendance.here_options(found, _)
    if now < meeting.starts:
        if answer["rsvp"] in REPLIED:
            lines.append(_(REPLIED[answer["rsvp"]]) + " " + _(CHANGE))
        else:
            lines.append(_("Will you come? Tap a button to tell us."))
        choices += rsvp_options(meeting, _)
    if _proxy_of_use(ctx, found, member_id):
        choices.append(run_command(_("Your proxy"), "proxy"))
    if meeting.id in may_nominate(ctx, member_id):
        choices.append(run_command(_("Stand for election"), "nominate"))
    answer_now = reply(event, "\n".join(lines), title=title, choices=choices)
    if now >= meeting.starts:
        return answer_now  # the page takes no check-in: SMS keeps its typed numbers
    # By e-mail, the member's page does what the reply buttons do.
    return replace(answer_now, flow=flow_of(meeting.id))


def home_section(ctx: Context, member: Member) -> Message | None:
    """For the member's home (`handlers.home.SECTIONS`, Slack's App Home): the meeting
    they are on the roll of, soonest first, with its buttons."""
    found = attendance.on_roll_now(ctx, member.member_id)
    if not found:
        return None
    _ = i18n.for_member(ctx, member)
    meeting = found[0].meeting
    lines = [_("When: {when}").format(when=when(ctx, meeting.starts, member.timezone, _))]
    rsvp = store.answer_of(ctx.db, meeting.id, member.member_id)["rsvp"]
    if rsvp in REPLIED and ctx.now() < meeting.starts:
        lines.append(_(REPLIED[rsvp]))
    choices = [run_command(_("The notice and my reply"), "meeting")]
    if _proxy_of_use(ctx, found[0], member.member_id):
        choices.append(run_command(_("Your proxy"), "proxy"))
    if meeting.id in may_nominate(ctx, member.member_id):
        choices.append(run_command(_("Stand for election"), "nominate"))
    return Message(
        to=Recipient.of(member.member_id),
        title=quoted(meeting.title),
        text="\n".join(lines),
        choices=tuple(choices),
    )


def meeting_command(ctx: Context, event: Command) -> list[Message]:
    assert event.member is not None
    _ = i18n.for_event(ctx, event)
    found = attendance.on_roll_now(ctx, event.member.member_id)
    if not found:
        return [reply(event, _(NONE_COMING))]
    return [shown(ctx, event, meeting, _) for meeting in found]


def register(router: Router) -> None:
    router.command(
        "meeting", N_("the general meeting: its notice and your reply"), order=21, applies=applies
    )(meeting_command)
