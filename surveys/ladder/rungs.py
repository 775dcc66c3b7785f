"""The ladder of involvement: its rungs, how a member is placed, and its TOML file.

Pure: plain values in, plain values out (reading the ladder file is the only I/O).
The format and the rule vocabulary are documented at the top of
`surveys/ladder/ladders/default.toml`. A member stands on the highest rung whose rule they
meet; the first rung takes no rule, so everyone stands at least there. The rules
themselves (`Facts`, `Rule`) live in `surveys/ladder/rules.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from surveys.ladder.rules import ID_PATTERN, Facts, Rule, parse_rule
from surveys.ladder.rules import RULE_KEYS as RULE_KEYS
from surveys.toml_reader import TomlTable, load_toml

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


class LadderError(ValueError):
    """The ladder file is invalid; the message is one line: file, key, reason."""


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


def _parse_tier(table: TomlTable, first: bool, look_back: int) -> Tier:
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
            parse_rule(table.table(r, f"{table.prefix}.rule[{n}]"), look_back)
            for n, r in enumerate(raw, start=1)
        )
    elif raw is not None:
        rules = (parse_rule(table.table(raw, f"{table.prefix}.rule"), look_back),)
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
    table = TomlTable(LadderError, source, data)
    table.expect_keys(_LADDER_KEYS)
    look_back = DEFAULT_LOOK_BACK_DAYS
    if "look_back_days" in table.data:
        look_back = table.number("look_back_days", 7, 3660)
    raw = table.data["tier"]
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_TIERS:
        count = len(raw) if isinstance(raw, list) else 0
        table.fail(
            "tier", f"must be 2 to {MAX_TIERS} [[tier]] blocks, lowest first (found {count})"
        )
    tiers: list[Tier] = []
    for n, item in enumerate(raw, start=1):
        tier = _parse_tier(table.table(item, f"tier[{n}]"), n == 1, look_back)
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


def default_ladder_path() -> Traversable:
    return resources.files("surveys.ladder") / "ladders" / "default.toml"


def load_ladder(path: str | Path | Traversable = "") -> Ladder:
    """Read and validate a ladder file ("" for the built-in one); raise LadderError."""
    file = default_ladder_path() if path == "" else path
    file = Path(file) if isinstance(file, str) else file
    if not file.is_file():
        raise LadderError(f"{file}: no such ladder file (check tiers.ladder)")
    return parse_ladder(load_toml(file, LadderError), str(file))
