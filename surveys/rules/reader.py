"""Reading `rules.toml` into `Rules`: strict, and every problem one line with its line."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from surveys.rules.model import (
    ATTENDANCE,
    ELECTION_METHODS,
    PAPER_WINS,
    PROXY_HOLDERS,
    RESOLUTION_KINDS,
    Elections,
    Eligibility,
    Nominations,
    Notice,
    Paper,
    Proxies,
    Quorum,
    Resolutions,
    Rules,
    RulesError,
    Share,
)
from surveys.toml_reader import ID_PATTERN, TomlTable, describe, parse_toml

_SECTIONS = {
    "name": False,
    "eligibility": False,
    "notice": True,
    "quorum": True,
    "resolutions": False,
    "proxies": True,
    "nominations": False,
    "elections": False,
    "weights": False,
    "paper": False,
}
_SHARE = re.compile(r"(more than|at least)\s+(\d{1,3}(?:\.\d+)?)\s*%", re.IGNORECASE)


class _Problem(Exception):
    """A problem found by `TomlTable`, before its line is looked up."""


def load_rules_file(path: Path) -> Rules:
    """Read and check a rules file; every problem is a `RulesError`."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(f"{source}: cannot read: {error}") from None
    return parse_rules(text, source)


def parse_rules(text: str, source: str = "rules.toml") -> Rules:
    """Check the text of a rules file into `Rules`, or raise `RulesError` naming the line
    (the first problem; `problems` lists them all)."""
    rules, found = _read(text, source)
    if rules is None:
        raise RulesError(found[0])
    return rules


def problems(text: str, source: str = "rules.toml") -> list[str]:
    """Every problem in the text of a rules file, one line each as `parse_rules` words
    it (a section's first problem, then the next section's); [] when it is valid."""
    try:
        return _read(text, source)[1]
    except RulesError as error:  # not TOML at all: one problem
        return [str(error)]


def _read(text: str, source: str) -> tuple[Rules | None, list[str]]:
    """The rules, or None and every problem found: each section is read even when one
    before it is wrong, so an officer sees all of them at once."""
    data = parse_toml(text, source, RulesError)
    top = TomlTable(_Problem, "", data)
    found: list[str] = []
    parts: dict[str, Any] = {}

    def attempt(key: str, read: Callable[[], Any]) -> None:
        try:
            parts[key] = read()
        except _Problem as problem:
            where, _, reason = str(problem).partition(": ")
            line = _line_of(text, where)
            at = f"line {line}: " if line else ""
            found.append(f"{source}: {at}{where}: {reason}")

    unknown = f"unknown key (expected one of {', '.join(_SECTIONS)})"
    for key in data:
        if key not in _SECTIONS:
            attempt(key, lambda key=key: top.fail(key, unknown))
    attempt("name", lambda: top.text("name", 120))
    for key, required in _SECTIONS.items():
        if key == "name":
            continue
        if required and key not in data:
            attempt(key, lambda key=key: top.fail(key, "missing"))
            continue
        read = _READERS[key]
        attempt(key, lambda key=key, read=read: read(top.table(data.get(key, {}), key)))
    if found:
        return None, found
    return Rules(**parts), []


def _expect(table: TomlTable, **keys: bool) -> None:
    table.expect_keys(keys)


def _choices(table: TomlTable, key: str, allowed: tuple[str, ...], default: tuple[str, ...]):
    chosen = table.text_list(key, 40, default)
    for n, item in enumerate(chosen, start=1):
        if item not in allowed:
            table.fail(f"{key}[{n}]", f"must be one of {', '.join(allowed)}, not {item!r}")
    return chosen


def _eligibility(t: TomlTable) -> Eligibility:
    _expect(t, roll=False, constituencies=False, minimum_membership_days=False)
    return Eligibility(
        roll=t.choice("roll", ("notice-date",), "notice-date"),
        constituencies=t.text_list("constituencies", 40, idents=True),
        minimum_membership_days=t.number("minimum_membership_days", 0, 3650, 0),
    )


def _notice(t: TomlTable) -> Notice:
    _expect(t, clear_days=True, resolutions=False)
    return Notice(
        clear_days=t.number("clear_days", 0, 365),
        resolutions=_choices(t, "resolutions", RESOLUTION_KINDS, RESOLUTION_KINDS),
    )


def _quorum(t: TomlTable) -> Quorum:
    _expect(t, members=False, percent=False, counts=False)
    if "members" not in t.data and "percent" not in t.data:
        t.fail("", "give members (a number), percent (of members), or both (whichever is more)")
    counts = _choices(t, "counts", ATTENDANCE, ATTENDANCE)
    if not counts:
        t.fail("counts", f"name who counts: {', '.join(ATTENDANCE)}")
    return Quorum(
        members=t.number("members", 0, 10**6, 0),
        percent=Fraction(str(t.number("percent", 0, 100, 0, whole=False))),
        counts=counts,
    )


def _share(t: TomlTable, key: str, default: Share) -> Share:
    if key not in t.data:
        return default
    value = t.text(key, 40)
    found = _SHARE.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None:
        t.fail(key, f'must be like "more than 50%" or "at least 75%", not {describe(value)}')
    fraction = Fraction(found.group(2)) / 100
    at_least = found.group(1).lower() == "at least"
    if not 0 < fraction <= 1 or (fraction == 1 and not at_least):
        t.fail(key, f"{value!r} can never be met, or always is: use a share above 0% up to 100%")
    return Share(fraction, at_least)


def _resolutions(t: TomlTable) -> Resolutions:
    _expect(t, ordinary=False, special=False, abstentions=False)
    plain = Resolutions()
    ordinary = _share(t, "ordinary", plain.ordinary)
    special = _share(t, "special", plain.special)
    if not _at_most(ordinary, special):
        t.fail("special", f"{special.text} asks less than an ordinary resolution ({ordinary.text})")
    return Resolutions(
        ordinary, special, t.choice("abstentions", ("not-cast", "cast"), "not-cast") == "cast"
    )


def _at_most(low: Share, high: Share) -> bool:
    """Whether `high` asks at least as much as `low` of every count."""
    return (high.fraction, not high.at_least) >= (low.fraction, not low.at_least)


def _proxies(t: TomlTable) -> Proxies:
    _expect(
        t,
        allowed=True,
        holders=False,
        most_per_holder=False,
        deadline_hours=False,
        instructions=False,
    )
    allowed = t.flag("allowed", True)
    if not allowed:
        extra = [key for key in t.data if key != "allowed"]
        if extra:
            t.fail(extra[0], "means nothing when proxies are not allowed")
        return Proxies(allowed=False)
    holders = _choices(t, "holders", PROXY_HOLDERS, PROXY_HOLDERS)
    if not holders:
        t.fail("holders", f"name who may hold a proxy: {', '.join(PROXY_HOLDERS)}")
    return Proxies(
        allowed=True,
        holders=holders,
        most_per_holder=t.number("most_per_holder", 0, 10**6, 0),
        deadline_hours=t.number("deadline_hours", 0, 24 * 30, 48),
        instructions=t.flag("instructions", True),
    )


def _nominations(t: TomlTable) -> Nominations:
    _expect(t, period_days=False, seconder=False, statement_words=False)
    return Nominations(
        period_days=t.number("period_days", 1, 365, 28),
        seconder=t.flag("seconder", False),
        statement_words=t.number("statement_words", 10, 2000, 250),
    )


def _elections(t: TomlTable) -> Elections:
    _expect(t, method=False)
    return Elections(t.choice("method", ELECTION_METHODS, "stv"))


def _paper(t: TomlTable) -> Paper:
    _expect(t, wins=False)
    return Paper(t.choice("wins", PAPER_WINS, "first"))


def _weights(t: TomlTable) -> tuple[tuple[str, int], ...]:
    _expect(t, constituency=False)
    if "constituency" not in t.data:
        return ()
    table = t.table(t.data["constituency"], "weights.constituency")
    weights = []
    for name in table.data:
        if not ID_PATTERN.fullmatch(name):
            table.fail(name, "a constituency is lowercase letters, digits, - or _")
        weights.append((name, table.number(name, 1, 1000)))
    return tuple(weights)


_HEADER = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]+?)\s*=")


def _line_of(text: str, where: str) -> int | None:
    """The line that best holds the dotted key `where` (its own line, else its table's)."""
    want = [part for part in re.sub(r"\[\d+\]", "", where).split(".") if part]
    if not want:
        return None
    best, best_line, table = 0, None, []
    for n, line in enumerate(text.splitlines(), start=1):
        header, assign = _HEADER.match(line), _ASSIGN.match(line)
        if header:
            table = _parts(header.group(1))
            path = table
        elif assign:
            path = table + _parts(assign.group(1))
        else:
            continue
        shared = 0
        while shared < min(len(path), len(want)) and path[shared] == want[shared]:
            shared += 1
        if shared == len(path) and shared > best:
            best, best_line = shared, n
    return best_line


def _parts(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in key.split(".")]


_READERS: dict[str, Callable[[TomlTable], Any]] = {
    "eligibility": _eligibility,
    "notice": _notice,
    "quorum": _quorum,
    "resolutions": _resolutions,
    "proxies": _proxies,
    "nominations": _nominations,
    "elections": _elections,
    "weights": _weights,
    "paper": _paper,
}
