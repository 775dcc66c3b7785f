"""The rules that place a member on a rung of the ladder of involvement.

Pure: a `Rule` read from the ladder file, checked against the `Facts` of one member.
The rule vocabulary is documented at the top of `surveys/ladder/ladders/default.toml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from surveys.toml_reader import TomlTable

ID_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")
RULE_KEYS = ("answered_pulse_or_voted_within_days", "suggestions_at_least", "in_group", "role_in")


@dataclass(frozen=True)
class Facts:
    """What one member has actually done.

    Counts and dates cover the ladder's look-back window; `groups` and `roles` are
    the ones held now. Suggestions are those sent with the member's name.
    """

    pulses: int = 0
    votes: int = 0
    suggestions: int = 0
    last_pulse: datetime | None = None
    last_vote: datetime | None = None
    last_suggestion: datetime | None = None
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """Conditions that must all hold; a rung with several rules needs any one of them."""

    answered_pulse_or_voted_within_days: int | None = None
    suggestions_at_least: int | None = None
    in_group: bool = False
    role_in: tuple[str, ...] = ()

    def met(self, facts: Facts, now: datetime) -> bool:
        days = self.answered_pulse_or_voted_within_days
        if days is not None:
            since = now - timedelta(days=days)
            latest = [d for d in (facts.last_pulse, facts.last_vote) if d is not None]
            if not latest or max(latest) < since:
                return False
        if self.suggestions_at_least is not None and facts.suggestions < self.suggestions_at_least:
            return False
        if self.in_group and not facts.groups:
            return False
        return not (self.role_in and not set(self.role_in) & set(facts.roles))


def parse_rule(table: TomlTable, look_back: int) -> Rule:
    """Validate one [tier.rule] table; a day count may not reach past the look-back."""
    if not table.data:
        table.fail("", f"has no conditions (use one or more of {', '.join(RULE_KEYS)})")
    table.expect_keys(dict.fromkeys(RULE_KEYS, False))
    values: dict[str, Any] = {}
    if "answered_pulse_or_voted_within_days" in table.data:
        values["answered_pulse_or_voted_within_days"] = table.number(
            "answered_pulse_or_voted_within_days", 1, look_back
        )
    if "suggestions_at_least" in table.data:
        values["suggestions_at_least"] = table.number("suggestions_at_least", 1, 1000)
    if "in_group" in table.data and table.data["in_group"] is not True:
        table.fail("in_group", "must be true (leave it out if joining a group does not matter)")
    values["in_group"] = "in_group" in table.data
    if "role_in" in table.data:
        roles = table.data["role_in"]
        if not isinstance(roles, list) or not roles:
            table.fail("role_in", 'must be a list of one or more roles, e.g. ["council", "board"]')
        for n, role in enumerate(roles, start=1):
            if not isinstance(role, str) or not ID_PATTERN.fullmatch(role):
                table.fail(
                    f"role_in[{n}]", f'{role!r} must be a short lowercase word, e.g. "council"'
                )
        values["role_in"] = tuple(dict.fromkeys(roles))
    return Rule(**values)
