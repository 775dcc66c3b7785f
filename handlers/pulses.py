"""Pulse surveys: short, regular check-ins whose results the council can trust.

`/pulse` starts or carries on any open check-in; buttons answer it (see
`pulse_answers`); rounds open, remind and close in `pulse_rounds`; results are in
`pulse_results`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from handlers import pulse_answers, pulse_definitions, pulse_results, pulse_rounds
from handlers import pulse_questions as q
from handlers.context import Context
from handlers.member_settings import PAUSED_NOTE, resume_button
from handlers.messages import Choice, Command, Member, Message, Recipient, reply
from handlers.router import OFFICER, Router
from handlers.schedule import Job
from handlers.shortcuts import run_command
from storage import members, pulses
from surveys.definitions import DefinitionError

DONE = (
    "You've answered the {title}: thank you! It is open until {closes}; the combined "
    "results are shared after that."
)
NOTHING_OPEN = (
    "There's no check-in open for you right now. When one starts, it will come to you here."
)
NEXT_ONE = "There's no check-in open for you right now. The next {title} starts on {day}; it will come to you here."


def pulse(ctx: Context, event: Command) -> Message:
    """Carry on with (or start) the member's oldest unfinished open round."""
    assert event.member is not None
    rounds = pulses.rounds_of_member(ctx.db, event.member.member_id, ctx.now())
    for round_row in rounds:
        if not round_row["finished"]:
            part = pulses.participant(ctx.db, round_row["id"], event.member.member_id)
            assert part is not None
            return pulse_answers.carry_on(ctx, event, round_row, part)
    if rounds:
        done = rounds[-1]
        return reply(event, DONE.format(title=done["title"], closes=q.closing_time(ctx, done)))
    row = members.get(ctx.db, event.member.member_id)
    if row and row["pulses_paused"]:
        return reply(event, PAUSED_NOTE, choices=(resume_button(),))
    group = event.member.constituency
    for round_row in pulses.open_rounds(ctx.db, ctx.now()):
        if group in pulse_rounds.definition_of(round_row).audience:
            return reply(event, pulse_answers.NOT_ASKED)
    return reply(event, _next_round(ctx, group))


def _next_round(ctx: Context, group: str) -> str:
    zone = ZoneInfo(ctx.policy.organisation.timezone)
    upcoming = []
    try:
        definitions = pulse_definitions.load(ctx)
    except DefinitionError:  # a file edited since start-up: the officer will hear of it
        definitions = {}
    for definition in definitions.values():
        if definition.schedule and group in definition.audience:
            cron = CronTrigger.from_crontab(definition.schedule, timezone=zone)
            when = cron.get_next_fire_time(None, ctx.now())
            if when is not None:
                upcoming.append((when, definition.title))
    if not upcoming:
        return NOTHING_OPEN
    when, title = min(upcoming)
    return NEXT_ONE.format(title=title, day=q.local_date(ctx, when))


def carry_on(ctx: Context, event: Choice) -> Message:
    """The "carry on" button (`pulse.go`, value: round id) other features may offer."""
    parsed = q.parse_value(event.value, 1)
    if parsed is None:
        return reply(event, pulse_answers.BROKEN)
    found = pulse_answers.round_for(ctx, event, parsed[0])
    if isinstance(found, Message):
        return found
    round_row, part = found
    if part["finished"]:
        return reply(
            event, DONE.format(title=round_row["title"], closes=q.closing_time(ctx, round_row))
        )
    return pulse_answers.carry_on(ctx, event, round_row, part)


def home_section(ctx: Context, member: Member) -> Message | None:
    """For the member's home (`handlers.home.SECTIONS`): a check-in waiting for them."""
    waiting = [
        r for r in pulses.rounds_of_member(ctx.db, member.member_id, ctx.now()) if not r["finished"]
    ]
    if not waiting:
        return None
    round_row = waiting[0]
    count = len(pulse_rounds.definition_of(round_row).questions)
    where = (
        f"You're on question {round_row['step'] + 1} of {count}."
        if round_row["step"]
        else f"{count} quick questions, a minute or two."
    )
    return Message(
        to=Recipient.of(member.member_id),
        title=round_row["title"],
        text=f"A check-in is open for you until {q.closing_time(ctx, round_row)}. {where}",
        choices=(run_command("Answer now", "pulse"),),
    )


def jobs(ctx: Context) -> list[Job]:
    return pulse_rounds.jobs(ctx)


def register(router: Router) -> None:
    router.command("pulse", "answer this week's check-in", order=10)(pulse)
    router.command("results", "pulse survey results", who=OFFICER, order=70)(
        pulse_results.results_command
    )
    router.action(q.ANSWER)(pulse_answers.answer)
    router.action(q.SKIP)(pulse_answers.skip)
    router.action(q.CARRY_ON)(carry_on)
    router.prompt(q.COMMENT)(pulse_answers.comment)
