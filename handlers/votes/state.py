"""A vote as handlers see it, and who may vote in it (with the reason when not)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers import i18n
from handlers.context import Context
from handlers.i18n import Translator
from handlers.messages import Member, quoted
from storage import members
from storage.meetings import queries as meetings
from storage.votes import queries as store
from surveys.votes.definitions import VoteDefinition

SCHEDULED, OPEN, CLOSED = "scheduled", "open", "closed"
MISSED = "missed"  # its whole window passed while the bot was not running: never held
CANCELLED = "cancelled"  # by an officer before it closed (handlers/votes/cancel.py)
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L or U: easy to read back

METHOD_NAMES = {
    "resolution": "resolution",
    "single": "single choice",
    "approval": "approval vote",
    "irv": "ranked choice (instant-runoff)",
    "stv": "ranked choice (single transferable vote)",
    "budget": "participatory budget",
}


@dataclass(frozen=True)
class Vote:
    definition: VoteDefinition
    short: int
    status: str
    opens_at: datetime | None
    closes_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    eligible: int | None
    secret: str | None
    result: dict[str, Any] | None
    sealed_at: datetime | None = None  # a close is done: nothing links a ballot to a voter
    swept_at: datetime | None = None  # last look for members reachable since the opening
    cancel_reason: str | None = None  # why an officer cancelled it (status CANCELLED)
    close_error: str | None = None  # why its close cannot go on (the officer is told)

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def title(self) -> str:
        return self.definition.title

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Vote:
        moment = _moment
        return cls(
            definition=VoteDefinition.from_dict(json.loads(row["definition"])),
            short=row["short"],
            status=row["status"],
            opens_at=moment(row["opens_at"]),
            closes_at=moment(row["closes_at"]),  # type: ignore[arg-type]
            opened_at=moment(row["opened_at"]),
            closed_at=moment(row["closed_at"]),
            eligible=row["eligible"],
            secret=row["secret"],
            result=json.loads(row["result"]) if row["result"] else None,
            sealed_at=moment(row.get("sealed_at")),
            swept_at=moment(row.get("swept_at")),
            cancel_reason=row.get("cancel_reason"),
            close_error=row.get("close_error"),
        )


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def load(ctx: Context, vote_id: str) -> Vote | None:
    row = store.get(ctx.db, vote_id)
    return Vote.from_row(row) if row else None


def load_short(ctx: Context, value: str) -> Vote | None:
    """The vote a button value (`<short>` or `<short>.<index>`) refers to."""
    head = value.split(".", 1)[0]
    row = store.by_short(ctx.db, int(head)) if head.isdigit() else None
    return Vote.from_row(row) if row else None


def find(ctx: Context, text: str) -> Vote | None:
    """A vote named by its id or its short number (as typed after /vote)."""
    text = text.strip().lower()
    return load(ctx, text) or (load_short(ctx, text) if text.isdigit() else None)


def all_votes(ctx: Context, status: str | None = None) -> list[Vote]:
    return [Vote.from_row(row) for row in store.all_votes(ctx.db, status)]


def local_time(ctx: Context, moment: datetime, zone: str | None = None) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(zone or ctx.policy.organisation.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(ZoneInfo(ctx.policy.organisation.timezone))


def when(
    ctx: Context, moment: datetime, zone: str | None = None, _: Translator | None = None
) -> str:
    """e.g. "Friday 14 March at 17:00", in the member's (or the organisation's) time zone
    and language."""
    return (_ or i18n.for_organisation(ctx)).when(local_time(ctx, moment, zone))


def ineligible_reason(ctx: Context, vote: Vote, member: Member) -> str | None:
    """Why this member may not vote in this vote at all (None: they may)."""
    _ = i18n.for_member(ctx, member)
    title = _.pick(vote.title)
    groups = vote.definition.constituencies
    meeting = roll_meeting(ctx, vote)
    if meeting:
        return _off_meeting_roll(ctx, vote, meeting, member, _)
    if member.constituency not in groups:
        return _(
            "{title} is for {groups} members only. You're on the roll as a "
            "{constituency} member, so it isn't one you can vote in. If that's "
            "wrong, please tell your membership officer."
        ).format(
            title=title,
            groups=_list([i18n.named(ctx, _, group) for group in groups], _),
            constituency=i18n.named(ctx, _, member.constituency),
        )
    # A motion put to a meeting in the room is for the members checked in when it opened.
    if (
        vote.definition.meeting
        and vote.opened_at
        and meetings.motion(ctx.db, vote.id)
        and not store.on_roll(ctx.db, vote.id, member.member_id)
    ):
        return _(
            "The vote on {title} is for the members checked in at the meeting when it was "
            "put, so it isn't one you can vote in."
        ).format(title=title)
    row = members.get(ctx.db, member.member_id)
    joined_by = vote.definition.roll_by(vote.opened_at) if vote.opened_at else None
    if joined_by and row and joined_by != vote.opened_at:
        if datetime.fromisoformat(row["created_at"]) > joined_by:
            return _(
                "{title}: under the society's rules, only members who had joined by {date} "
                "can vote in it. You'll be able to vote in a later one."
            ).format(title=title, date=when(ctx, joined_by, member.timezone, _))
    elif vote.opened_at and row and datetime.fromisoformat(row["created_at"]) > vote.opened_at:
        return _(
            "The list of members who can vote in {title} was fixed when it opened on "
            "{opened}, before you joined. You'll be able to vote in the next one."
        ).format(title=title, opened=when(ctx, vote.opened_at, member.timezone, _))
    return None


def not_open_reason(ctx: Context, vote: Vote, member: Member) -> str | None:
    _ = i18n.for_member(ctx, member)
    title = _.pick(vote.title)
    if vote.status == OPEN and vote.closes_at <= ctx.now():
        return _(
            "{title} has just closed, so it's too late to vote. The result is on its way."
        ).format(title=title)
    if vote.status == SCHEDULED:
        if vote.opens_at:
            opens = when(ctx, vote.opens_at, member.timezone, _)
            return _("{title} opens on {opens}. I'll message you when you can vote.").format(
                title=title, opens=opens
            )
        return _("{title} isn't open yet. I'll message you when you can vote.").format(title=title)
    if vote.status == CLOSED:
        closed = when(ctx, vote.closed_at or vote.closes_at, member.timezone, _)
        return _(
            "{title} closed on {closed}, so it's too late to vote. The result has gone to "
            "everyone who could vote."
        ).format(title=title, closed=closed)
    if vote.status == CANCELLED:
        return _(
            "{title} was cancelled, so there is nothing to vote on. The reason given: {reason}"
        ).format(title=title, reason=vote.cancel_reason or "")
    if vote.status == MISSED:
        return _(
            "{title} did not take place: it was due to close on {closes}, before it could "
            "open. Your membership officer has been told."
        ).format(title=title, closes=when(ctx, vote.closes_at, member.timezone, _))
    return None


def ballot_key(ctx: Context, vote: Vote, member_id: str) -> str | None:
    """The key that finds a member's earlier ballot, only while a changeable vote is open
    and its secret is there (the keys file beside the database; see storage/flow_keys.py)."""
    if not vote.definition.allow_change:
        return None
    secret = store.secret(ctx.db, vote.id, vote.secret)
    if not secret:
        return None
    digest = hmac.new(secret.encode(), member_id.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def new_receipt() -> str:
    """A short random code (40 bits) like 'K7QM-4X2P', shown once to the voter."""
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def _list(items: tuple[str, ...] | list[str], _: Translator) -> str:
    return _.listing(items)


def roll_meeting(ctx: Context, vote: Vote) -> str:
    """The general meeting whose roll, fixed when its notice was given, is this vote's
    roll ("" for a vote on its own, and for a motion in the room, whose roll is the
    members checked in when it was put)."""
    meeting = vote.definition.meeting
    return "" if not meeting or meetings.motion(ctx.db, vote.id) else meeting


def roll_of(ctx: Context, vote: Vote, opening: datetime) -> dict[str, Any]:
    """Who is on the vote's roll if it opens at `opening`, as storage.votes names it
    (`count_eligible`, `prepare_roll`, `eligible_members`, `waiting_members`)."""
    return {
        "constituencies": vote.definition.constituencies,
        "joined_by": vote.definition.roll_by(opening),
        "meeting": roll_meeting(ctx, vote),
    }


def ballot_weight(ctx: Context, vote: Vote, member: Member) -> int:
    """The votes the member's ballot counts for: by their constituency, as the meeting's
    roll records it for a vote put to a general meeting (it may have changed since)."""
    weights = vote.definition.weights
    meeting = roll_meeting(ctx, vote) if weights else ""
    entry = meetings.roll_entry(ctx.db, meeting, member.member_id) if meeting else None
    return weights.get(entry["constituency"] if entry else member.constituency, 1)


def _off_meeting_roll(
    ctx: Context, vote: Vote, meeting_id: str, member: Member, _: Translator
) -> str | None:
    """Why a member may not vote in a vote put to a general meeting: they are not on its
    roll, fixed on the notice date, or not in one of the vote's constituencies there."""
    title = _.pick(vote.title)
    entry = meetings.roll_entry(ctx.db, meeting_id, member.member_id)
    groups = vote.definition.constituencies
    if entry is not None and entry["constituency"] in groups:
        return None
    row = meetings.get(ctx.db, meeting_id)
    named = quoted(row["title"]) if row else meeting_id
    given = _.date(date.fromisoformat(row["notice_given"])) if row else ""
    if entry is None:
        return _(
            "{title} is for the members on the roll of {meeting}, fixed when its notice was "
            "given on {date}. You weren't on that roll, so it isn't one you can vote in. If "
            "that's wrong, please tell your membership officer."
        ).format(title=title, meeting=named, date=given)
    return _(
        "{title} is for {groups} members on the roll of {meeting}, fixed when its notice "
        "was given on {date}. You're on that roll as a {constituency} member, so it isn't "
        "one you can vote in. If that's wrong, please tell your membership officer."
    ).format(
        title=title,
        groups=_list([i18n.named(ctx, _, group) for group in groups], _),
        meeting=named,
        date=given,
        constituency=i18n.named(ctx, _, entry["constituency"]),
    )


def is_for(ctx: Context, vote: Vote, member: Member) -> bool:
    """Whether the vote is for the member's constituency (listed for them by /vote): as
    the meeting's roll records it, for a vote put to a general meeting."""
    meeting = roll_meeting(ctx, vote)
    if not meeting:
        return member.constituency in vote.definition.constituencies
    entry = meetings.roll_entry(ctx.db, meeting, member.member_id)
    return entry is not None and entry["constituency"] in vote.definition.constituencies
