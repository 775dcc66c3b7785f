"""Cancelling a vote created by mistake, before it closes.

A scheduled or open vote becomes `cancelled`, once (compare-and-set on its status, like
opening and closing): nothing is counted, its ballots and the record of who voted are
deleted, and announcements or reminders still waiting in the outbox (held by quiet hours,
say) are withdrawn. Members who were told it was open are told, in their own language,
that it is cancelled and why; the council is told too. It never opens, closes or counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.meetings import proxies
from handlers.messages import Message, Recipient
from handlers.votes.admin import VoteError
from handlers.votes.state import OPEN, SCHEDULED, Vote, load
from storage import audit, secrecy
from storage.meetings import paper as paper_entries
from storage.votes import queries as store
from surveys.wording import plural

log = logging.getLogger(__name__)

MAX_REASON = 300
PAGE = 1000  # members read at a time when telling those who were told it was open
TITLE = N_("Cancelled: {title}")
TEXT = N_("This vote has been cancelled, so no votes will be counted. The reason given: {reason}")


class ReasonError(VoteError):
    """The reason given cannot be used; the message says how to change it."""


def cancel_vote(ctx: Context, vote_id: str, reason: str, actor: str) -> list[Message]:
    """Cancel a scheduled or open vote; returns the messages saying so (see the module)."""
    reason = " ".join(reason.split())
    vote = load(ctx, vote_id)
    if vote is None:
        raise VoteError(f"no vote with id {vote_id!r} (see: mutual-voice vote list)")
    if vote.status not in (SCHEDULED, OPEN):
        raise VoteError(
            f"{vote_id} is {vote.status}: only a scheduled or open vote can be cancelled"
        )
    if not reason:
        raise ReasonError("give a reason: members who were told about the vote are told it")
    if len(reason) > MAX_REASON:
        raise ReasonError(f"keep the reason to {MAX_REASON} characters (it has {len(reason)})")
    now = ctx.now()
    with ctx.db.atomic():
        voted = store.mark_cancelled(ctx.db, vote_id, now, reason)
        if voted is None:  # opened or closed a moment ago by the bot's tick: say so
            raise VoteError(f"{vote_id} has just changed; look again with: mutual-voice vote list")
        paper_entries.forget_vote(ctx.db, vote_id)  # tellers' rows naming its voters
        proxies.forget_instructions(ctx, vote_id)
        audit.record(ctx.db, now, actor, "vote.cancel", vote_id, reason=reason, voted=voted)
    store.forget_secret(ctx.db, vote_id)
    secrecy.checkpoint(ctx.db)  # the deleted ballots' pages, still in the write-ahead log
    log.info("cancelled vote %s (%s)", vote_id, vote.status)
    return [_to_council(ctx, vote, reason, voted), *_to_the_told(ctx, vote, reason)]


def _to_council(ctx: Context, vote: Vote, reason: str, voted: int) -> Message:
    ballots = (
        f" {plural(voted, 'ballot')} {'was' if voted == 1 else 'were'} cast; none is counted, "
        "and the ballots are deleted."
        if vote.status == OPEN
        else " It had not opened."
    )
    return Message(
        Recipient.staff_council(),
        f"Vote cancelled: {vote.title} ({vote.id}). The reason given: "
        f"{reason.rstrip('.')}.{ballots}",
        title=f"Vote cancelled: {vote.title}",
        key=f"vote:{vote.id}:cancelled",
    )


def _to_the_told(ctx: Context, vote: Vote, reason: str) -> Iterator[Message]:
    after = ""
    while page := store.told_members(ctx.db, vote.id, after, PAGE):
        for row in page:
            _ = i18n.for_row(ctx, row)
            yield Message(
                to=Recipient.of(row["member_id"]),
                title=_(TITLE).format(title=_.pick(vote.title)),
                text=_(TEXT).format(reason=reason),
                quiet_hours=True,
                key=f"vote:{vote.id}:cancelled:{row['member_id']}",
                language=_.language,
            )
        after = page[-1]["member_id"]
