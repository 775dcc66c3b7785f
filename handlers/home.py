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

from handlers.context import Context
from handlers.identity import first_name
from handlers.messages import Choice, Command, Member, Message, Option, Recipient
from handlers.router import ANYONE, Router

Section = Callable[[Context, Member], Message | None]

RUN_COMMAND = "home.run"

NOT_ON_ROSTER = (
    "This is the member voice service of {org}. I couldn't find your account on the "
    "membership roster, so there is nothing to show you yet. If you're a member, ask your "
    "membership officer to check the roster has your work email address."
)


def run_command(label: str, command: str) -> Option:
    """A button that does what typing the command would."""
    return Option(label, RUN_COMMAND, command)


def who_you_are(ctx: Context, member: Member) -> Message:
    org = ctx.policy.organisation.name
    return Message(
        to=Recipient.of(member.member_id),
        title=f"Hello, {first_name(member)}",
        text=f"You're a {member.constituency} member of {org}. Your voice shapes how it's run.",
        choices=(Option("What can I do?", "help.show"), Option("My privacy", "help.privacy")),
    )


def suggest(ctx: Context, member: Member) -> Message:
    return Message(
        to=Recipient.of(member.member_id),
        title="Got an idea?",
        text="Send it to the staff council. You can stay anonymous, and you'll hear what happens.",
        choices=(run_command("Make a suggestion", "suggest"),),
    )


SECTIONS: tuple[Section, ...] = (who_you_are, suggest)


def summary(ctx: Context, member: Member | None, router: Router) -> list[Message]:
    """The home's sections for `member`; for a stranger, how to get in."""
    if member is None:
        org = ctx.policy.organisation.name
        return [Message(to=Recipient(), title=org, text=NOT_ON_ROSTER.format(org=org))]
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
