"""What the bot tells members unasked about a vote: it opened, a reminder, the result.

Every such message has a deterministic outbox key (vote, notice, member) and waits for
quiet hours to end. Reminders go only to eligible members who have not voted, and only
when it is not quiet hours where they are: each time zone's batch goes at the first tick
outside its quiet hours, before the vote closes, and is recorded so it goes once.
Members who can be reached only after the vote opened (staff matched by e-mail later, a
tenant joining by invite later) are told it is open by a sweep every `SWEEP_EVERY`.

The roll (67,000 members) is never read at once: it is read in pages by member id as the
messages are posted, and where few of a page may be chosen (reminders, the sweep) the
work pauses after each page so that the bot answers members between them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.messages import Message, Option, Recipient
from handlers.quiet_hours import quiet_until
from handlers.schedule import PAUSE, Pause
from handlers.votes.results import message_text
from handlers.votes.state import Vote, roll_of, when
from storage.meetings import queries as meetings
from storage.votes import queries as store

HOW = {
    "resolution": N_("Vote For, Against or Abstain."),
    "single": N_("Choose one option."),
    "approval": N_("Choose every option you approve of."),
    "irv": N_("Rank the candidates in order of preference."),
    "stv": N_("Rank the candidates in order of preference."),
    "budget": N_("Choose the projects you'd like funded."),
}
PAGE = 1000  # members of the roll read at a time
SWEEP_EVERY = timedelta(minutes=10)  # how often to look for members reachable since the opening


def vote_now(vote: Vote, _: Translator) -> tuple[Option, ...]:
    return (Option(_("Vote now"), "vote.go", str(vote.short)),)


def _announcement(ctx: Context, vote: Vote, row: dict) -> Message:
    d, _ = vote.definition, i18n.for_row(ctx, row)
    lines = [
        _.pick(d.explanation),
        "",
        _("Voting is open until {closes}.").format(
            closes=when(ctx, vote.closes_at, row["timezone"], _)
        )
        + " "
        + _(HOW[d.method])
        + " "
        + _("It's a secret ballot: nobody can see how you voted."),
    ]
    if d.allow_change:
        lines[-1] += " " + _("You can change your vote until it closes.")
    return Message(
        to=Recipient.of(row["member_id"]),
        title=_("New vote: {title}").format(title=_.pick(vote.title)),
        text="\n".join(lines),
        choices=vote_now(vote, _),
        quiet_hours=True,
        flow=f"vote:{vote.id}",
        key=store.announcement_key(vote.id, row["member_id"]),
        language=_.language,
    )


def announcement(ctx: Context, vote: Vote, row: dict, quiet_hours: bool = True) -> Message:
    """The announcement to one member; without `quiet_hours` for a motion put to members
    in the room, who vote there and then at any hour."""
    return replace(_announcement(ctx, vote, row), quiet_hours=quiet_hours)


def roll(ctx: Context, vote: Vote) -> Iterator[dict]:
    """Eligible members (with their time zones), as fixed when the vote opened, read a
    page at a time."""
    on_roll = roll_of(ctx, vote, vote.opened_at or ctx.now())
    after = ""
    while page := store.eligible_members(ctx.db, after=after, limit=PAGE, **on_roll):
        yield from page
        after = page[-1]["member_id"]


def announcements(ctx: Context, vote: Vote) -> Iterator[Message]:
    """One to each eligible member, made as they are posted (a big vote goes in parts);
    they stop, at the next page, if the vote is cancelled meanwhile."""
    for number, row in enumerate(roll(ctx, vote)):
        if number % PAGE == 0 and (store.get(ctx.db, vote.id) or {}).get("status") != "open":
            return
        yield _announcement(ctx, vote, row)


def _waiting(ctx: Context, vote: Vote, unannounced: bool = False) -> Iterator[list[dict] | Pause]:
    """Pages of eligible members who can be reached and have not voted (with
    `unannounced`, only those never told it is open), each followed by a pause."""
    on_roll = roll_of(ctx, vote, vote.opened_at or ctx.now())
    after: str | None = ""
    while True:
        page, after = store.waiting_members(
            ctx.db, vote.id, after=after or "", limit=PAGE, unannounced=unannounced, **on_roll
        )
        if after is None:
            return
        yield page
        yield PAUSE


def sweep_due(vote: Vote, now: datetime) -> bool:
    """Whether to look again for members reachable since the opening."""
    return not vote.swept_at or now - vote.swept_at >= SWEEP_EVERY


def late_announcements(ctx: Context, vote: Vote) -> Iterator[Message | Pause]:
    """The announcement, to members on the roll (as it was when the vote opened) who can
    be reached now, have not voted and were never told: they joined the chat, or were
    matched, after it opened. Its outbox key is kept after housekeeping blanks its text,
    so nobody is told twice."""
    store.mark_swept(ctx.db, vote.id, ctx.now())
    if meetings.motion(ctx.db, vote.id):  # put to those in the room: nobody else is told
        return iter(())
    return _for_each(
        _waiting(ctx, vote, unannounced=True), lambda row: _announcement(ctx, vote, row)
    )


def _for_each(
    pages: Iterator[list[dict] | Pause], make: Callable[[dict], Message | None]
) -> Iterator[Message | Pause]:
    for page in pages:
        if isinstance(page, Pause):
            yield page
            continue
        for row in page:
            message = make(row)
            if message is not None:
                yield message


def reminders(ctx: Context, vote: Vote, now: datetime) -> Iterator[Message | Pause]:
    """The latest reminder that has fallen due, to those who have not voted yet."""
    due = [h for h in vote.definition.reminder_hours if vote.closes_at - timedelta(hours=h) <= now]
    if not due or now >= vote.closes_at:
        return
    hours = min(due)
    notice = f"remind:{hours}"
    done = store.notices(ctx.db, vote.id)
    if notice in done:
        return
    home = ctx.policy.organisation.timezone
    zones: dict[str, bool] = {}  # time zone -> whether its batch goes now
    pending = False

    def remind(row: dict) -> Message | None:
        nonlocal pending
        zone = row["timezone"] or home
        if zone not in zones:
            batch = f"{notice}:{zone}"
            quiet = quiet_until(now, zone, ctx.policy.quiet_hours, home)
            pending |= bool(quiet) and batch not in done
            zones[zone] = batch not in done and not quiet
            if zones[zone]:
                store.mark_notice(ctx.db, vote.id, batch, now)
        return _reminder(ctx, vote, row, hours) if zones[zone] else None

    yield from _for_each(_waiting(ctx, vote), remind)
    if not pending:
        store.mark_notice(ctx.db, vote.id, notice, now)


def _reminder(ctx: Context, vote: Vote, row: dict, hours: int) -> Message:
    _ = i18n.for_row(ctx, row)
    return Message(
        to=Recipient.of(row["member_id"]),
        title=_("Reminder: {title}").format(title=_.pick(vote.title)),
        text=_(
            "Voting closes {closes}, and you haven't voted yet. It takes a minute, and your "
            "vote is secret."
        ).format(closes=when(ctx, vote.closes_at, row["timezone"], _)),
        choices=vote_now(vote, _),
        quiet_hours=True,
        flow=f"vote:{vote.id}",
        key=f"vote:{vote.id}:remind:{hours}:{row['member_id']}",
        language=_.language,
    )


RECEIPTS = N_(
    "To check your own ballot was counted, send /receipt and the code you got when you voted."
)


def results(ctx: Context, vote: Vote, summary: dict, eligible: list[dict]) -> Iterator[Message]:
    """The result, to the staff council and every eligible member (made as posted).

    The council reads it in the organisation's language, each member in their own."""
    council = i18n.for_organisation(ctx)
    yield Message(
        Recipient.staff_council(),
        message_text(summary, council, officer_has_more=True),
        title=council("Result: {title}").format(title=council.pick(vote.title)),
        quiet_hours=True,
        key=f"vote:{vote.id}:result",
    )
    texts: dict[str, str] = {}  # one rendering per language, not per member
    for row in eligible:
        _ = i18n.for_row(ctx, row)
        if _.language not in texts:
            texts[_.language] = message_text(summary, _, officer_has_more=True)
        yield Message(
            to=Recipient.of(row["member_id"]),
            title=_("Result: {title}").format(title=_.pick(vote.title)),
            text=texts[_.language] + "\n\n" + _(RECEIPTS),
            quiet_hours=True,
            key=f"vote:{vote.id}:result:{row['member_id']}",
            language=_.language,
        )
