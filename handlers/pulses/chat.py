"""Pulse surveys: short, regular check-ins whose results the council can trust.

`/pulse` starts or carries on any open check-in; buttons answer it (see
`pulse_answers`); rounds open, remind and close in `pulse_rounds`; results are in
`pulse_results`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.members.settings import PAUSED_NOTE, resume_button
from handlers.messages import Choice, Command, Event, Member, Message, Recipient, Text, reply
from handlers.pulses import answers as pulse_answers
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import questions as q
from handlers.pulses import results as pulse_results
from handlers.pulses import rounds as pulse_rounds
from handlers.router import OFFICER, HandlerResult, Router
from handlers.schedule import Job
from handlers.shortcuts import run_command
from storage import members
from storage.pulses import queries as pulses
from surveys.pulses.definitions import DefinitionError
from surveys.pulses.questions import CommentQuestion

DONE = N_(
    "You've answered the {title}: thank you! It is open until {closes}; the combined "
    "results are shared after that."
)
NOTHING_OPEN = N_(
    "There's no check-in open for you right now. When one starts, it will come to you here."
)
NEXT_ONE = N_(
    "There's no check-in open for you right now. The next {title} starts on {day}; "
    "it will come to you here."
)


def _done(ctx: Context, round_row: dict, _: Translator) -> str:
    title = _.pick(pulse_rounds.definition_of(round_row).title)
    return _(DONE).format(title=title, closes=q.closing_time(ctx, round_row, _))


def pulse(ctx: Context, event: Command) -> Message:
    """Carry on with (or start) the member's oldest unfinished open round."""
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    rounds = pulses.rounds_of_member(ctx.db, event.member.member_id, ctx.now())
    for round_row in rounds:
        if not round_row["finished"]:
            part = pulses.participant(ctx.db, round_row["id"], event.member.member_id)
            assert part is not None
            return pulse_answers.carry_on(ctx, event, round_row, part)
    if rounds:
        return reply(event, _done(ctx, rounds[-1], _))
    row = members.get(ctx.db, event.member.member_id)
    if row and row["pulses_paused"]:
        return reply(event, _(PAUSED_NOTE), choices=(resume_button(_),))
    group = event.member.constituency
    for round_row in pulses.open_rounds(ctx.db, ctx.now()):
        if group in pulse_rounds.definition_of(round_row).audience:
            return reply(event, _(pulse_answers.NOT_ASKED))
    return reply(event, _next_round(ctx, group, _))


def _next_round(ctx: Context, group: str, _: Translator) -> str:
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
                upcoming.append((when, _.pick(definition.title)))
    if not upcoming:
        return _(NOTHING_OPEN)
    when, title = min(upcoming)
    return _(NEXT_ONE).format(title=title, day=q.local_date(ctx, when, _))


def _unfinished(ctx: Context, member: Member) -> tuple[dict, dict] | None:
    """The member's oldest unfinished open round and their place in it."""
    for round_row in pulses.rounds_of_member(ctx.db, member.member_id, ctx.now()):
        if not round_row["finished"]:
            part = pulses.participant(ctx.db, round_row["id"], member.member_id)
            if part is not None:
                return round_row, part
    return None


def waiting(ctx: Context, event: Event) -> Message | None:
    """The check-in question waiting for this member, asked again (for the router)."""
    found = _unfinished(ctx, event.member) if event.member else None
    return pulse_answers.carry_on(ctx, event, *found) if found else None


def typed(ctx: Context, event: Text) -> HandlerResult:
    """A choice's words typed instead of tapped ("agree"): the same answer as the tap."""
    found = _unfinished(ctx, event.member) if event.member else None
    if found is None:
        return None
    round_row, part = found
    definition = pulse_rounds.definition_of(round_row)
    question = definition.questions[part["step"]]
    if isinstance(question, CommentQuestion):
        return None  # its answer is a prompt's, routed before this
    said = " ".join(event.text.split()).casefold()
    for option in q.buttons(
        round_row["id"], part["step"], question, i18n.for_member(ctx, event.member)
    ):
        if option.label.casefold() == said:
            tap = Choice(
                event.sender,
                event.member,
                event.event_id,
                action=option.action,
                value=option.value,
                message_ref=None,
            )
            return (pulse_answers.skip if option.action == q.SKIP else pulse_answers.answer)(
                ctx, tap
            )
    return None


def carry_on(ctx: Context, event: Choice) -> Message:
    """The "carry on" button (`pulse.go`, value: round id) other features may offer."""
    _ = i18n.for_member(ctx, event.member)
    parsed = q.parse_value(event.value, 1)
    if parsed is None:
        return reply(event, _(pulse_answers.BROKEN))
    found = pulse_answers.round_for(ctx, event, parsed[0])
    if isinstance(found, Message):
        return found
    round_row, part = found
    if part["finished"]:
        return reply(event, _done(ctx, round_row, _))
    return pulse_answers.carry_on(ctx, event, round_row, part)


def home_section(ctx: Context, member: Member) -> Message | None:
    """For the member's home (`handlers.home.SECTIONS`): a check-in waiting for them."""
    waiting = [
        r for r in pulses.rounds_of_member(ctx.db, member.member_id, ctx.now()) if not r["finished"]
    ]
    if not waiting:
        return None
    _ = i18n.for_member(ctx, member)
    round_row = waiting[0]
    definition = pulse_rounds.definition_of(round_row)
    count = len(definition.questions)
    where = (
        _("You're on question {number} of {count}.").format(
            number=round_row["step"] + 1, count=count
        )
        if round_row["step"]
        else _.ngettext(
            "{count} quick question, a minute or two.",
            "{count} quick questions, a minute or two.",
            count,
        ).format(count=count)
    )
    closes = q.closing_time(ctx, round_row, _)
    return Message(
        to=Recipient.of(member.member_id),
        title=_.pick(definition.title),
        text=_("A check-in is open for you until {closes}.").format(closes=closes) + " " + where,
        choices=(run_command(_("Answer now"), "pulse"),),
        flow=q.flow(round_row["id"]),
    )


def jobs(ctx: Context) -> list[Job]:
    return pulse_rounds.jobs(ctx)


def register(router: Router) -> None:
    router.command("pulse", N_("answer this week's check-in"), order=10)(pulse)
    router.command("results", "pulse survey results", who=OFFICER, order=70)(
        pulse_results.results_command
    )
    router.action(q.ANSWER)(pulse_answers.answer)
    router.action(q.SKIP)(pulse_answers.skip)
    router.action(q.CARRY_ON)(carry_on)
    router.waiting(waiting)
    router.typed(typed)
    router.prompt(q.COMMENT)(pulse_answers.comment)
