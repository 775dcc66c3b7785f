"""The returning officer's side: create, open and close votes, publish results and ballots.

Opening and closing are compare-and-set on the vote's status, so the bot's tick and an
officer's command racing each other open (or close) a vote once. Opening counts the roll
(one query) and announces the vote to it a page at a time. Closing stops the ballots,
counts them and stores the result in one short transaction; then the seal, in parts,
forgets every link between ballots and members (storage/votes/queries.py `seal_in_parts`), and
only then do the result messages go and are the ballots published. The bot's tick runs
a close in parts and carries on one cut short; the command line and the console run
every part at once. A vote whose whole window passed while the bot was not running is
marked missed, and the council told.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers import closes, i18n
from handlers.channels import by_channel, line
from handlers.context import Context
from handlers.meetings import proxies
from handlers.messages import Member, Message, Recipient
from handlers.schedule import CHECKPOINT, HELD, PAUSE, Pause, Rebuild
from handlers.votes import rules as society
from handlers.votes.notices import announcements, results, roll
from handlers.votes.results import ballot_width, decode, describe_ballot, result_of, tally_now
from handlers.votes.state import (
    CANCELLED,
    CLOSED,
    METHOD_NAMES,
    MISSED,
    OPEN,
    SCHEDULED,
    Vote,
    load,
    local_time,
    new_receipt,
    roll_of,
    when,
)
from storage import audit, close_leases, faults, secrecy
from storage.meetings import paper as paper_entries
from storage.timestamps import iso
from storage.votes import queries as store
from surveys.localised import Local
from surveys.votes.definitions import VoteDefinition, VoteOption, parse_poll
from surveys.votes.tally import blt
from surveys.wording import plural

log = logging.getLogger(__name__)


class VoteError(Exception):
    """An officer's request that cannot be done; the message says why, in one line."""


def creation_problems(
    ctx: Context, definition: VoteDefinition, replace_scheduled: bool = False
) -> list[str]:
    """Every reason a definition that parsed cannot be stored now, each "key: reason"."""
    definition, by_rules = society.under_rules(ctx, definition)
    problems = []
    known = ctx.policy.organisation.constituencies
    if not definition.constituencies:
        definition = replace(definition, constituencies=known)
    unknown = [c for c in definition.constituencies if c not in known]
    if unknown:
        problems.append(
            f"constituencies: unknown constituency {unknown[0]!r} (known: {', '.join(known)})"
        )
    unmet = society.meeting_problem(ctx, definition, ctx.now())
    if unmet:
        problems.append(unmet)
    if definition.closes <= ctx.now():
        problems.append(f"closes: {definition.closes.isoformat()} is already in the past")
    existing = load(ctx, definition.id)
    replaceable = existing is not None and existing.status in (SCHEDULED, MISSED)
    if existing is not None and (not replaceable or not replace_scheduled):
        hint = ""
        if existing.status == SCHEDULED:
            hint = " (use --replace to change it before it opens)"
        elif existing.status == MISSED:
            hint = " (use --replace to hold it with new times)"
        problems.append(f"id: a vote {definition.id!r} already exists, {existing.status}{hint}")
    return problems + by_rules


def create_vote(
    ctx: Context, definition: VoteDefinition, actor: str, replace_scheduled: bool = False
) -> Vote:
    """Store a new vote; it opens at `opens` (or when an officer opens it)."""
    problems = creation_problems(ctx, definition, replace_scheduled)
    if problems:
        raise VoteError(problems[0])
    definition = society.under_rules(ctx, definition)[0]
    if not definition.constituencies:
        definition = replace(definition, constituencies=ctx.policy.organisation.constituencies)
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


def open_vote(ctx: Context, vote_id: str, actor: str = "scheduler") -> Iterator[Message]:
    """Open a scheduled vote now; returns the announcements to every eligible member, made
    as they are posted (the roll is read a page at a time)."""
    vote = _existing(ctx, vote_id)
    now = ctx.now()
    if vote.status != SCHEDULED:
        raise VoteError(f"{vote_id} is already {vote.status}")
    if vote.closes_at <= now:
        raise VoteError(
            f"{vote_id} cannot open: its closing time ({iso(vote.closes_at)}) has passed"
        )
    short = society.notice_problem(ctx, vote.definition, vote.definition.society_rules, now)
    if short:
        raise VoteError(f"{vote_id} cannot open yet: {short}")
    unmet = society.meeting_problem(ctx, vote.definition, now)
    if unmet:
        raise VoteError(f"{vote_id} cannot open: {unmet}")
    few = _small_weight_class(ctx, vote, now)
    if few:
        raise VoteError(f"{vote_id} cannot open: {few}")
    with ctx.db.atomic():
        roll = roll_of(ctx, vote, now)
        eligible = store.count_eligible(ctx.db, **roll)
        secret = secrets.token_hex(32) if vote.definition.allow_change else None
        if not store.mark_open(ctx.db, vote_id, now, eligible, secret):
            return iter(())
        # While open too, where a row sits says nothing: every member on the roll has a
        # "not voted yet" row, and there are as many empty ballot slots, all of a size.
        store.prepare_roll(
            ctx.db,
            vote_id,
            width=ballot_width(vote.definition),
            keyed=vote.definition.allow_change,
            make_receipt=new_receipt,
            weights=vote.definition.weights,
            **roll,
        )
        audit.record(ctx.db, now, actor, "vote.open", vote_id, eligible=eligible)
        store.mark_notice(ctx.db, vote_id, "opened", now)
    log.info("opened vote %s: %d eligible", vote_id, eligible)
    return announcements(ctx, _existing(ctx, vote_id))


def _small_weight_class(ctx: Context, vote: Vote, now: datetime) -> str | None:
    """Why a weighted vote would show how some voted: a published ballot shows its weight,
    so the members of one weight must be at least the anonymity threshold (or none)."""
    weights = vote.definition.weights
    every = ctx.policy.privacy.anonymity_threshold
    roll = roll_of(ctx, vote, now)
    for weight in sorted(set(weights.values())):
        groups = [group for group, w in weights.items() if w == weight]
        members = store.count_eligible(ctx.db, **{**roll, "constituencies": groups})
        if 0 < members < every:
            return (
                f"only {plural(members, 'member')} ({' and '.join(groups)}) would cast ballots counting "
                f"{plural(weight, 'vote')}, and the published ballots show each ballot's weight; with "
                f"fewer than {every} their votes could be told apart"
            )
    return None


def closing(ctx: Context, vote_id: str, actor: str = "scheduler") -> Iterator[Message | Pause]:
    """Close an open vote now (the command line, the console), or carry on a close cut
    short earlier: the steps for the caller to run, the seal in parts and then the result
    messages, each posted before the close goes on so that a close cut short never
    forgets one. Then `check_closed`."""
    vote = _existing(ctx, vote_id)
    if vote.status == CLOSED and (
        vote.sealed_at is None or "result" not in store.notices(ctx.db, vote_id)
    ):
        now = ctx.now()
        if not close_leases.claim(ctx.db, "votes", vote_id, now, now - close_leases.QUIET):
            raise VoteError(f"{vote_id} is being closed by the running bot; it finishes soon")
        return finishing(ctx, vote)
    return start_closing(ctx, vote_id, actor)


def check_closed(ctx: Context, vote_id: str) -> None:
    """After `closing`'s steps: empty the write-ahead log the seal left, and say so if the
    close cannot go on."""
    secrecy.checkpoint(ctx.db)
    closed = load(ctx, vote_id)
    if closed is not None and closed.close_error:
        raise VoteError(
            f"the close of {vote_id} cannot go on: {closed.close_error} (see: mutual-voice jobs)"
        )


def close_vote(
    ctx: Context,
    vote_id: str,
    actor: str = "scheduler",
    post: Callable[[list[Message]], object] = lambda messages: None,
) -> int:
    """Close an open vote now, all at once, or carry on a close cut short (`closing`),
    handing the result messages to `post` a part at a time. Returns how many were made."""
    made, batch = 0, []
    for item in closing(ctx, vote_id, actor):
        if isinstance(item, Message):
            batch.append(item)
        if batch and (isinstance(item, Pause) or len(batch) >= 500):
            post(batch)
            made, batch = made + len(batch), []
    if batch:
        post(batch)
        made += len(batch)
    check_closed(ctx, vote_id)
    return made


def start_closing(
    ctx: Context, vote_id: str, actor: str = "scheduler"
) -> Iterator[Message | Pause]:
    """Close an open vote: it takes no more ballots, its secret, count so far and drafts
    are gone, and it is counted and its result stored, in one short transaction, now.
    Returns the rest for the caller to run: the seal in parts, then the result messages."""
    vote = _existing(ctx, vote_id)
    if vote.status != OPEN:
        raise VoteError(f"{vote_id} is {vote.status}, not open")
    now = ctx.now()
    faults.at("vote: close and count")
    with ctx.db.atomic():
        if not store.mark_closed(ctx.db, vote_id, now):
            return iter(())
        paper_entries.forget_vote(ctx.db, vote_id)  # tellers' rows naming its voters
        closed = _existing(ctx, vote_id)
        summary = tally_now(ctx, closed)
        with_channels(ctx, summary, store.voters_by_channel(ctx.db, vote_id))
        summary["status"] = CLOSED
        summary["closed_at"] = iso(now)
        store.save_result(ctx.db, vote_id, summary["voted"], summary)
        proxies.forget_instructions(ctx, vote_id)  # they would say how members meant to vote
        audit.record(ctx.db, now, actor, "vote.close", vote_id, voted=summary["voted"])
    store.forget_secret(ctx.db, vote_id)  # once the close is committed
    log.info("closed vote %s: %d voted", vote_id, summary["voted"])
    return finishing(ctx, _existing(ctx, vote_id))


def with_channels(ctx: Context, summary: dict, counts: dict[str, int]) -> None:
    """Add the turnout per channel to a closing count (the officer's lines only: members'
    result messages stay as they were)."""
    summary["turnout_by_channel"] = by_channel(ctx, counts)
    if summary["turnout_by_channel"]:
        summary["explanation"].append(line(summary["turnout_by_channel"]))


def finishing(ctx: Context, vote: Vote) -> Iterator[Message | Pause]:
    """The rest of a close, or of one cut short: the seal in parts (pausing between them,
    the write-ahead log emptied after), then the result to the council and every member.

    The result goes after the seal: it tells members to check their receipt code, and
    the ballots are published (so `/receipt` finds them) only once nothing links them to
    voters, and the database file has been rebuilt and its write-ahead log emptied, so
    that no earlier copy of a page survives. A close of 67,000 ballots takes seconds, so
    the result waits no longer, unless a program reading the file holds the rebuild up:
    then the result waits for the next tick (`mutual-voice jobs` says why)."""
    yield PAUSE  # the close itself commits on its own
    what = f"vote {vote.id}"
    if vote.sealed_at is None:
        assert vote.closed_at is not None
        closed_on = f"{local_time(ctx, vote.closed_at):%Y-%m-%d}"
        parts = store.seal_in_parts(ctx.db, vote.id, closed_on)
        rewritten = yield from closes.run_parts(ctx, "votes", vote.id, what, parts)
        if not rewritten:  # sealed meanwhile by another process (it sends the result), or
            return  # it cannot go on (the council is told)
        rebuilt = Rebuild(why=HELD.format(what=f"{what}'s result"))
        yield rebuilt
        if not rebuilt.done(lambda: secrecy.rebuild_file(ctx.db.conn, secrecy.PATIENCE)):
            close_leases.release(ctx.db, "votes", vote.id)  # the next tick tries again
            return
        if not store.mark_sealed(ctx.db, vote.id):
            return
        log.info("sealed vote %s: nothing links a ballot to a voter", vote.id)
        yield CHECKPOINT
    if "result" in store.notices(ctx.db, vote.id) or not vote.result:
        return
    faults.at("vote: result messages")
    yield from results(ctx, vote, vote.result, roll(ctx, vote))
    # Recorded once all are posted (the pause has them posted first): a fan-out cut short
    # is made again by the next tick, and the outbox keeps no key twice, so nobody gets
    # the result twice.
    yield PAUSE
    faults.at("vote: result noted")
    store.mark_notice(ctx.db, vote.id, "result", ctx.now())
    faults.at(None)


def miss(ctx: Context, row: dict) -> Iterator[Message]:
    """Mark a vote missed whose closing time passed before it opened (the bot was not
    running), once: one log line, and the council is told."""
    now = ctx.now()
    if not store.mark_missed(ctx.db, row["vote_id"], now):
        return
    vote = Vote.from_row(row)
    audit.record(ctx.db, now, "scheduler", "vote.missed", vote.id)
    window = (
        f"from {when(ctx, vote.opens_at)} to {when(ctx, vote.closes_at)}"
        if vote.opens_at
        else f"until {when(ctx, vote.closes_at)}, and nobody opened it"
    )
    log.warning("vote %s missed: it was due %s and never opened", vote.id, window)
    yield Message(
        Recipient.staff_council(),
        f"{vote.title} did not take place: it was due to be open {window}, and the bot "
        "was not running then, so nobody was told and nobody voted. To hold it, give it "
        f"new times and run: mutual-voice vote create FILE --replace (id {vote.id}).",
        title=f"Vote not held: {vote.title}",
        quiet_hours=True,
        key=f"vote:{vote.id}:missed",
    )


def published_result(ctx: Context, vote_id: str) -> dict:
    vote = _existing(ctx, vote_id)
    summary = result_of(ctx, vote)
    if summary is None:
        if vote.status == MISSED:
            raise VoteError(
                f"{vote_id} was missed: its closing time ({when(ctx, vote.closes_at)}) passed "
                "before it opened, so nobody voted"
            )
        if vote.status == SCHEDULED:
            raise VoteError(f"{vote_id} has not opened yet, so there is no result")
        if vote.status == CANCELLED:
            raise VoteError(
                f"{vote_id} was cancelled, so nothing was counted: {vote.cancel_reason}"
            )
        raise VoteError(
            f"results of {vote_id} are hidden until it closes on {when(ctx, vote.closes_at)} "
            "(results_before_close is false)"
        )
    return summary


def published_ballots(ctx: Context, vote_id: str) -> list[dict[str, Any]]:
    """Every ballot by receipt code, sorted by receipt: published only after close. Where
    the society's rules weight votes, each ballot says how many votes it counts for."""
    vote = _closed(ctx, vote_id)
    weighted = bool(vote.definition.weights)
    return [
        {"receipt": receipt, "ballot": describe_ballot(vote.definition, choice), "raw": choice}
        | ({"weight": weight} if weighted else {})
        for receipt, choice, weight in store.weighed_ballot_list(ctx.db, vote_id)
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
    if vote.sealed_at is None:
        raise VoteError(
            f"{vote_id} has closed and its ballots are being shuffled so that none can be "
            "linked to a voter; they are published in a minute or two"
        )
    return vote


def _poll_explanation(officer: Member, question: str) -> Local:
    """ "A quick poll from <officer>: <question>" in every language members read."""
    said = {}
    for language in i18n.available():
        _ = i18n.translator(language)
        text = (
            _("A quick poll from {name}: {question}").format(name=officer.name, question=question)
            if officer.name
            else _("A quick poll from your membership officer: {question}").format(
                question=question
            )
        )
        said[language] = text
    return Local(said)


def quick_poll(ctx: Context, officer: Member, text: str) -> tuple[Vote, Iterator[Message]]:
    """`/poll [2h] Question? | A | B`: single choice, every constituency, open now."""
    question, options, minutes = parse_poll(text)
    now = ctx.now()
    definition = VoteDefinition(
        id=f"poll-{now:%Y%m%d}-{secrets.token_hex(2)}",
        title=question,
        explanation=_poll_explanation(officer, question),
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


def due_work(ctx: Context, now: datetime) -> Iterator[Message | Pause]:
    """Carry on closes cut short, close what is due to close, mark missed what can no
    longer open, open what is due to open (the tick's first half)."""
    stale = now - close_leases.QUIET
    for row in store.unfinished_closes(ctx.db):
        if close_leases.claim(ctx.db, "votes", row["vote_id"], now, stale):
            log.info("vote %s: carrying on its close", row["vote_id"])
            yield from finishing(ctx, Vote.from_row(row))
    # Closing waits for its time on a clock that did not leap forward (clock_watch).
    for row in store.due_to_close(ctx.db, min(now, ctx.trusted_now())):
        yield from _attempt(ctx, start_closing, row["vote_id"])
    for row in store.due_to_miss(ctx.db, now):
        yield from miss(ctx, row)
    for row in store.due_to_open(ctx.db, now):
        yield from _attempt(ctx, open_vote, row["vote_id"])
    take_live_counts(ctx, now)


def take_live_counts(ctx: Context, now: datetime) -> None:
    """The count so far of each open vote that shows one, taken on the hour (the first
    tick of each hour), never as a ballot comes in (storage.votes.take_live_count)."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    every = ctx.policy.privacy.anonymity_threshold
    for row in store.all_votes(ctx.db, "open"):
        if Vote.from_row(row).definition.results_before_close:
            store.take_live_count(ctx.db, row["vote_id"], every, hour)


def _attempt(
    ctx: Context, act: Callable[[Context, str], Iterator[Message | Pause]], vote_id: str
) -> Iterator[Message | Pause]:
    try:
        return act(ctx, vote_id)
    except VoteError as error:  # e.g. an officer's command got there first
        log.info("vote %s: %s", vote_id, error)
        return iter(())


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
