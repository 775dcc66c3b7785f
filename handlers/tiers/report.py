"""The officer's view of the ladder: who stands where, who moved, who asked to do more.

Counts per constituency follow the minimum reporting group: rungs with fewer than
`privacy.anonymity_threshold` members are merged with the rungs next to them, and a
constituency smaller than that is not shown at all; the report says which and why.
There is deliberately no all-members row per rung, so that no small group can be
worked out by subtracting one row from another. Movement compares each band with the
monthly snapshot (counts only), under the same threshold.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.context import Context
from handlers.messages import Message
from handlers.tiers.standing import current_ladder, placements
from storage.tiers import queries as records
from surveys.ladder.rungs import Ladder, band_counts

SNAPSHOT_CRON = "0 3 1 * *"
NO_SNAPSHOT = "no monthly snapshot yet: one is taken on the 1st of each month at 03:00"


def month_of(ctx: Context, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(ctx.policy.organisation.timezone)).strftime("%Y-%m")


def take_snapshot(ctx: Context, due: datetime) -> list[Message]:
    """Record how many members stand on each rung, per constituency (run on the 1st)."""
    ladder = current_ladder(ctx)
    counts = Counter((p["constituency"], p["tier"]) for p in placements(ctx, ladder, due))
    records.save_snapshot(ctx.db, month_of(ctx, due), dict(counts), ctx.now())
    return []


def report(ctx: Context) -> dict[str, Any]:
    ladder = current_ladder(ctx)
    threshold = ctx.policy.privacy.anonymity_threshold
    placed = placements(ctx, ladder, ctx.now())
    earlier = records.latest_snapshot(ctx.db)
    return {
        "threshold": threshold,
        "ladder": [{"id": t.id, "name": t.name} for t in ladder.tiers],
        "members": len(placed),
        "since": earlier[0] if earlier else None,
        "movement_note": None if earlier else NO_SNAPSHOT,
        "constituencies": _per_constituency(ctx, ladder, placed, earlier, threshold),
        "pipeline": _pipeline(ctx, ladder),
    }


def _per_constituency(
    ctx: Context,
    ladder: Ladder,
    placed: list[dict[str, str]],
    earlier: tuple[str, dict[tuple[str, str], int]] | None,
    threshold: int,
) -> list[dict[str, Any]]:
    groups = list(ctx.policy.organisation.constituencies)
    counted = Counter((p["constituency"], p["tier"]) for p in placed)  # one pass for all
    groups += sorted({group for group, _ in counted} - set(groups))
    rows = []
    for group in groups:
        tiers = Counter({tier: n for (where, tier), n in counted.items() if where == group})
        bands = band_counts([(t.id, tiers[t.id]) for t in ladder.tiers], threshold)
        row: dict[str, Any] = {"constituency": group, "members": sum(tiers.values())}
        notes = []
        if bands is None:
            row.update(members=None, bands=[])
            notes.append(f"not shown: fewer than {threshold} members in this group")
            bands = []
        elif any(b.merged for b in bands):
            notes.append(
                f"rungs with fewer than {threshold} members are merged with the rungs next to them"
            )
        row["bands"] = []
        for band in bands:
            span = ladder.tiers[ladder.rank(band.first) : ladder.rank(band.last) + 1]
            entry = {"tiers": [t.name for t in span], "count": band.count, "last_month": None}
            if earlier is not None:
                before = sum(earlier[1].get((group, t.id), 0) for t in span)
                if before == 0 or before >= threshold:
                    entry["last_month"] = before
                else:
                    notes.append(
                        f"last month's figure for {_label(entry['tiers'])} is hidden "
                        f"(fewer than {threshold})"
                    )
            row["bands"].append(entry)
        row["note"] = "; ".join(notes) or None
        rows.append(row)
    return rows


def _label(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"


def _pipeline(ctx: Context, ladder: Ladder) -> dict[str, Any]:
    names = {t.id: t.name for t in ladder.tiers}
    named = [
        {**row, "tier": names.get(row["tier"], row["tier"])}
        for row in records.named_pipeline(ctx.db)
    ]
    anonymous = [
        {"tier": names.get(tier, tier), **counts}
        for tier, counts in sorted(
            records.anonymous_pipeline(ctx.db).items(), key=lambda kv: ladder.rank(kv[0])
        )
    ]
    return {"named": named, "anonymous": anonymous}
