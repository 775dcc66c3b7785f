"""Rounds of a pulse survey: open, invite, remind, close.

A round opens on its survey's schedule (one cron job per scheduled survey) or by hand
(`mutual-voice survey send`). A tick every ~30 s closes rounds that are due; every
`SWEEP_EVERY` it also invites members who joined after the round opened and, once the
reminder is due, reminds those who have not finished. Every message has a key made of
round, kind and member, so however often this runs, and whoever else queued it,
nothing is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial

from handlers import closes, i18n
from handlers.channels import by_channel
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Message, Recipient
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import questions as pulse_questions
from handlers.schedule import CHECKPOINT, HELD, PAUSE, Job, Pause, Rebuild
from storage import close_leases, secrecy
from storage.pulses import queries as pulses
from storage.timestamps import parse
from surveys.anonymity import new_round_secret, noted_languages
from surveys.pulses.questions import SurveyDefinition

log = logging.getLogger(__name__)

# How often a tick looks again for members to invite (late joiners) or remind.
SWEEP_EVERY = timedelta(minutes=10)
PAGE = 1000  # members read at a time when inviting or reminding
REMINDER = N_("A gentle reminder: the {title} is open until {closes}. It takes a minute or two.")


def open_round(
    ctx: Context,
    definition: SurveyDefinition,
    opened_by: str,
    scheduled_for: datetime | None = None,
    whole: bool = True,
) -> dict | None:
    """Open a round now (None if this scheduled time was already opened); with `whole`
    False its roll is taken afterwards, in parts (`enrolling`)."""
    now = ctx.now()
    reminder = definition.reminder_hours
    round_row = pulses.create_round(
        ctx.db,
        survey_id=definition.id,
        title=definition.title,
        anonymous=definition.anonymous,
        definition=pulse_definitions.to_json(definition),
        audience=definition.audience,
        opened_by=opened_by,
        opened_at=now,
        closes_at=now + timedelta(hours=definition.open_hours),
        remind_at=now + timedelta(hours=reminder) if reminder else None,
        secret=new_round_secret(),
        scheduled_for=scheduled_for,
        whole=whole,
    )
    if round_row is not None:
        log.info("opened round %d of %s", round_row["number"], definition.id)
    return round_row


def definition_of(round_row: dict) -> SurveyDefinition:
    return pulse_definitions.from_json(round_row["definition"])


def is_open(ctx: Context, round_row: dict) -> bool:
    closing = round_row["closing_at"] or round_row["closed_at"]
    return not closing and ctx.now() < parse(round_row["closes_at"])


def _paged(fetch: Callable[[str, int], list[dict]]) -> Iterator[dict]:
    """Rows by member id, a page at a time, so a round of 67,000 is never read at once."""
    after = ""
    while page := fetch(after, PAGE):
        yield from page
        after = page[-1]["member_id"]


def _asking(
    ctx: Context, round_row: dict, kind: str, rows: Iterable[dict], lead: str = ""
) -> Iterator[Message]:
    """Unrequested messages (they wait out quiet hours) asking each member their question
    in their language, made as they are posted: a round for 67,000 members is sent in parts.

    `lead` (a catalogue message) comes before the question."""
    definition = definition_of(round_row)
    # The same for everyone at the same step in the same language: build it once.
    fields: dict[tuple[int, str], dict] = {}
    for row in rows:
        _ = i18n.for_row(ctx, row)
        step = (row["step"], _.language)
        if step not in fields:
            said = _(lead).format(
                title=_.pick(definition.title),
                closes=pulse_questions.closing_time(ctx, round_row, _),
            )
            fields[step] = pulse_questions.ask(ctx, round_row, definition, row["step"], _, said)
        yield Message(
            to=Recipient.of(row["member_id"]),
            key=pulse_questions.key(round_row["id"], kind, row["member_id"]),
            quiet_hours=True,
            **fields[step],
        )


def enrolling(ctx: Context, round_row: dict) -> Iterator[Pause]:
    """Take the rest of a round's roll, a part at a time (67,000 members at once would
    hold up members' messages)."""
    while not pulses.enrol_more(ctx.db, round_row["id"]):
        yield PAUSE


def invitations(ctx: Context, round_row: dict) -> Iterator[Message]:
    """Invitations for everyone reachable who has none yet (late joiners too)."""
    pulses.mark_swept(ctx.db, round_row["id"], "invited_at", ctx.now())
    pages = _paged(
        lambda after, limit: pulses.due_invitations(ctx.db, round_row["id"], after, limit)
    )
    return _asking(ctx, round_row, "invite", pages)


def reminders(ctx: Context, round_row: dict) -> Iterator[Message]:
    """The one reminder, carrying the member's current question, to those not finished."""
    pulses.mark_swept(ctx.db, round_row["id"], "reminded_at", ctx.now())
    remind_at = parse(round_row["remind_at"])
    due = _paged(
        lambda after, limit: pulses.due_reminders(ctx.db, round_row["id"], remind_at, after, limit)
    )
    return _asking(ctx, round_row, "remind", due, REMINDER)


def _due(round_row: dict, column: str, now: datetime) -> bool:
    """Whether to look again: never looked, or not for SWEEP_EVERY (a crash between
    looking and posting is made good then; members who join meanwhile are invited)."""
    last = round_row[column]
    return last is None or now - parse(last) >= SWEEP_EVERY


def noted(ctx: Context) -> pulses.NotedLanguages:
    """The comment languages the council may see noted (kept at close, the rest forgotten)."""
    threshold = ctx.policy.privacy.anonymity_threshold
    return lambda writers: noted_languages(writers, threshold)


def close(ctx: Context, round_row: dict) -> bool:
    """Close a round all at once (the command line, the console); whether it is closed
    (not if another process is closing it right now: it finishes)."""
    for item in closing(ctx, round_row):
        if isinstance(item, Pause) and item.checkpoint:
            secrecy.checkpoint(ctx.db)
    found = pulses.get_round(ctx.db, round_row["id"])
    return bool(found and found["closed_at"])


def closing(ctx: Context, round_row: dict) -> Iterator[Message | Pause]:
    """Close a round in parts, pausing between them so that members' messages go on
    being answered while a round of 67,000 closes; the write-ahead log is emptied after.
    Nothing is done if another process is closing it (until it has been quiet for
    close_leases.QUIET: then it was stopped, and this carries on)."""
    round_id, now = round_row["id"], ctx.now()
    if not close_leases.claim(ctx.db, "pulse_rounds", round_id, now, now - close_leases.QUIET):
        log.info(
            "round %d of %s is being closed elsewhere", round_row["number"], round_row["survey_id"]
        )
        return
    threshold = ctx.policy.privacy.anonymity_threshold
    parts = pulses.close_in_parts(
        ctx.db, round_id, now, noted(ctx), threshold, partial(by_channel, ctx)
    )
    what = f"round {round_row['number']} of {round_row['survey_id']}"
    rewritten = yield from closes.run_parts(ctx, "pulse_rounds", round_id, what, parts)
    if not rewritten:  # closed already, or it cannot go on (the council is told)
        return
    rebuilt = Rebuild(why=HELD.format(what=f"{what}'s results"))
    yield rebuilt
    if not rebuilt.done(lambda: secrecy.rebuild_file(ctx.db.conn, secrecy.PATIENCE)):
        close_leases.release(ctx.db, "pulse_rounds", round_id)  # the next tick tries again
        return
    if pulses.mark_closed(ctx.db, round_id):
        log.info("closed %s", what)
    yield CHECKPOINT  # the log keeps nothing, not even the mark


def tick(ctx: Context, now: datetime) -> Iterator[Message | Pause]:
    """Close what is due; invite late joiners; remind those not finished. Idempotent."""
    for round_row in pulses.unclosed_rounds(ctx.db):
        if round_row["closing_at"] or now >= parse(round_row["closes_at"]):
            yield from closing(ctx, round_row)  # or carry on with a close cut short
            continue
        if round_row["enrolling"]:  # opening was cut short: take the rest of the roll
            yield from enrolling(ctx, round_row)
        if round_row["enrolling"] or _due(round_row, "invited_at", now):
            yield from invitations(ctx, round_row)
        remind_at = round_row["remind_at"]
        if remind_at and now >= parse(remind_at) and _due(round_row, "reminded_at", now):
            log.info("round %d of %s: reminding", round_row["number"], round_row["survey_id"])
            yield from reminders(ctx, round_row)


def scheduled(definition: SurveyDefinition) -> Job:
    def run(ctx: Context, due: datetime) -> Iterator[Message | Pause]:
        earlier = pulses.latest_round(ctx.db, definition.id)
        replaced = earlier is not None and not earlier["closed_at"]
        if replaced:
            # A new round replaces the one before: it stops in the transaction that opens
            # the new one, and is closed in parts after the invitations (or by the tick).
            threshold = ctx.policy.privacy.anonymity_threshold
            pulses.stop_answers(
                ctx.db, earlier["id"], ctx.now(), noted(ctx), threshold, partial(by_channel, ctx)
            )
        round_row = open_round(ctx, definition, "schedule", scheduled_for=due, whole=False)
        if round_row:
            yield from enrolling(ctx, round_row)
            yield from invitations(ctx, round_row)
        if replaced:
            yield from closing(ctx, earlier)

    return Job(
        f"survey:{definition.id}",
        run,
        cron=definition.schedule,
        description=f"open a round of {definition.title}",
    )


def jobs(ctx: Context) -> list[Job]:
    found = [Job("pulses:tick", tick, description="close pulse rounds, send reminders")]
    for definition in pulse_definitions.load(ctx).values():
        if definition.schedule:
            found.append(scheduled(definition))
    return found
