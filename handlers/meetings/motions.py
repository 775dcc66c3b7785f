"""Motions in the room: a resolution put to the members checked in at a general meeting.

`open_motion` refuses, in plain words, a motion while the meeting is not quorate (or
not under way); otherwise it creates the vote under the society's rules (its threshold,
ordinary or special, applies at the count as for any vote by the rules) and opens it now
with a roll of the members checked in, each told at once in chat, at any hour: they are
in the meeting. The chair closes it (`mutual-voice vote close`); otherwise it closes when
check-in does. Members checked in later, or not at all, cannot vote on it: the roll is
fixed when it is put, so no ballot added afterwards could be told apart by its place.
Members present by proxy (not checked in, their proxy held by a member checked in or
by the chair: `proxies.members_by_proxy`, the count the quorum uses) are on the roll
and count towards the quorum; each holder checked in is told at once which ballots they
can cast. A motion put in the room did not exist when proxies were appointed, so no
member gave an instruction for it: their proxy votes on it as they judge best, as a
paper proxy form allows "on any other resolution put to the meeting".
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from handlers.context import Context
from handlers.meetings import attendance, chat, proxies
from handlers.meetings.notice import stored
from handlers.messages import Message
from handlers.votes import admin
from handlers.votes.notices import announcement
from handlers.votes.results import ballot_width
from handlers.votes.state import Vote, load, new_receipt, when
from storage import audit, members
from storage.meetings import proxies as store
from storage.meetings import queries as meetings
from storage.timestamps import iso
from storage.votes import queries as votes
from surveys.votes.definitions import VoteDefinition, parse_vote
from surveys.wording import plural


class MotionProblem(Exception):
    """A motion that cannot be put now; the message says why, in one line."""


def open_motion(
    ctx: Context,
    meeting_id: str,
    definition: VoteDefinition,
    actor: str,
    by_proxy: Sequence[str] | None = None,
) -> tuple[Vote, list[Message]]:
    """Put a resolution to the meeting now: the vote, opened, its announcements to the
    members present and, to each proxy holder present, the ballots they can cast.
    `by_proxy`: members on the roll, not present, whose proxy votes (None: those the
    meeting's proxies make present, as its quorum counts them)."""
    found = stored(ctx, meeting_id)
    if found is None:
        raise MotionProblem(f"no meeting with id {meeting_id!r}")
    if definition.method != "resolution":
        raise MotionProblem(
            'method: a motion in the room is a resolution (method = "resolution"): members '
            "vote For, Against or Abstain"
        )
    if definition.meeting and definition.meeting != meeting_id:
        raise MotionProblem(
            f"meeting: the file puts it to {definition.meeting!r}, not to {meeting_id!r}"
        )
    now = ctx.now()
    _opens, closes = attendance.window(found)
    if now < found.meeting.starts:
        raise MotionProblem(
            f"{meeting_id} starts {when(ctx, found.meeting.starts)}: a motion is put to the "
            "meeting once it has started"
        )
    if now >= closes:
        raise MotionProblem(f"{meeting_id} is over: its check-in closed {when(ctx, closes)}")
    present = meetings.present_members(ctx.db, meeting_id)
    here = {row["member_id"] for row in present}
    if by_proxy is None:
        by_proxy = proxies.members_by_proxy(ctx, meeting_id, here)
    proxied = [m for m in by_proxy if m not in here and _represented(ctx, meeting_id, m)]
    quorum = attendance.quorum(ctx, found, by_proxy=len(proxied))
    if not quorum.reached:
        raise MotionProblem(
            f"{meeting_id} is not quorate: {plural(quorum.present, 'member')} counted present, "
            f"and the society's rules need {quorum.needed}. A motion can be put once "
            f"{quorum.needed - quorum.present} more {'is' if quorum.needed - quorum.present == 1 else 'are'} checked in."
        )
    definition = replace(
        definition,
        meeting=meeting_id,
        resolution=definition.resolution or "ordinary",
        opens=None,
        closes=closes,
        reminder_hours=(),
    )
    with ctx.db.atomic():
        try:
            vote = admin.create_vote(ctx, definition, actor)
        except admin.VoteError as error:
            raise MotionProblem(str(error)) from None
        roll = _roll(ctx, vote, present, proxied)
        small = _small_weight_class(ctx, vote, roll)
        if small:
            raise MotionProblem(f"{vote.id} cannot be put: {small}")
        secret = secrets.token_hex(32) if vote.definition.allow_change else None
        if not votes.mark_open(ctx.db, vote.id, now, len(roll), secret):
            raise MotionProblem(f"{vote.id} is already open")
        votes.prepare_roll_of(
            ctx.db,
            vote.id,
            roll,
            ballot_width(vote.definition),
            vote.definition.allow_change,
            new_receipt,
        )
        meetings.add_motion(
            ctx.db,
            {
                "vote_id": vote.id,
                "meeting_id": meeting_id,
                "opened_at": iso(now),
                "opened_by": actor,
                "present": len(present),
                "by_proxy": len(proxied),
            },
        )
        votes.mark_notice(ctx.db, vote.id, "opened", now)
        audit.record(ctx.db, now, actor, "meeting.motion", meeting_id, vote=vote.id, roll=len(roll))
    opened = load(ctx, vote.id)
    assert opened is not None
    told = [announcement(ctx, opened, row, quiet_hours=False) for row in present]
    return opened, told + _to_holders(ctx, opened, here, set(roll) - here)


def _to_holders(ctx: Context, vote: Vote, here: set[str], represented: set[str]) -> list[Message]:
    """To each holder checked in: the buttons for the members they represent in the
    motion (the chair's proxies are cast at the tellers' desk)."""
    holders: dict[str, list[str]] = {}
    for proxy in store.all_proxies(ctx.db, vote.definition.meeting):
        if proxy["member_id"] in represented and proxy["holder_id"] in here:
            holders.setdefault(proxy["holder_id"], []).append(proxy["member_id"])
    return [chat.put_to_holder(ctx, vote, holder, held) for holder, held in holders.items()]


def motion_file(ctx: Context, meeting_id: str, data: dict[str, Any], source: str) -> VoteDefinition:
    """A motion's file (a parsed TOML vote file) checked as a vote: it needs no closing
    time, as it closes when the chair says (or when check-in does)."""
    found = stored(ctx, meeting_id)
    if found is None:
        raise MotionProblem(f"no meeting with id {meeting_id!r}")
    data = {"closes": attendance.window(found)[1], **data}
    return parse_vote(data, source, ctx.policy.organisation.timezone)


def _roll(
    ctx: Context, vote: Vote, present: list[dict[str, Any]], proxied: list[str]
) -> dict[str, int]:
    """Member id -> the weight of their ballot, as a ballot cast in chat would count."""
    weights = vote.definition.weights
    roll = {row["member_id"]: weights.get(row["constituency"], 1) for row in present}
    for member_id in proxied:
        row = members.get(ctx.db, member_id)
        assert row is not None  # `_represented`
        roll[member_id] = weights.get(row["constituency"], 1)
    return roll


def _represented(ctx: Context, meeting_id: str, member_id: str) -> bool:
    """Whether a member may be on a motion's roll by proxy: on the meeting's, not erased."""
    row = members.get(ctx.db, member_id)
    return bool(
        row and not row.get("erased_at") and meetings.on_roll(ctx.db, meeting_id, member_id)
    )


def _small_weight_class(ctx: Context, vote: Vote, roll: dict[str, int]) -> str | None:
    """As for any weighted vote: a published ballot shows its weight, so the voters of
    one weight must be at least the anonymity threshold (or none)."""
    if not vote.definition.weights:
        return None
    every = ctx.policy.privacy.anonymity_threshold
    for weight in sorted(set(roll.values())):
        count = sum(1 for w in roll.values() if w == weight)
        if count < every:
            return (
                f"only {plural(count, 'member')} present would cast ballots counting "
                f"{plural(weight, 'vote')}, and the published ballots show each ballot's "
                f"weight; with fewer than {every} their votes could be told apart"
            )
    return None


def describe(ctx: Context, vote: Vote) -> str:
    """The motion as put, for the command line: who holds the proxies it counts too."""
    row = meetings.motion(ctx.db, vote.id) or {"present": 0, "by_proxy": 0}
    rules = vote.definition.society_rules
    share = rules.resolutions.share(vote.definition.resolution).text if rules else ""
    held = ""
    if row["by_proxy"]:
        holders: dict[str, int] = {}
        for proxy in store.held_in_motion(ctx.db, row["meeting_id"], vote.id, row["opened_at"]):
            holder = proxy["holder_id"] or "the chair"
            holders[holder] = holders.get(holder, 0) + 1
        named = ", ".join(f"{holder} holds {n}" for holder, n in sorted(holders.items()))
        held = f" and {plural(row['by_proxy'], 'member')} by proxy" + (
            f" ({named})" if named else ""
        )
    return (
        f"Put {vote.id} to the {plural(row['present'], 'member')} present{held}: a "
        f"{vote.definition.resolution} resolution, passed by {share} of votes cast For. "
        f"The chair closes it with: mutual-voice vote close {vote.id}"
    )
