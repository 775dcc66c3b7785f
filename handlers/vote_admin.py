"""The returning officer's side: create, open and close votes, publish results and ballots.

Opening and closing are compare-and-set on the vote's status, so the bot's tick and an
officer's command racing each other open (or close) a vote once. Closing counts the
ballots, stores the result and forgets every link between ballots and members in one
transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.context import Context
from handlers.messages import Member, Message
from handlers.vote_notices import announcements, results, roll
from handlers.vote_results import decode, describe_ballot, result_of, tally_now
from handlers.vote_state import (
    CLOSED,
    METHOD_NAMES,
    OPEN,
    SCHEDULED,
    Vote,
    load,
    local_time,
    when,
)
from storage import audit, secrecy
from storage import votes as store
from storage.timestamps import iso
from surveys import blt
from surveys.vote_definitions import VoteDefinition, VoteOption, parse_poll

log = logging.getLogger(__name__)


class VoteError(Exception):
    """An officer's request that cannot be done; the message says why, in one line."""


def create_vote(
    ctx: Context, definition: VoteDefinition, actor: str, replace_scheduled: bool = False
) -> Vote:
    """Store a new vote; it opens at `opens` (or when an officer opens it)."""
    known = ctx.policy.organisation.constituencies
    unknown = [c for c in definition.constituencies if c not in known]
    if unknown:
        raise VoteError(
            f"constituencies: unknown constituency {unknown[0]!r} (known: {', '.join(known)})"
        )
    if definition.closes <= ctx.now():
        raise VoteError(f"closes: {definition.closes.isoformat()} is already in the past")
    existing = load(ctx, definition.id)
    if existing is not None and (existing.status != SCHEDULED or not replace_scheduled):
        hint = (
            " (use --replace to change it before it opens)" if existing.status == SCHEDULED else ""
        )
        raise VoteError(f"id: a vote {definition.id!r} already exists, {existing.status}{hint}")
    if not definition.constituencies:
        definition = replace(definition, constituencies=known)
    store.insert_vote(
        ctx.db,
        {
            "vote_id": definition.id,
            "title": definition.title,
            "method": definition.method,
            "definition": definition.to_dict(),
            "status": SCHEDULED,
            "opens_at": iso(definition.opens) if definition.opens else None,
            "closes_at": iso(definition.closes),
            "created_at": iso(ctx.now()),
            "created_by": actor,
        },
        replace=replace_scheduled,
    )
    audit.record(ctx.db, ctx.now(), actor, "vote.create", definition.id)
    vote = load(ctx, definition.id)
    assert vote is not None
    return vote


def open_vote(ctx: Context, vote_id: str, actor: str = "scheduler") -> list[Message]:
    """Open a scheduled vote now; returns the announcements to every eligible member."""
    vote = _existing(ctx, vote_id)
    now = ctx.now()
    if vote.status != SCHEDULED:
        raise VoteError(f"{vote_id} is already {vote.status}")
    if vote.closes_at <= now:
        raise VoteError(
            f"{vote_id} cannot open: its closing time ({iso(vote.closes_at)}) has passed"
        )
    with ctx.db.atomic():
        eligible = store.eligible_members(ctx.db, vote.definition.constituencies, now)
        secret = secrets.token_hex(32) if vote.definition.allow_change else None
        if not store.mark_open(ctx.db, vote_id, now, len(eligible), secret):
            return []
        audit.record(ctx.db, now, actor, "vote.open", vote_id, eligible=len(eligible))
        store.mark_notice(ctx.db, vote_id, "opened", now)
        return announcements(ctx, _existing(ctx, vote_id), eligible)


def close_vote(ctx: Context, vote_id: str, actor: str = "scheduler") -> list[Message]:
    """Close an open vote now: count, publish, forget links; returns the result messages."""
    vote = _existing(ctx, vote_id)
    if vote.status != OPEN:
        raise VoteError(f"{vote_id} is {vote.status}, not open")
    now = ctx.now()
    with ctx.db.atomic():
        if not store.mark_closed(ctx.db, vote_id, now):
            return []
        closed = _existing(ctx, vote_id)
        summary = tally_now(ctx, closed)
        summary["status"] = CLOSED
        summary["closed_at"] = iso(now)
        store.save_result(ctx.db, vote_id, summary["voted"], summary)
        store.forget_links(ctx.db, vote_id, f"{local_time(ctx, now):%Y-%m-%d}")
        audit.record(ctx.db, now, actor, "vote.close", vote_id, voted=summary["voted"])
        if not store.mark_notice(ctx.db, vote_id, "result", now):
            return []
        messages = results(ctx, closed, summary, roll(ctx, closed))
    secrecy.checkpoint(ctx.db)
    return messages


def published_result(ctx: Context, vote_id: str) -> dict:
    vote = _existing(ctx, vote_id)
    summary = result_of(ctx, vote)
    if summary is None:
        if vote.status == SCHEDULED:
            raise VoteError(f"{vote_id} has not opened yet, so there is no result")
        raise VoteError(
            f"results of {vote_id} are hidden until it closes on {when(ctx, vote.closes_at)} "
            "(results_before_close is false)"
        )
    return summary


def published_ballots(ctx: Context, vote_id: str) -> list[dict[str, str]]:
    """Every ballot by receipt code, sorted by receipt: published only after close."""
    vote = _closed(ctx, vote_id)
    return [
        {"receipt": receipt, "ballot": describe_ballot(vote.definition, choice), "raw": choice}
        for receipt, choice in store.ballot_list(ctx.db, vote_id)
    ]


def ballots_blt(ctx: Context, vote_id: str) -> str:
    """A closed ranked vote's ballots as a BLT file, for any counting program.

    The title line is the vote's id: it is also what its lot was drawn from, so that
    `mutual-voice count` of the file gives the vote's own result.
    """
    vote = _closed(ctx, vote_id)
    d = vote.definition
    if d.method not in ("irv", "stv"):
        raise VoteError(
            f"{vote_id} is a {METHOD_NAMES[d.method]}: only ranked votes (irv, stv) "
            "export as BLT (use --json for the ballot list)"
        )
    ballots = [(decode(d, choice), n) for choice, n in store.choice_counts(ctx.db, vote_id)]
    return blt.write(d.id, d.choices, d.seats if d.method == "stv" else 1, ballots)


def _closed(ctx: Context, vote_id: str) -> Vote:
    vote = _existing(ctx, vote_id)
    if vote.status != CLOSED:
        raise VoteError(f"the ballots of {vote_id} are published only after it closes")
    return vote


def quick_poll(ctx: Context, officer: Member, text: str) -> tuple[Vote, list[Message]]:
    """`/poll [2h] Question? | A | B`: single choice, every constituency, open now."""
    question, options, minutes = parse_poll(text)
    now = ctx.now()
    definition = VoteDefinition(
        id=f"poll-{now:%Y%m%d}-{secrets.token_hex(2)}",
        title=question,
        explanation=f"A quick poll from {officer.name or 'your membership officer'}: {question}",
        method="single",
        closes=now + timedelta(minutes=minutes),
        options=tuple(VoteOption(o) for o in options),
        opens=now,
        reminder_hours=(),
    )
    create_vote(ctx, definition, f"member:{officer.member_id}")
    messages = open_vote(ctx, definition.id, f"member:{officer.member_id}")
    vote = load(ctx, definition.id)
    assert vote is not None
    return vote, messages


def due_work(ctx: Context, now: datetime) -> Iterator[Message]:
    """Open what is due to open and close what is due to close (the tick's first half)."""
    for due, act in ((store.due_to_close, close_vote), (store.due_to_open, open_vote)):
        for row in due(ctx.db, now):
            try:
                messages = act(ctx, row["vote_id"])
            except VoteError as error:  # e.g. an officer's command got there first
                log.info("vote %s: %s", row["vote_id"], error)
                continue
            yield from messages


def listing_row(ctx: Context, v: Vote) -> dict:
    """One vote as `vote list` and the console show it: state, times and turnout."""
    voted = store.count_voters(ctx.db, v.id) if v.status != SCHEDULED else 0
    return {
        "vote": v.id,
        "title": v.title,
        "method": v.definition.method,
        "status": v.status,
        "opens": v.opens_at.isoformat() if v.opens_at else None,
        "closes": v.closes_at.isoformat(),
        "opened_at": v.opened_at.isoformat() if v.opened_at else None,
        "closed_at": v.closed_at.isoformat() if v.closed_at else None,
        "constituencies": list(v.definition.constituencies),
        "voted": voted,
        "eligible": v.eligible,
    }


def _existing(ctx: Context, vote_id: str) -> Vote:
    vote = load(ctx, vote_id)
    if vote is None:
        raise VoteError(f"no vote with id {vote_id!r} (see: mutual-voice vote list)")
    return vote
