"""What the bot tells members unasked about a vote: it opened, a reminder, the result.

Every such message has a deterministic outbox key (vote, notice, member) and waits for
quiet hours to end. Reminders go only to eligible members who have not voted, and only
when it is not quiet hours where they are: each time zone's batch goes at the first tick
outside its quiet hours, before the vote closes, and is recorded so it goes once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.messages import Message, Option, Recipient
from handlers.quiet_hours import quiet_until
from handlers.vote_results import message_text
from handlers.vote_state import Vote, when
from storage import members
from storage import votes as store

HOW = {
    "resolution": N_("Vote For, Against or Abstain."),
    "single": N_("Choose one option."),
    "approval": N_("Choose every option you approve of."),
    "irv": N_("Rank the candidates in order of preference."),
    "stv": N_("Rank the candidates in order of preference."),
    "budget": N_("Choose the projects you'd like funded."),
}


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
        key=f"vote:{vote.id}:open:{row['member_id']}",
        language=_.language,
    )


def roll(ctx: Context, vote: Vote) -> list[dict]:
    """Eligible members (with their time zones), as fixed when the vote opened."""
    return store.eligible_members(
        ctx.db, vote.definition.constituencies, vote.opened_at or ctx.now()
    )


def announcements(ctx: Context, vote: Vote, eligible: list[dict]) -> Iterator[Message]:
    """One to each eligible member, made as they are posted (a big vote goes in parts)."""
    return (_announcement(ctx, vote, row) for row in eligible)


def reminders(ctx: Context, vote: Vote, now: datetime) -> list[Message]:
    """The latest reminder that has fallen due, to those who have not voted yet."""
    due = [h for h in vote.definition.reminder_hours if vote.closes_at - timedelta(hours=h) <= now]
    if not due or now >= vote.closes_at:
        return []
    hours = min(due)
    notice = f"remind:{hours}"
    done = store.notices(ctx.db, vote.id)
    if notice in done:
        return []
    voted = store.voted_members(ctx.db, vote.id)
    waiting = [row for row in roll(ctx, vote) if row["member_id"] not in voted]
    reachable = members.delivery_addresses(ctx.db, [row["member_id"] for row in waiting])
    zones: dict[str, list[dict]] = defaultdict(list)
    for row in waiting:
        if row["member_id"] in reachable:
            zones[row["timezone"] or ctx.policy.organisation.timezone].append(row)
    messages, pending = [], False
    for zone, group in sorted(zones.items()):
        batch = f"{notice}:{zone}"
        if batch in done:
            continue
        if quiet_until(now, zone, ctx.policy.quiet_hours, ctx.policy.organisation.timezone):
            pending = True
            continue
        store.mark_notice(ctx.db, vote.id, batch, now)
        messages += [_reminder(ctx, vote, row, hours) for row in group]
    if not pending:
        store.mark_notice(ctx.db, vote.id, notice, now)
    return messages


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
