"""Votes under the society's rules: resolutions and elections check themselves against them.

A vote that says `resolution = "ordinary"` or `"special"`, or elects people (lists
[[candidates]]), is created under the rules the config names (`organisation.rules`):
the rules' text is kept with the vote, with the moment notice was given, so its count
and its roll follow the rules as they stood. Whatever breaks the rules is refused in
plain words, at creation and again at opening.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from handlers.context import Context
from handlers.votes.state import local_time
from storage.meetings import queries as meetings
from surveys.rules import Rules, RulesError, parse_rules
from surveys.rules.model import ELECTION_VOTE_METHODS
from surveys.votes.definitions import VoteDefinition

NOT_SET = (
    'the society\'s rules are not set: add rules = "rules.toml" under [organisation] in the '
    "config (see examples/rules.toml)"
)
METHOD_WORDS = {"stv": "single transferable vote", "plurality": "plurality (one cross)"}


def applies(definition: VoteDefinition) -> bool:
    """Whether the society's rules govern this vote: a resolution by the rules, or an election."""
    return bool(definition.resolution) or definition.is_election


def rules_text(ctx: Context) -> str | None:
    """The rules file's text, or None when the organisation has not given one."""
    path = ctx.policy.organisation.rules
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(f"{path}: cannot read: {error}") from None


def under_rules(ctx: Context, definition: VoteDefinition) -> tuple[VoteDefinition, list[str]]:
    """The definition with the rules it is created under (and, if it names none, the
    constituencies the rules let vote), and every way it breaks them."""
    if not applies(definition):
        return definition, []
    try:
        text = rules_text(ctx)
    except RulesError as error:
        return definition, [f"rules: {error}"]
    if text is None:
        return definition, [f"resolution: {NOT_SET}"] if definition.resolution else []
    try:
        rules = parse_rules(text, ctx.policy.organisation.rules)
    except RulesError as error:
        return definition, [f"rules: {error}"]
    # A vote naming no constituencies is for every member the rules let vote.
    groups = definition.constituencies or rules.eligibility.constituencies
    # A vote put to a general meeting (its election) is for the meeting's roll, fixed when
    # notice of the meeting was given, not for the members by the vote's creation weeks on.
    given = ctx.now()
    meeting = meetings.get(ctx.db, definition.meeting) if definition.meeting else None
    if meeting is not None:
        days = rules.eligibility.minimum_membership_days
        given = datetime.fromisoformat(meeting["roll_by"]) + timedelta(days=days)
    fixed = replace(definition, rules=text, notice_given=given.isoformat(), constituencies=groups)
    return fixed, problems(ctx, fixed, fixed.opens)


def problems(ctx: Context, definition: VoteDefinition, opening: datetime | None) -> list[str]:
    """How a vote under the rules breaks them if it opens at `opening` (None: not known
    yet, so the notice is checked when it opens)."""
    rules = definition.society_rules
    if rules is None:
        return []
    found = []
    allowed = rules.eligibility.constituencies
    outside = [c for c in definition.constituencies if allowed and c not in allowed]
    if outside:
        found.append(
            f"constituencies: under the society's rules only {' and '.join(allowed)} members "
            f"vote, so {outside[0]} members cannot"
        )
    if definition.is_election and definition.method not in rules.elections.vote_methods:
        wanted = ELECTION_VOTE_METHODS[rules.elections.method][0]
        found.append(
            f"method: the society's rules elect by {METHOD_WORDS[rules.elections.method]}: "
            f'use method = "{wanted}", not "{definition.method}"'
        )
    short = opening and notice_problem(ctx, definition, rules, opening)
    if short:
        found.append(f"opens: {short}")
    return found


def notice_problem(
    ctx: Context, definition: VoteDefinition, rules: Rules | None, opening: datetime
) -> str | None:
    """Why opening at `opening` gives less notice than the rules ask, or None."""
    if rules is None:
        return None
    kind = definition.resolution
    if not kind or kind not in rules.notice.resolutions or not definition.notice_given:
        return None
    given = local_time(ctx, datetime.fromisoformat(definition.notice_given)).date()
    opens = local_time(ctx, opening).date()
    clear = rules.notice.clear_days_between(given, opens)
    if clear >= rules.notice.clear_days:
        return None
    return (
        f"a {kind} resolution needs {rules.notice.clear_days} clear days' notice under "
        f"the society's rules; notice given on {given.isoformat()} and opening on "
        f"{opens.isoformat()} gives {clear}. Open it on "
        f"{rules.notice.earliest(given).isoformat()} or later."
    )


def in_words(definition: VoteDefinition) -> str | None:
    """What the rules make of this vote, for the officer who created it; None if nothing."""
    rules = definition.society_rules
    if rules is None:
        return None
    parts = []
    if definition.resolution:
        share = rules.resolutions.share(definition.resolution)
        parts.append(
            f"a {definition.resolution} resolution, passed by {share.text} of votes cast For"
        )
        if definition.resolution in rules.notice.resolutions:
            parts.append(f"{rules.notice.clear_days} clear days' notice before it opens")
    if definition.is_election:
        parts.append(f"an election by {METHOD_WORDS[rules.elections.method]}")
    if rules.eligibility.minimum_membership_days:
        days = rules.eligibility.minimum_membership_days
        parts.append(f"the roll: members for at least {days} days by today, the notice date")
    if definition.weights:
        parts.append(
            "votes weighted " + ", ".join(f"{c} {w}" for c, w in definition.weights.items())
        )
    return "Under the society's rules: " + "; ".join(parts) + "."
