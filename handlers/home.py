"""The member's home: who they are and what they can do now, at a glance.

Platforms show it their own way (Slack's App Home tab). Each section is built by one
function in `SECTIONS`; a feature adds its section (open surveys, open votes, tier)
by adding its builder there. A button may run a command (`run_command`), so a section
can offer a feature without knowing its actions, and the button only shows once that
feature's command is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.meetings import overview as meetings
from handlers.members.identity import first_name
from handlers.messages import Choice, Command, Member, Message, Option, Recipient
from handlers.pulses import chat as pulses
from handlers.router import ANYONE, Router
from handlers.shortcuts import RUN_COMMAND, run_command
from handlers.tiers import standing as tier_standing
from handlers.votes import state as vote_state
from storage.votes import queries as vote_store

Section = Callable[[Context, Member], Message | None]

NOT_ON_ROSTER = N_(
    "This is the member voice service of {org}. I couldn't find your account on the "
    "membership roster, so there is nothing to show you yet. If you're a member, ask your "
    "membership officer to check the roster has your work email address."
)


def who_you_are(ctx: Context, member: Member) -> Message:
    _ = i18n.for_member(ctx, member)
    org = i18n.organisation(ctx, _)
    return Message(
        to=Recipient.of(member.member_id),
        title=_("Hello, {name}").format(name=first_name(member)),
        text=_("You're a {constituency} member of {org}. Your voice shapes how it's run.").format(
            constituency=i18n.named(ctx, _, member.constituency), org=org
        ),
        choices=(Option(_("What can I do?"), "help.show"), Option(_("My privacy"), "help.privacy")),
    )


def suggest(ctx: Context, member: Member) -> Message:
    _ = i18n.for_member(ctx, member)
    return Message(
        to=Recipient.of(member.member_id),
        title=_("Got an idea?"),
        text=_(
            "Send it to the staff council. You can stay anonymous, and you'll hear what happens."
        ),
        choices=(run_command(_("Make a suggestion"), "suggest"),),
    )


def open_votes(ctx: Context, member: Member) -> Message | None:
    waiting = [
        vote
        for vote in vote_state.all_votes(ctx, vote_state.OPEN)
        if vote_state.ineligible_reason(ctx, vote, member) is None
        and not vote_store.has_voted(ctx.db, vote.id, member.member_id)
    ]
    if not waiting:
        return None
    _ = i18n.for_member(ctx, member)
    lines = [
        _("• {title}: open until {closes}").format(
            title=_.pick(v.title), closes=vote_state.when(ctx, v.closes_at, member.timezone, _)
        )
        for v in waiting
    ]
    return Message(
        to=Recipient.of(member.member_id),
        title=_("Votes open for you"),
        text="\n".join(lines),
        choices=(run_command(_("Vote now"), "vote"),),
    )


def your_rung(ctx: Context, member: Member) -> Message:
    _ = i18n.for_member(ctx, member)
    place = tier_standing.standing(ctx, member.member_id)
    text = _.pick(place.tier.promise)
    if place.next:
        text += " " + _("Next: {rung}.").format(rung=_.pick(place.next.name))
    return Message(
        to=Recipient.of(member.member_id),
        title=_("Your rung: {rung}").format(rung=_.pick(place.tier.name)),
        text=text,
        choices=(
            run_command(_("Where I stand"), "me"),
            run_command(_("Ways to get involved"), "tiers"),
        ),
    )


SECTIONS: tuple[Section, ...] = (
    who_you_are,
    pulses.home_section,
    open_votes,
    meetings.home_section,
    your_rung,
    suggest,
)


def summary(ctx: Context, member: Member | None, router: Router) -> list[Message]:
    """The home's sections for `member`; for a stranger, how to get in."""
    if member is None:
        _ = i18n.for_member(ctx, None)
        org = i18n.organisation(ctx, _)
        text = _(NOT_ON_ROSTER).format(org=org)
        return [Message(to=Recipient(), title=org, text=text)]
    sections = []
    for build in SECTIONS:
        message = build(ctx, member)
        if message is None:
            continue
        usable = tuple(o for o in message.choices if _usable(o, router))
        if message.choices and not usable:
            continue  # a section that only offered a feature not installed
        sections.append(replace(message, choices=usable))
    return sections


def _usable(option: Option, router: Router) -> bool:
    return option.action != RUN_COMMAND or option.value in router.commands


def register(router: Router) -> None:
    def run(ctx: Context, event: Choice) -> list[Message]:
        command = Command(event.sender, event.member, event.event_id, name=event.value)
        return router.dispatch(ctx, command)

    # The command itself decides who may use it.
    router.action(RUN_COMMAND, who=ANYONE)(run)
