"""The ladder of involvement: its rungs, the rules that place a member, and its TOML file.

Pure: plain values in, plain values out (reading the ladder file is the only I/O).
The format and the rule vocabulary are documented at the top of
`surveys/ladders/default.toml`. A member stands on the highest rung whose rule they
meet; the first rung takes no rule, so everyone stands at least there.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NoReturn

ID_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")
MAX_TIERS = 8
MAX_PROMISE = 100
MAX_TEXT = 300
DEFAULT_LOOK_BACK_DAYS = 365

_LADDER_KEYS = {"intro": False, "look_back_days": False, "tier": True}
_TIER_KEYS = {
    "id": True,
    "name": True,
    "promise": True,
    "asks": True,
    "gives": True,
    "step_up": True,
    "rule": False,
}
RULE_KEYS = ("answered_pulse_or_voted_within_days", "suggestions_at_least", "in_group", "role_in")


class LadderError(ValueError):
    """The ladder file is invalid; the message is one line: file, key, reason."""


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


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    promise: str
    asks: str
    gives: str
    step_up: str
    rules: tuple[Rule, ...] = ()

    def met(self, facts: Facts, now: datetime) -> bool:
        """Everyone meets a rung without rules; otherwise any one rule will do."""
        return not self.rules or any(rule.met(facts, now) for rule in self.rules)


@dataclass(frozen=True)
class Ladder:
    tiers: tuple[Tier, ...]
    look_back_days: int = DEFAULT_LOOK_BACK_DAYS
    intro: str = ""
    source: str = ""

    def tier(self, tier_id: str) -> Tier | None:
        return next((t for t in self.tiers if t.id == tier_id), None)

    def rank(self, tier_id: str) -> int:
        """The position of a rung, 0 for the first; -1 for one this ladder lacks."""
        return next((n for n, t in enumerate(self.tiers) if t.id == tier_id), -1)

    def above(self, tier: Tier) -> Tier | None:
        """The next rung up, or None at the top."""
        rank = self.rank(tier.id)
        return self.tiers[rank + 1] if 0 <= rank < len(self.tiers) - 1 else None

    def place(self, facts: Facts, now: datetime) -> Tier:
        """The highest rung whose rule the member meets."""
        return next(t for t in reversed(self.tiers) if t.met(facts, now))

    @property
    def roles(self) -> tuple[str, ...]:
        """Every formal role the rules name, in order of first mention."""
        found: list[str] = []
        for tier in self.tiers:
            for rule in tier.rules:
                found += [r for r in rule.role_in if r not in found]
        return tuple(found)


@dataclass(frozen=True)
class Band:
    """Adjacent rungs counted together in a report: `first` to `last`, `count` members."""

    first: str
    last: str
    count: int

    @property
    def merged(self) -> bool:
        return self.first != self.last


def band_counts(counts: list[tuple[str, int]], threshold: int) -> list[Band] | None:
    """Merge adjacent rungs (given lowest first) so no band has 1..threshold-1 members.

    Bands are built from the top rung down, where the small numbers usually are; a
    small remainder at the bottom joins the band above it. None when the whole group
    is smaller than the threshold (it cannot be shown at all). Empty rungs stay apart.
    """
    total = sum(n for _, n in counts)
    if total == 0:
        return [Band(tier, tier, 0) for tier, _ in counts]
    if total < threshold:
        return None
    bands: list[Band] = []  # top first while building
    top, running = None, 0
    for tier, n in reversed(counts):
        if top is None and n == 0:
            bands.append(Band(tier, tier, 0))
            continue
        top, running = top or tier, running + n
        if running >= threshold:
            bands.append(Band(tier, top, running))
            top, running = None, 0
    if top is not None:  # a small remainder at the bottom
        below = counts[0][0]
        while bands[-1].count == 0:
            bands.pop()
        last = bands.pop()
        bands.append(Band(below, last.last, last.count + running))
        # Empty rungs between the remainder and the band above were popped: they are
        # inside the merged band now.
    return list(reversed(bands))


# --- reading the TOML -------------------------------------------------------------


class _Table:
    """One table of the ladder file; every check fails with the file and dotted key."""

    def __init__(self, source: str, data: Any, prefix: str) -> None:
        self.source, self.prefix = source, prefix
        if not isinstance(data, dict):
            self.fail("", f"must be a table, not {_describe(data)}")
        self.data: dict[str, Any] = data

    def fail(self, key: str, reason: str) -> NoReturn:
        where = ".".join(part for part in (self.prefix, key) if part)
        raise LadderError(": ".join(part for part in (self.source, where) if part) + f": {reason}")

    def expect_keys(self, keys: dict[str, bool]) -> None:
        for key in self.data:
            if key not in keys:
                self.fail(key, f"unknown key (expected one of {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in self.data:
                self.fail(key, "missing")

    def text(self, key: str, max_chars: int, *, one_line: bool = True) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            self.fail(key, f"must be text in quotes, not {_describe(value)}")
        value = value.strip()
        if key in self.data and not value:
            self.fail(key, "must not be empty")
        if one_line and "\n" in value:
            self.fail(key, "must be on one line")
        if len(value) > max_chars:
            self.fail(key, f"must be at most {max_chars} characters (it has {len(value)})")
        return value

    def whole_number(self, key: str, low: int, high: int) -> int:
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be a whole number, not {_describe(value)}")
        if not low <= value <= high:
            self.fail(key, f"must be between {low} and {high}, not {value}")
        return value


def _describe(value: Any) -> str:
    kinds = {str: "text", bool: "true/false", int: "a number", float: "a number"}
    kinds |= {list: "a list", dict: "a table"}
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{kinds.get(type(value), type(value).__name__)} {shown}"


def _parse_rule(source: str, data: Any, prefix: str, look_back: int) -> Rule:
    table = _Table(source, data, prefix)
    if not table.data:
        table.fail("", f"has no conditions (use one or more of {', '.join(RULE_KEYS)})")
    table.expect_keys(dict.fromkeys(RULE_KEYS, False))
    values: dict[str, Any] = {}
    if "answered_pulse_or_voted_within_days" in table.data:
        values["answered_pulse_or_voted_within_days"] = table.whole_number(
            "answered_pulse_or_voted_within_days", 1, look_back
        )
    if "suggestions_at_least" in table.data:
        values["suggestions_at_least"] = table.whole_number("suggestions_at_least", 1, 1000)
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


def _parse_tier(source: str, data: Any, prefix: str, first: bool, look_back: int) -> Tier:
    table = _Table(source, data, prefix)
    table.expect_keys(_TIER_KEYS)
    tier_id = table.text("id", 32)
    if not ID_PATTERN.fullmatch(tier_id):
        table.fail("id", f"{tier_id!r} must be a short lowercase word (letters, digits, - or _)")
    raw = table.data.get("rule")
    if first and raw is not None:
        table.fail("rule", "the first rung is where every member starts, so it takes no rule")
    if not first and raw is None:
        table.fail("rule", "missing: say what places a member on this rung")
    if isinstance(raw, list):
        if not raw:
            table.fail("rule", "must have at least one [[tier.rule]] block")
        rules = tuple(
            _parse_rule(source, r, f"{prefix}.rule[{n}]", look_back)
            for n, r in enumerate(raw, start=1)
        )
    elif raw is not None:
        rules = (_parse_rule(source, raw, f"{prefix}.rule", look_back),)
    else:
        rules = ()
    return Tier(
        id=tier_id,
        name=table.text("name", 40),
        promise=table.text("promise", MAX_PROMISE),
        asks=table.text("asks", MAX_TEXT),
        gives=table.text("gives", MAX_TEXT),
        step_up=table.text("step_up", MAX_TEXT),
        rules=rules,
    )


def parse_ladder(data: Any, source: str) -> Ladder:
    """Validate a parsed ladder document or raise LadderError."""
    table = _Table(source, data, "")
    table.expect_keys(_LADDER_KEYS)
    look_back = DEFAULT_LOOK_BACK_DAYS
    if "look_back_days" in table.data:
        look_back = table.whole_number("look_back_days", 7, 3660)
    raw = table.data["tier"]
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_TIERS:
        count = len(raw) if isinstance(raw, list) else 0
        table.fail(
            "tier", f"must be 2 to {MAX_TIERS} [[tier]] blocks, lowest first (found {count})"
        )
    tiers: list[Tier] = []
    for n, item in enumerate(raw, start=1):
        tier = _parse_tier(source, item, f"tier[{n}]", n == 1, look_back)
        for earlier in tiers:
            if earlier.id == tier.id:
                table.fail(f"tier[{n}].id", f"{tier.id!r} is used by an earlier rung")
            if earlier.name.casefold() == tier.name.casefold():
                table.fail(f"tier[{n}].name", f"{tier.name!r} is used by an earlier rung")
        tiers.append(tier)
    return Ladder(
        tiers=tuple(tiers),
        look_back_days=look_back,
        intro=table.text("intro", MAX_TEXT),
        source=source,
    )


_TOML_POSITION = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


def default_ladder_path() -> Traversable:
    return resources.files("surveys") / "ladders" / "default.toml"


def load_ladder(path: str | Path | Traversable = "") -> Ladder:
    """Read and validate a ladder file ("" for the built-in one); raise LadderError."""
    file = default_ladder_path() if path == "" else path
    file = Path(file) if isinstance(file, str) else file
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LadderError(f"{source}: no such ladder file (check tiers.ladder)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LadderError(f"{source}: cannot read: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.match(str(error))
        if position is None:
            raise LadderError(f"{source}: not valid TOML: {error}") from None
        reason, line, column = position.groups()
        raise LadderError(
            f"{source}: line {line}: not valid TOML: {reason} (column {column})"
        ) from None
    return parse_ladder(data, source)
