"""How each member can be reached, for the officer: the channels messages may go by (the
one `routing.choose` picks first), those that stopped taking them and why (blocked, STOP,
bounced), and whether only a letter reaches them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.context import Context
from handlers.members.routing import choose, usable
from handlers.settings import ROSTER_CHANNELS
from storage import members

NAMES = {
    "telegram": "Telegram",
    "slack": "Slack",
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "email": "e-mail",
}
LETTER_ONLY = "letter only"


@dataclass(frozen=True)
class Reach:
    channels: tuple[str, ...]  # usable, the one messages go by first
    unreachable: tuple[tuple[str, str], ...]  # (platform, why) of identities that stopped

    @property
    def letter_only(self) -> bool:
        return not self.channels

    def __str__(self) -> str:
        shown = ", ".join(NAMES.get(p, p) for p in self.channels) or LETTER_ONLY
        stopped = "; ".join(f"{NAMES.get(p, p)} unreachable: {why}" for p, why in self.unreachable)
        return f"{shown} ({stopped})" if stopped else shown


def reach_of(ctx: Context, identities: Iterable[Mapping[str, Any]], prefers: str | None) -> Reach:
    """A member's reach from their identities (oldest link first): the channel messages go
    by, then the others in the order they would be tried."""
    routing = ctx.policy.routing
    rows = list(identities)
    first = choose(rows, prefers, routing)
    channels = [first["platform"]] if first else []
    fallback = list(routing.fallback)
    others = {
        r["platform"]
        for r in rows
        if usable(r, routing)
        and (r["platform"] not in ROSTER_CHANNELS or r["platform"] in (*fallback, prefers))
    } - set(channels)

    def order(platform: str) -> tuple[bool, int, str]:  # chat apps, then the fallback order
        rank = fallback.index(platform) if platform in fallback else len(fallback)
        return platform in ROSTER_CHANNELS, rank, platform

    channels += sorted(others, key=order)
    stopped = sorted(
        {
            (r["platform"], r["unreachable_reason"] or "unreachable")
            for r in rows
            if r["unreachable_at"]
        }
    )
    return Reach(tuple(channels), tuple(stopped))


def of_members(ctx: Context, member_ids: Iterable[str] | None = None) -> dict[str, Reach]:
    """The reach of these members (or of every active member), by member id; a member
    with no identity at all is left out (`NOWHERE` is theirs)."""
    found: dict[str, list[dict[str, Any]]] = {}
    prefers: dict[str, str | None] = {}
    for row in members.identities_with_preference(ctx.db, member_ids):
        found.setdefault(row["member_id"], []).append(row)
        prefers[row["member_id"]] = row["prefers"]
    return {m: reach_of(ctx, rows, prefers[m]) for m, rows in found.items()}


NOWHERE = Reach((), ())


def unusable(ctx: Context) -> tuple[str, ...]:
    """The roster channels messages never go by unasked: switched off, or left out of
    `[routing] fallback` (a member who prefers one is still written to there)."""
    routing = ctx.policy.routing
    return tuple(
        c for c in ROSTER_CHANNELS if c not in routing.enabled or c not in routing.fallback
    )
