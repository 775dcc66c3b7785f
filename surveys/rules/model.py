"""The rules as data: frozen dataclasses, with the arithmetic the rules imply."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from surveys.wording import plural

RESOLUTION_KINDS = ("ordinary", "special")
ATTENDANCE = ("in-person", "online", "proxy")
PROXY_HOLDERS = ("member", "chair")
ELECTION_METHODS = ("stv", "plurality")
PAPER_WINS = ("first", "paper")
# The vote methods each election method allows (a vote listing [[candidates]] is an
# election): plurality is one cross for one seat.
ELECTION_VOTE_METHODS = {"stv": ("stv",), "plurality": ("single",)}


class RulesError(ValueError):
    """The rules file is invalid; the message is one line: file, line, key, reason."""


def percent(share: Fraction) -> str:
    """A share as a percentage, e.g. "75%", "66.6%": cut, never rounded up past the mark."""
    tenths = math.floor(share * 1000)
    return f"{tenths / 10:g}%"


@dataclass(frozen=True)
class Share:
    """A resolution's threshold: `at_least` (>=) or more than (>) `fraction` of votes cast."""

    fraction: Fraction
    at_least: bool

    def is_met(self, votes_for: int, votes_cast: int) -> bool:
        if votes_cast <= 0:
            return False
        share = Fraction(votes_for, votes_cast)
        return share >= self.fraction if self.at_least else share > self.fraction

    @property
    def text(self) -> str:
        """As the file writes it: "at least 75%", "more than 50%"."""
        return f"{'at least' if self.at_least else 'more than'} {percent(self.fraction)}"


@dataclass(frozen=True)
class Eligibility:
    # The roll is fixed on the day notice is given: a member on that day may vote.
    roll: str = "notice-date"
    constituencies: tuple[str, ...] = ()  # empty: every constituency
    minimum_membership_days: int = 0


@dataclass(frozen=True)
class Notice:
    clear_days: int = 14
    # Resolutions put to members as a vote that need this notice before the vote opens.
    resolutions: tuple[str, ...] = RESOLUTION_KINDS

    def earliest(self, given: date) -> date:
        """The first day a meeting (or a vote's opening) may be, notice given on `given`:
        clear days leave out both the day notice is given and the day itself."""
        return given + timedelta(days=self.clear_days + 1)

    def clear_days_between(self, given: date, held: date) -> int:
        return max((held - given).days - 1, 0)


@dataclass(frozen=True)
class Quorum:
    members: int = 0  # at least this many (0: no number)
    percent: Fraction = Fraction(0)  # and at least this share of members (0: none)
    counts: tuple[str, ...] = ATTENDANCE  # who counts towards it

    def needed(self, members: int) -> int:
        """The members who must be present, of `members` on the roll: whichever is more."""
        return max(self.members, math.ceil(self.percent / 100 * members))


@dataclass(frozen=True)
class Resolutions:
    ordinary: Share = Share(Fraction(1, 2), at_least=False)
    special: Share = Share(Fraction(3, 4), at_least=True)
    # Abstentions are not votes cast (the usual rule); "cast" counts them as votes cast
    # that are not For, so they weigh against.
    abstentions_cast: bool = False

    def share(self, kind: str) -> Share:
        return self.special if kind == "special" else self.ordinary


@dataclass(frozen=True)
class Proxies:
    allowed: bool = True
    holders: tuple[str, ...] = PROXY_HOLDERS
    most_per_holder: int = 0  # 0: no limit
    deadline_hours: int = 48
    instructions: bool = True


@dataclass(frozen=True)
class Nominations:
    period_days: int = 28
    seconder: bool = False
    statement_words: int = 250


@dataclass(frozen=True)
class Elections:
    method: str = "stv"

    @property
    def vote_methods(self) -> tuple[str, ...]:
        return ELECTION_VOTE_METHODS[self.method]


@dataclass(frozen=True)
class Paper:
    # Which ballot counts when a member's paper (or postal) ballot and a ballot by chat
    # both arrive: "first" (the one that came first; the other is refused) or "paper".
    wins: str = "first"


@dataclass(frozen=True)
class Rules:
    """A society's rules for its general meetings and votes (the defaults: model rules)."""

    name: str = ""
    eligibility: Eligibility = field(default_factory=Eligibility)
    notice: Notice = field(default_factory=Notice)
    quorum: Quorum = field(default_factory=Quorum)
    resolutions: Resolutions = field(default_factory=Resolutions)
    proxies: Proxies = field(default_factory=Proxies)
    nominations: Nominations = field(default_factory=Nominations)
    elections: Elections = field(default_factory=Elections)
    paper: Paper = field(default_factory=Paper)
    # Votes per member by constituency; a constituency not named has 1. Empty: one
    # member, one vote.
    weights: tuple[tuple[str, int], ...] = ()

    def weight(self, constituency: str) -> int:
        return dict(self.weights).get(constituency, 1)

    def summary(self) -> list[str]:
        """The rules in plain words, one line a section."""
        return [
            _eligibility(self.eligibility),
            _notice(self.notice),
            _quorum(self.quorum),
            _resolutions(self.resolutions),
            _proxies(self.proxies),
            _nominations(self.nominations),
            "Elections: "
            + {
                "stv": "single transferable vote (STV).",
                "plurality": "plurality: one cross, most votes wins.",
            }[self.elections.method],
            "Paper ballots: where a member's paper or postal ballot and one by chat both "
            "arrive, "
            + {
                "first": "the first to arrive counts and the other is refused.",
                "paper": "the paper ballot counts (where the vote allows a change of mind).",
            }[self.paper.wins],
            "Vote weights: "
            + (
                ", ".join(f"{name} {plural(n, 'vote')} each" for name, n in self.weights)
                + " (by constituency; any other constituency 1 vote each)."
                if self.weights
                else "one member, one vote."
            ),
        ]


def _listed(items: tuple[str, ...] | list[str], last: str = "and") -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _eligibility(e: Eligibility) -> str:
    who = "members on the day notice is given"
    if e.constituencies:
        who += f", in the {_listed(e.constituencies)} constituencies"
    if e.minimum_membership_days:
        who += f", who have been members for at least {plural(e.minimum_membership_days, 'day')}"
    return f"Eligible to vote: {who}."


def _notice(n: Notice) -> str:
    line = (
        f"Notice: {n.clear_days} clear days (not counting the day notice is given or the "
        "day of the meeting)"
    )
    if n.resolutions:
        line += f"; {_listed(n.resolutions)} resolutions put to a vote need it too"
    return line + "."


def _quorum(q: Quorum) -> str:
    parts = []
    if q.members:
        parts.append(plural(q.members, "member"))
    if q.percent:
        parts.append(f"{percent(q.percent / 100)} of members")
    if not parts:
        return "Quorum: none."
    need = " or ".join(parts) + (", whichever is more" if len(parts) == 2 else "")
    how = {"in-person": "in person", "online": "online", "proxy": "by proxy"}
    return f"Quorum: {need}, present {_listed([how[c] for c in q.counts], 'or')}."


def _resolutions(r: Resolutions) -> str:
    abstain = (
        "Abstentions count as votes cast, and weigh against."
        if r.abstentions_cast
        else "Abstentions are not votes cast."
    )
    return (
        f"Ordinary resolution: {r.ordinary.text} of votes cast For. "
        f"Special resolution: {r.special.text} of votes cast For. {abstain}"
    )


def _proxies(p: Proxies) -> str:
    if not p.allowed:
        return "Proxies: not allowed."
    holders = {"member": "another member", "chair": "the chair of the meeting"}
    parts = [f"Proxies: allowed; a proxy may be {_listed([holders[h] for h in p.holders], 'or')}"]
    if p.most_per_holder:
        parts.append(f"no one may hold more than {p.most_per_holder}")
    parts.append(f"appointed at least {plural(p.deadline_hours, 'hour')} before the meeting")
    parts.append("with instructions if the member wishes" if p.instructions else "no instructions")
    return "; ".join(parts) + "."


def _nominations(n: Nominations) -> str:
    return (
        f"Nominations: open for {plural(n.period_days, 'day')}; "
        + ("each needs a seconder; " if n.seconder else "no seconder needed; ")
        + f"a statement of up to {plural(n.statement_words, 'word')}."
    )
