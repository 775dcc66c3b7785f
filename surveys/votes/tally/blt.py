"""Ranked ballots in the BLT format that STV counting programs share (OpenSTV, Droop, votekit).

A BLT file is plain text: a line with the number of candidates and of seats; an
optional line of withdrawn candidates as negative numbers (`-2 -5`); one line per
ballot, `weight preference preference ... 0`, with candidates numbered from 1 in the
order of the names below; a line `0`; the candidates' names in double quotes, one a
line; and the election's title in double quotes. Blank lines and lines starting with
`#` are skipped. Equal rankings (`2=3`) are not part of the rules we count by, so a
file using them is refused.

Published files do not all keep to that, and each of these reads as its strict form
would: names and title without quotes (the whole line, trimmed); a quote inside a
quoted name written twice as in CSV (`"Jo ""Red"" Smith"`) or, if none is doubled,
once; extra spaces, blank lines, Windows line ends, a byte-order mark and no final
newline (runs of spaces inside a name count as one). Only what could be read two ways
is refused, naming its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


class BltError(ValueError):
    """A BLT file that cannot be read; the message says what and on which line."""


@dataclass(frozen=True)
class Election:
    """What a BLT file holds. `ballots` are (ranking best first, weight); withdrawn
    candidates are left out of `candidates` and of every ranking, and a ballot that ranked
    only withdrawn candidates is left out too, counted in `for_withdrawn`."""

    title: str
    candidates: tuple[str, ...]
    seats: int
    ballots: tuple[tuple[tuple[str, ...], int], ...]
    withdrawn: tuple[str, ...] = ()
    for_withdrawn: int = 0

    def expanded(self) -> Iterator[tuple[str, ...]]:
        """Every ballot, repeated as many times as its weight."""
        for ranking, weight in self.ballots:
            for _ in range(weight):
                yield ranking


def parse(text: str) -> Election:
    """Read a BLT file's text; BltError says what is wrong and on which line."""
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        raise BltError("line 1: the file is empty (a BLT file starts with 'CANDIDATES SEATS')")
    number, first = lines[0]
    head = _integers(number, first, "the number of candidates and of seats")
    if len(head) != 2 or head[0] < 1 or head[1] < 1:
        raise BltError(f"line {number}: expected 'CANDIDATES SEATS' (two whole numbers from 1)")
    count, seats = head
    position = 1
    withdrawn: set[int] = set()
    if position < len(lines) and lines[position][1].startswith("-"):
        number, line = lines[position]
        withdrawn = {-n for n in _integers(number, line, "withdrawn candidates")}
        if any(not 1 <= n <= count for n in withdrawn):
            raise BltError(f"line {number}: a withdrawn candidate must be -1 to -{count}")
        position += 1
    raw_ballots = []
    while True:
        if position >= len(lines):
            raise BltError("end of file: the ballots must end with a line '0'")
        number, line = lines[position]
        position += 1
        if line == "0":
            break
        raw_ballots.append(_ballot(number, line, count))
    names = []
    for n in range(count):
        if position >= len(lines):
            raise BltError(f"end of file: {count} candidate names expected, found {n}")
        number, line = lines[position]
        name = _text(number, line, f"the name of candidate {n + 1}")
        if not name:
            raise BltError(f"line {number}: the name of candidate {n + 1} is empty")
        names.append(name)
        position += 1
    title = ""
    if position < len(lines):
        number, line = lines[position]
        title = _text(number, line, "the title")
        position += 1
    if position < len(lines):
        raise BltError(f"line {lines[position][0]}: unexpected text after the title")
    if len(set(names)) != len(names):
        raise BltError("candidate names: two candidates have the same name")
    only_withdrawn = [
        weight for prefs, weight in raw_ballots if prefs and all(p in withdrawn for p in prefs)
    ]
    ballots = tuple(
        (tuple(names[p - 1] for p in prefs if p not in withdrawn), weight)
        for prefs, weight in raw_ballots
        if not (prefs and all(p in withdrawn for p in prefs))
    )
    return Election(
        title=title,
        candidates=tuple(n for i, n in enumerate(names, start=1) if i not in withdrawn),
        seats=seats,
        ballots=ballots,
        withdrawn=tuple(n for i, n in enumerate(names, start=1) if i in withdrawn),
        for_withdrawn=sum(only_withdrawn),
    )


def write(
    title: str, candidates: Sequence[str], seats: int, ballots: Iterable[tuple[Sequence[str], int]]
) -> str:
    """A BLT file of ranked ballots (ranking best first, weight), identical ones grouped."""
    number = {name: n for n, name in enumerate(candidates, start=1)}
    grouped: dict[tuple[int, ...], int] = {}
    for ranking, weight in ballots:
        prefs = tuple(number[name] for name in ranking)
        grouped[prefs] = grouped.get(prefs, 0) + weight
    lines = [f"{len(candidates)} {seats}"]
    lines += [" ".join(map(str, (weight, *prefs, 0))) for prefs, weight in sorted(grouped.items())]
    lines.append("0")
    lines += [_quote(name) for name in (*candidates, title)]
    return "\n".join(lines) + "\n"


def _ballot(number: int, line: str, count: int) -> tuple[tuple[int, ...], int]:
    if line.startswith("("):  # an optional ballot id, e.g. "(b17) 1 2 3 0"
        line = line.partition(")")[2].strip()
    if "=" in line:
        raise BltError(f"line {number}: equal rankings ('=') cannot be counted by these rules")
    weight, *prefs = _integers(number, line, "a ballot ('WEIGHT PREFERENCES... 0')")
    if weight < 1:
        raise BltError(f"line {number}: a ballot's weight must be a whole number from 1")
    if not prefs or prefs[-1] != 0 or 0 in prefs[:-1]:
        raise BltError(f"line {number}: a ballot must end with 0 (and have no 0 before it)")
    prefs = prefs[:-1]
    wrong = [p for p in prefs if not 1 <= p <= count]
    if wrong:
        raise BltError(f"line {number}: there is no candidate {wrong[0]} (they are 1 to {count})")
    return tuple(prefs), weight


def _integers(number: int, line: str, what: str) -> list[int]:
    try:
        return [int(token) for token in line.split()]
    except ValueError:
        raise BltError(f"line {number}: expected {what}, found {line[:40]!r}") from None


def _text(number: int, line: str, what: str) -> str:
    """A name or the title: in double quotes (a quote inside written twice, or once), or bare;
    runs of spaces and tabs in it count as one space."""
    return " ".join(_unquoted(number, line, what).split())


def _unquoted(number: int, line: str, what: str) -> str:
    if not line.startswith('"'):
        return line  # bare, as many published files write names and titles
    if len(line) < 2 or not line.endswith('"'):
        raise BltError(
            f"line {number}: {what} opens a double quote and never closes it, found {line[:40]!r}"
        )
    inner = line[1:-1]
    if '"' not in inner.replace('""', ""):
        return inner.replace('""', '"')  # "Jo SMITH ""Independent"""
    if '""' not in inner:
        return inner  # "Jo "Red" Smith": every quote inside written once
    raise BltError(
        f"line {number}: {what} has quotes inside written both once and twice, so it reads "
        f"two ways ({line[:40]!r}); write each quote inside a name twice"
    )


def _quote(text: str) -> str:
    """In double quotes, a quote inside written twice (as spreadsheets and most counters do)."""
    return '"' + text.replace('"', '""') + '"'
