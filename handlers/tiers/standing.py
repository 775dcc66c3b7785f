"""Where members stand on the ladder, worked out from what they have actually done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from handlers.context import Context
from storage import members as member_rows
from storage.tiers import activity
from surveys.ladder.rungs import Facts, Ladder, Tier, load_ladder


@dataclass(frozen=True)
class Standing:
    member_id: str
    tier: Tier
    next: Tier | None
    facts: Facts


def current_ladder(ctx: Context) -> Ladder:
    """The configured ladder (or the built-in one), re-read when its file changes."""
    path = ctx.policy.tiers.ladder
    try:
        changed = Path(path).stat().st_mtime_ns if path else 0
    except OSError:
        changed = -1  # load_ladder reports the missing file
    return _load(path, changed)


@lru_cache(maxsize=8)
def _load(path: str, changed: int) -> Ladder:
    return load_ladder(path)


def facts_for(
    ctx: Context, ladder: Ladder, member_ids: list[str] | None, now: datetime
) -> dict[str, Facts]:
    """Each member's facts over the ladder's look-back window (None: every member)."""
    db = ctx.db
    since = now - timedelta(days=ladder.look_back_days)
    pulses = activity.pulses_answered(db, member_ids, since)
    votes = activity.votes_cast(db, member_ids, since)
    suggestions = activity.suggestions_made(db, member_ids, since)
    groups = activity.groups_joined(db, member_ids)
    roles = activity.formal_roles(db, member_ids)
    everyone = set(pulses) | set(votes) | set(suggestions) | set(groups) | set(roles)
    found = {}
    for member_id in everyone if member_ids is None else member_ids:
        pulse, vote = pulses.get(member_id), votes.get(member_id)
        suggestion = suggestions.get(member_id)
        found[member_id] = Facts(
            pulses=pulse.count if pulse else 0,
            votes=vote.count if vote else 0,
            suggestions=suggestion.count if suggestion else 0,
            last_pulse=pulse.latest if pulse else None,
            last_vote=vote.latest if vote else None,
            last_suggestion=suggestion.latest if suggestion else None,
            groups=groups.get(member_id, ()),
            roles=roles.get(member_id, ()),
        )
    return found


def standing(ctx: Context, member_id: str, ladder: Ladder | None = None) -> Standing:
    ladder = ladder or current_ladder(ctx)
    now = ctx.now()
    facts = facts_for(ctx, ladder, [member_id], now)[member_id]
    tier = ladder.place(facts, now)
    return Standing(member_id, tier, ladder.above(tier), facts)


def placements(ctx: Context, ladder: Ladder, now: datetime) -> list[dict[str, str]]:
    """Every current member's rung: member_id, constituency, tier."""
    facts = facts_for(ctx, ladder, None, now)
    # Members who have done nothing in the look-back window all stand on the same rung:
    # placed once, not once each (most of a large roster, most of the time).
    idle = ladder.place(Facts(), now).id
    return [
        {
            "member_id": member_id,
            "constituency": constituency,
            "tier": ladder.place(facts[member_id], now).id if member_id in facts else idle,
        }
        for member_id, constituency in member_rows.constituencies(ctx.db)
    ]
