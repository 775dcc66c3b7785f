"""Who has joined: per constituency, and per member when invited and when joined."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from handlers.context import Context
from handlers.members.reach import NOWHERE, of_members
from storage.invites import queries as invites
from storage.timestamps import parse

JOINED, WAITING, EXPIRED, NEVER_INVITED = "joined", "waiting", "expired unused", "never invited"


@dataclass(frozen=True)
class MemberJoining:
    member_id: str
    name: str
    constituency: str
    status: str
    invited: str  # when their latest invite was issued ("" if never)
    expires: str
    joined: str  # when they first connected on any platform ("" if not yet)
    reach: str = ""  # how messages reach them (handlers/members/reach.py), or "letter only"


@dataclass
class GroupJoining:
    """Counts for one constituency. `invited` counts everyone ever sent a link."""

    constituency: str
    members: int = 0
    invited: int = 0
    joined: int = 0
    waiting: int = 0  # link sent and still valid
    expired: int = 0  # link expired (or was replaced) without being used
    never_invited: int = 0
    letter_only: int = 0  # nothing but a letter reaches them (no channel, or all stopped)


@dataclass(frozen=True)
class JoiningReport:
    as_of: datetime
    groups: list[GroupJoining]
    members: list[MemberJoining]

    def to_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "constituencies": [asdict(g) for g in self.groups],
            "members": [asdict(m) for m in self.members],
        }


def status(row: dict, now: datetime) -> str:
    if row["joined_at"]:
        return JOINED
    if not row["invited_at"]:
        return NEVER_INVITED
    if row["used_at"] or parse(row["expires_at"]) <= now:
        return EXPIRED
    return WAITING


COUNTED = {JOINED: "joined", WAITING: "waiting", EXPIRED: "expired", NEVER_INVITED: "never_invited"}


def build(ctx: Context) -> JoiningReport:
    now = ctx.now()
    groups = {c: GroupJoining(c) for c in ctx.policy.organisation.constituencies}
    people = []
    reach = of_members(ctx)
    for row in invites.joining(ctx.db):
        reached = reach.get(row["member_id"], NOWHERE)
        state = status(row, now)
        group = groups.setdefault(row["constituency"], GroupJoining(row["constituency"]))
        group.members += 1
        group.invited += bool(row["invited_at"])
        setattr(group, COUNTED[state], getattr(group, COUNTED[state]) + 1)
        group.letter_only += reached.letter_only
        people.append(
            MemberJoining(
                row["member_id"],
                row["name"] or "",
                row["constituency"],
                state,
                row["invited_at"] or "",
                row["expires_at"] or "",
                row["joined_at"] or "",
                str(reached),
            )
        )
    return JoiningReport(now, list(groups.values()), people)
