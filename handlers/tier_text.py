"""The words of the ladder: what members read about rungs and about what they did."""

from __future__ import annotations

from handlers.messages import Option
from surveys.ladder import Facts, Ladder, Tier
from surveys.wording import plural

SHOW, ABOUT, MORE, CONSENT = "tiers.show", "tiers.about", "tiers.more", "tiers.consent"
DO_MORE = "I'd like to do more"
ALL_WAYS = "The ways to get involved"


def period(days: int) -> str:
    """'the last year' reads better than 'the last 365 days'."""
    named = {7: "week", 30: "month", 31: "month", 365: "year", 366: "year"}
    return f"the last {named[days]}" if days in named else f"the last {plural(days, 'day')}"


def times(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def listing(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def did_that_counts(facts: Facts, ladder: Ladder) -> str:
    """E.g. 'You answered 2 check-ins and voted once in the last 90 days.'"""
    done = []
    if facts.pulses:
        done.append(f"answered {times(facts.pulses, 'check-in', 'check-ins')}")
    if facts.votes:
        done.append("voted " + {1: "once", 2: "twice"}.get(facts.votes, f"{facts.votes} times"))
    if facts.suggestions:
        done.append(f"sent {times(facts.suggestions, 'idea', 'ideas')} with your name")
    when = period(ladder.look_back_days)
    lines = [f"You {listing(done)} in {when}." if done else f"Nothing counted yet in {when}."]
    if facts.groups:
        lines.append(f"You're in {listing(list(facts.groups))} ({_group_word(facts.groups)}).")
    if facts.roles:
        lines.append(f"Your role: {listing(list(facts.roles))}.")
    return " ".join(lines)


def _group_word(groups: tuple[str, ...]) -> str:
    return "a group" if len(groups) == 1 else "groups"


def ladder_lines(ladder: Ladder, current: Tier | None) -> list[str]:
    """One line per rung, lowest first, the member's own marked."""
    lines = [ladder.intro] if ladder.intro else []
    for tier in ladder.tiers:
        here = " (you're here)" if current is not None and tier.id == current.id else ""
        lines.append(f"• {tier.name}{here}: {tier.promise}")
    return lines


def about_lines(tier: Tier) -> list[str]:
    return [
        tier.promise,
        f"What it asks: {tier.asks}",
        f"What it gives: {tier.gives}",
        f"How to get here: {tier.step_up}",
    ]


def next_step_choices(next_tier: Tier | None) -> tuple[Option, ...]:
    more = (Option(DO_MORE, MORE, next_tier.id),) if next_tier else ()
    return (*more, Option(ALL_WAYS, SHOW))
