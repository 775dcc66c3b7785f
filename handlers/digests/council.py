"""The staff council's weekly digest: what happened since the last one, on one screen.

Sections appear only when they have something to say; a period with no check-ins,
suggestions or votes is one line. Pulse figures are those of rounds that closed in
the period (an open round shows turnout only, so two digests can never be subtracted
to reveal a few late answers), under the minimum reporting group; turnout by group
and the ladder follow it too (see handlers/digests/chart.py and handlers/tiers/report.py).
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.context import Context
from handlers.digests import chart as charts
from handlers.digests import text as words
from handlers.pulses.questions import closing_time
from handlers.pulses.results import results_of, status
from handlers.tiers.report import report as ladder_report
from handlers.tiers.standing import current_ladder
from handlers.votes.state import CLOSED, OPEN, Vote, all_votes
from storage.digests import queries as store
from storage.suggestions import queries as suggestions
from storage.tiers import queries as tiers
from storage.timestamps import iso, parse
from storage.votes import queries as vote_store
from surveys.bidi import isolate
from surveys.pulses.results import RoundResults
from surveys.wording import plural

log = logging.getLogger(__name__)

MOST = 5  # items per list before "and N more"


@dataclass(frozen=True)
class CouncilDigest:
    title: str
    text: str
    quiet: bool
    chart: charts.ChartData | None


def build(ctx: Context, since: datetime, until: datetime) -> CouncilDigest:
    """The digest of [since, until]: its text, and what its chart will show."""
    threshold = ctx.policy.privacy.anonymity_threshold
    rounds = store.rounds_during(ctx.db, since, until)
    counts = suggestions.counts_since(ctx.db, since)
    open_votes = all_votes(ctx, OPEN)
    closed_votes = [
        v for v in all_votes(ctx, CLOSED) if v.closed_at and since <= v.closed_at <= until
    ]
    asked = [r for r in tiers.named_pipeline(ctx.db) if r["asked_at"] >= iso(since)]
    title = f"Council digest: the {words.span(since, until)} to {words.day(ctx, until)}"
    sections: list[list[str]] = []
    quiet = not (rounds or counts or open_votes or closed_votes or asked)
    if quiet:
        sections.append([words.quiet(ctx, since, until)])
    else:
        sections.append([f"Since {words.day(ctx, since)}."])
        sections.append(_safely("CHECK-INS", lambda: _check_ins(ctx, rounds, threshold)))
        sections.append(_safely("ON THE LADDER", lambda: _ladder(ctx, threshold)))
        sections.append(_suggestions(counts))
    sections.append(_overdue(ctx))
    if not quiet:
        sections.append(_safely("VOTES", lambda: _votes(ctx, open_votes, closed_votes)))
        sections.append(_safely("ASKED TO DO MORE", lambda: _asked(ctx, asked)))
    text = "\n\n".join("\n".join(lines) for lines in sections if lines)
    chart = None if quiet else charts.chart_data(ctx, rounds, until, title)
    return CouncilDigest(title, text, quiet, chart)


def _safely(heading: str, section: Callable[[], list[str]]) -> list[str]:
    """One section; if it cannot be built, the rest of the digest still goes, saying so."""
    try:
        return section()
    except Exception:
        log.exception("the council digest's %s section could not be built", heading)
        return [heading, "Could not be put together this time (the bot's log says why)."]


# --- check-ins ------------------------------------------------------------------------


def _check_ins(ctx: Context, rounds: list[dict[str, Any]], threshold: int) -> list[str]:
    if not rounds:
        return []
    lines = ["CHECK-INS"]
    for row in rounds:
        results = results_of(ctx, row)
        answered = _answered(results.respondents, results.eligible, threshold)
        head = f"{results.title}, round {row['number']}"
        if status(ctx, row) != "closed":
            lines.append(
                f"{head}, open until {closing_time(ctx, row)}: {answered} so far. "
                "Figures come when it closes."
            )
        else:
            lines.append(f"{head}, closed {words.day(ctx, parse(row['closed_at']))}: {answered}.")
            lines += _figures(results, threshold)
        groups = _groups(results, threshold)
        if groups:
            lines.append(f"  By group: {groups}")
    return lines


def _answered(respondents: int, eligible: int, threshold: int) -> str:
    if respondents == 0:
        return f"none of {eligible} answered"
    if respondents < threshold and eligible < threshold:
        return f"only {eligible} asked, too few to count answers"
    if respondents < threshold:
        return f"fewer than {threshold} of {eligible} answered"
    return f"{respondents} of {eligible} answered ({words.percent(respondents, eligible)})"


def _figures(results: RoundResults, threshold: int) -> list[str]:
    if results.respondents < threshold:
        return [f"  Figures hidden: they show from {threshold} answers, to protect anonymity."]
    lines = []
    for question in results.questions:
        headline = question.headline()
        if headline:
            lines.append(f"  {headline}")
        elif question.suppressed_reason:
            lines.append(f"  {question.topic}: hidden (fewer than {threshold} answered)")
    return lines


def _groups(results: RoundResults, threshold: int) -> str:
    """Turnout per constituency; hidden groups are named together, merged if big enough."""
    shown = charts.turnout_shown(results, threshold)
    if len(shown) < 2 or results.respondents < threshold:
        return ""
    parts = [
        f"{group} {answered} of {eligible} ({words.percent(answered, eligible)})"
        for group, answered, eligible in shown
        if answered is not None
    ]
    hidden = [(group, eligible) for group, answered, eligible in shown if answered is None]
    if hidden and not parts:
        return f"not shown: groups under {threshold} answers are hidden"
    if hidden:
        names = words.listing([group for group, _ in hidden])
        merged = results.respondents - sum(a for _, a, _ in shown if a is not None)
        asked = sum(eligible for _, eligible in hidden)
        if merged < threshold:  # cannot happen with groups_to_hide; never print it anyway
            parts.append(f"{names}: hidden (small groups)")
        else:
            together = "together " if len(hidden) > 1 else ""
            parts.append(f"{names} {together}{merged} of {asked} (merged: small groups are hidden)")
    return "; ".join(parts)


# --- the ladder, suggestions ----------------------------------------------------------


def _ladder(ctx: Context, threshold: int) -> list[str]:
    parts = []
    for row in ladder_report(ctx)["constituencies"]:
        if row["members"] is None:
            parts.append(f"{row['constituency']}: not shown (fewer than {threshold} members)")
        elif row["members"]:
            bands = [
                f"{_rungs(band['tiers'])} {band['count']}" for band in row["bands"] if band["count"]
            ]
            parts.append(f"{row['constituency']}: {', '.join(bands)}")
    return ["ON THE LADDER", *parts] if parts else []


def _rungs(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"


def _suggestions(counts: list[dict[str, Any]]) -> list[str]:
    if not counts:
        return []
    topics: dict[str, Counter[str]] = defaultdict(Counter)
    for row in counts:
        topics[row["topic"]][row["sentiment"] or "unsorted"] += row["suggestions"]
    total = sum(sum(c.values()) for c in topics.values())
    ranked = sorted(topics.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    lines = ["SUGGESTIONS", f"{plural(total, 'new suggestion')}:"]
    for topic, moods in ranked:
        mix = ", ".join(f"{n} {mood}" for mood, n in sorted(moods.items(), key=lambda kv: -kv[1]))
        lines.append(f"  {topic} {sum(moods.values())} ({mix})")
    return lines


def _overdue(ctx: Context) -> list[str]:
    rows = suggestions.overdue(ctx.db)
    if not rows:
        return []
    days = ctx.policy.suggestions.response_days
    items = [
        f"#{r['id']} ({r['topic']}, sent {words.day(ctx, parse(r['created_at']))})"
        for r in rows[:MOST]
    ]
    more = f" and {len(rows) - MOST} more (see: /suggestions)" if len(rows) > MOST else ""
    return [
        f"Still waiting for a first answer after {plural(days, 'day')}: {', '.join(items)}{more}."
    ]


# --- votes, and people who asked to do more -------------------------------------------


def _votes(ctx: Context, open_votes: list[Vote], closed_votes: list[Vote]) -> list[str]:
    if not open_votes and not closed_votes:
        return []
    lines = ["VOTES"]
    for vote in open_votes[:MOST]:
        voted, eligible = vote_store.count_voters(ctx.db, vote.id), vote.eligible or 0
        line = f"Open: {vote.title}: {voted} of {eligible} voted ({words.percent(voted, eligible)})"
        quorum = vote.definition.quorum
        if quorum:
            needed = math.ceil(quorum * eligible / 100)
            left = "reached" if voted >= needed else f"{needed - voted} more needed"
            line += f"; quorum {quorum:g}% ({needed}): {left}"
        lines.append(f"{line}. Closes {words.day(ctx, vote.closes_at)}.")
    for vote in closed_votes[:MOST]:
        result = vote.result or {}
        voted, eligible = result.get("voted", 0), result.get("eligible", 0)
        turnout = f"{voted} of {eligible} voted ({words.percent(voted, eligible)})"
        if result.get("quorum_met", True):
            lines.append(f"Closed: {vote.title}: {result.get('headline', '')} {turnout}.")
        else:
            lines.append(f"Closed: {vote.title}: not decided, quorum not met ({turnout}).")
    hidden = max(0, len(open_votes) - MOST) + max(0, len(closed_votes) - MOST)
    if hidden:
        lines.append(f"And {hidden} more (see: mutual-voice vote list).")
    return lines


def _asked(ctx: Context, asked: list[dict[str, Any]]) -> list[str]:
    if not asked:
        return []
    if ctx.policy.tiers.notify == "officers" and ctx.policy.admin.officers:
        who = plural(len(asked), "member")
        return [f"{who} asked to do more; the membership officer has their names."]
    ladder = current_ladder(ctx)
    items = []
    for row in asked[:MOST]:
        tier = ladder.tier(row["tier"])
        name = isolate(row["name"] or "")  # what a member wrote moves no word around it
        items.append(f"{name} ({row['constituency']}): {tier.name if tier else row['tier']}")
    more = (
        f"; and {len(asked) - MOST} more (see: mutual-voice tiers report)"
        if len(asked) > MOST
        else ""
    )
    return ["ASKED TO DO MORE (happy to be contacted)", "; ".join(items) + more]
