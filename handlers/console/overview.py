"""The console's overview: the organisation's voice at a glance, safe to show any officer.

Only counts: members and connections per constituency, answers so far in open rounds,
turnout in open votes, suggestions waiting, and the last council digest.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from handlers.pulses.admin import round_summary
from handlers.votes.admin import listing_row
from handlers.votes.state import OPEN, all_votes
from storage import close_leases, member_pages
from storage.digests import queries as digests
from storage.pulses import queries as pulses
from storage.suggestions import queries as suggestions


def overview(ctx: Context) -> dict[str, Any]:
    counted = member_pages.connected_counts(ctx.db)  # one pass, not a query per member
    groups = list(ctx.policy.organisation.constituencies)
    groups += sorted(set(counted) - set(groups))
    rounds = [
        {"survey_id": r["survey_id"], "title": r["title"], **round_summary(ctx, r)}
        for r in pulses.open_rounds(ctx.db, ctx.now())
    ]
    votes = []
    for vote in all_votes(ctx, OPEN):
        row = listing_row(ctx, vote)
        row["quorum"] = vote.definition.quorum
        votes.append(row)
    return {
        "constituencies": [
            {
                "name": g,
                "members": counted.get(g, (0, 0))[0],
                "connected": counted.get(g, (0, 0))[1],
            }
            for g in groups
        ],
        "rounds": rounds,
        "votes": votes,
        "waiting": len(suggestions.listing(ctx.db, "open")),
        "overdue": len(suggestions.listing(ctx.db, "overdue")),
        "digest": last_digest(ctx),
        "stuck_closes": close_leases.stuck(ctx.db),
    }


def last_digest(ctx: Context) -> dict[str, Any] | None:
    """The last council digest sent, if any."""
    last = digests.runs(ctx.db, "council")
    return last[-1] if last else None
