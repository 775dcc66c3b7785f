"""Instant-runoff voting: one winner from ranked ballots.

Each round every valid ballot counts for its highest-ranked candidate still in
the count. A candidate with more than half of those votes wins; otherwise the
candidate with the fewest votes is eliminated and the count repeats. Ballots
with no candidate left are exhausted: they are kept in the totals but set aside.
A tie for fewest votes is settled as TIE_BREAK_RULE (in `ranked`) says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from surveys.votes.tally.ranked import (
    TIE_BREAK_RULE,
    Ranking,
    TieBreak,
    aggregate_rankings,
    break_tie,
)
from surveys.votes.tally.simple import check_ids
from surveys.wording import Phrase, phrase, phrase_n


@dataclass(frozen=True)
class IrvRound:
    """One round: the votes of the candidates still in, and what happened next."""

    number: int
    votes: dict[str, int]
    exhausted: int
    transfers: dict[str, int]
    newly_exhausted: int
    eliminated: str | None
    tie: TieBreak | None

    @property
    def continuing_votes(self) -> int:
        return sum(self.votes.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "votes": dict(self.votes),
            "continuing_votes": self.continuing_votes,
            "exhausted": self.exhausted,
            "transfers": dict(self.transfers),
            "newly_exhausted": self.newly_exhausted,
            "eliminated": self.eliminated,
            "tie": self.tie.to_dict() if self.tie else None,
        }


@dataclass(frozen=True)
class IrvResult:
    """The whole count; rounds[0] holds the first preferences."""

    candidates: tuple[str, ...]
    winner: str | None
    rounds: tuple[IrvRound, ...]
    ballots: int
    valid: int
    invalid: int
    seed: str

    def to_dict(self) -> dict[str, object]:
        return {
            "method": "instant-runoff",
            "candidates": list(self.candidates),
            "winner": self.winner,
            "ballots": self.ballots,
            "valid": self.valid,
            "invalid": self.invalid,
            "seed": self.seed,
            "tie_break_rule": TIE_BREAK_RULE,
            "rounds": [r.to_dict() for r in self.rounds],
        }

    def explain(self) -> list[str]:
        return [str(line) for line in self.phrases()]

    def phrases(self) -> list[Phrase]:
        lines = [
            ranked_ballots_line(self.ballots, self.valid, self.invalid),
            phrase(
                "To win, a candidate needs more than half of the votes still in the count; "
                "ballots with no candidate left are exhausted and set aside."
            ),
        ]
        if not self.rounds:
            return [*lines, phrase("There are no valid ballots, so there is no winner.")]
        eliminated = None
        for r in self.rounds:
            if eliminated:
                moved = tuple(
                    phrase("{name} +{votes:,}", name=c, votes=n) for c, n in _by_votes(r.transfers)
                )
                lines.append(
                    phrase(
                        "Round {number}: {name}'s ballots move on: {moved}; {exhausted:,} exhausted.",
                        number=r.number,
                        name=eliminated,
                        moved=moved,
                        exhausted=r.newly_exhausted,
                    )
                    if moved
                    else phrase(
                        "Round {number}: {name}'s ballots move on: none; {exhausted:,} exhausted.",
                        number=r.number,
                        name=eliminated,
                        exhausted=r.newly_exhausted,
                    )
                )
            lines.append(
                phrase(
                    "Round {number}: {standings}; exhausted {exhausted:,} (total {total:,}).",
                    number=r.number,
                    standings=tuple(
                        phrase("{name} {votes:,}", name=c, votes=n) for c, n in _by_votes(r.votes)
                    ),
                    exhausted=r.exhausted,
                    total=r.continuing_votes + r.exhausted,
                )
            )
            if r.tie:
                out = phrase("{name} is eliminated", name=r.tie.chosen)
                lines.append(
                    phrase(
                        "Round {number}: no majority. {tie}",
                        number=r.number,
                        tie=r.tie.describe(out, rounds=True),
                    )
                )
            elif r.eliminated:
                lines.append(
                    phrase(
                        "Round {number}: no majority; {name} has the fewest votes and is "
                        "eliminated.",
                        number=r.number,
                        name=r.eliminated,
                    )
                )
            eliminated = r.eliminated
        last = self.rounds[-1]
        lines.append(
            phrase(
                "{winner} wins with {votes:,} of {total:,} continuing votes.",
                winner=self.winner,
                votes=last.votes[self.winner],
                total=last.continuing_votes,
            )
        )
        return lines


def ranked_ballots_line(ballots: int, valid: int, invalid: int) -> Phrase:
    """The ballots of an instant-runoff or STV count."""
    return phrase_n(
        "{n:,} ballot: {valid:,} valid, {invalid:,} invalid (empty, naming an unknown "
        "candidate, or ranking someone twice).",
        "{n:,} ballots: {valid:,} valid, {invalid:,} invalid (empty, naming an unknown "
        "candidate, or ranking someone twice).",
        ballots,
        valid=valid,
        invalid=invalid,
    )


def count_irv(
    ballots: Iterable[Sequence[str]], candidates: Sequence[str], *, seed: str
) -> IrvResult:
    """Count ranked ballots (best first, may be partial) for one seat.

    seed feeds the lot that settles a tie no earlier round can settle; fix it
    before the count (e.g. the vote's id) so the result can be re-checked.
    """
    names = check_ids(candidates, "candidate")
    rankings, invalid = aggregate_rankings(ballots, names)
    valid = sum(rankings.values())
    winner, rounds = _run_rounds(rankings, names, seed) if valid else (None, ())
    return IrvResult(
        candidates=names,
        winner=winner,
        rounds=rounds,
        ballots=valid + invalid,
        valid=valid,
        invalid=invalid,
        seed=seed,
    )


def _run_rounds(
    rankings: Counter[Ranking], names: tuple[str, ...], seed: str
) -> tuple[str, tuple[IrvRound, ...]]:
    valid = sum(rankings.values())
    continuing = set(names)
    history: list[dict[str, int]] = []  # votes of every finished round, for tie-breaks
    rounds: list[IrvRound] = []
    while True:
        number = len(rounds) + 1
        votes = _first_choices(rankings, continuing, names)
        exhausted = valid - sum(votes.values())
        transfers, newly_exhausted = {}, 0
        if rounds:
            before = history[-1]
            transfers = {c: votes[c] - before[c] for c in votes if votes[c] > before[c]}
            newly_exhausted = exhausted - rounds[-1].exhausted
        leader = max(votes, key=votes.__getitem__)
        if 2 * votes[leader] > sum(votes.values()):
            rounds.append(
                IrvRound(number, votes, exhausted, transfers, newly_exhausted, None, None)
            )
            return leader, tuple(rounds)
        lowest = min(votes.values())
        tied = [c for c in votes if votes[c] == lowest]
        tie = None
        if len(tied) > 1:
            tie = break_tie(tied, history, pick_lowest=True, seed=seed, stage=number)
        eliminated = tie.chosen if tie else tied[0]
        rounds.append(
            IrvRound(number, votes, exhausted, transfers, newly_exhausted, eliminated, tie)
        )
        history.append(votes)
        continuing.discard(eliminated)


def _first_choices(
    rankings: Counter[Ranking], continuing: set[str], names: tuple[str, ...]
) -> dict[str, int]:
    votes = dict.fromkeys((c for c in names if c in continuing), 0)
    for ranking, count in rankings.items():
        for choice in ranking:
            if choice in continuing:
                votes[choice] += count
                break
    return votes


def _by_votes(votes: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(votes.items(), key=lambda item: (-item[1], item[0]))
