"""Shared pieces of the ranked-ballot counts (instant-runoff and STV).

Ballot checking, and the tie-break both counts use: the backwards tie-break of
the Scottish STV rules (rules 49(2) and 51(2) of Schedule 1 to The Scottish
Local Government Elections Order 2007), then a lot drawn from a seed string.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from surveys.wording import Phrase, phrase

Ranking = tuple[str, ...]

TIE_BREAK_RULE = (
    "A tie is settled by the most recent earlier stage at which the tied candidates "
    "had different numbers of votes: the one with fewer votes there is excluded (for "
    "the order of equal surpluses, the one with more goes first); among three or more, "
    "those still level there are compared further back. If they were level at "
    "every earlier stage, a lot is drawn: the candidate whose SHA-256 of "
    "'seed|stage|candidate' is smallest, where stage is the stage (or round) at whose "
    "end they are level, so anyone with the seed can check the draw."
)


def aggregate_rankings(
    ballots: Iterable[Sequence[str]], candidates: Collection[str]
) -> tuple[Counter[Ranking], int]:
    """Group identical valid rankings; return them with the number of invalid ballots.

    A ballot is invalid if it is empty, names an unknown candidate or ranks a
    candidate twice: its intention cannot be read safely.
    """
    seen = Counter(tuple(ballot) for ballot in ballots)
    known = frozenset(candidates)
    valid: Counter[Ranking] = Counter()
    invalid = 0
    for ranking, count in seen.items():
        if ranking and len(set(ranking)) == len(ranking) and known.issuperset(ranking):
            valid[ranking] = count
        else:
            invalid += count
    return valid, invalid


def lot_key(seed: str, stage: int, candidate: str) -> str:
    """The public, reproducible draw value of a candidate at a stage."""
    return hashlib.sha256(f"{seed}|{stage}|{candidate}".encode()).hexdigest()


@dataclass(frozen=True)
class TieBreak:
    """How a tie between candidates was settled at one stage.

    decided_at_stage is the earlier stage that separated them, or None when a lot
    was drawn among lot_among (the tied candidates no earlier stage separated).
    """

    tied: tuple[str, ...]
    chosen: str
    decided_at_stage: int | None
    lot_among: tuple[str, ...] = ()

    def describe(self, outcome: Phrase, rounds: bool = False) -> Phrase:
        """One plain line, e.g. outcome=phrase("{name} is excluded", name=...); `rounds`
        speaks of the rounds of instant-runoff rather than the stages of STV."""
        names = self.tied
        if self.decided_at_stage is not None and rounds:
            how = phrase(
                "round {number} is the latest earlier round that separates them",
                number=self.decided_at_stage,
            )
        elif self.decided_at_stage is not None:
            how = phrase(
                "stage {number} is the latest earlier stage that separates them",
                number=self.decided_at_stage,
            )
        elif self.lot_among == self.tied and rounds:
            how = phrase("no earlier round separates them, so a lot is drawn")
        elif self.lot_among == self.tied:
            how = phrase("no earlier stage separates them, so a lot is drawn")
        elif rounds:
            how = phrase(
                "earlier rounds leave {level} level, so a lot is drawn",
                level=self.lot_among,
            )
        else:
            how = phrase(
                "earlier stages leave {level} level, so a lot is drawn",
                level=self.lot_among,
            )
        return phrase(
            "Tie between {names}: {how}; {outcome}.", names=names, how=how, outcome=outcome
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "tied": list(self.tied),
            "chosen": self.chosen,
            "decided_at_stage": self.decided_at_stage,
            "lot_among": list(self.lot_among),
        }


def break_tie(
    tied: Iterable[str],
    history: Sequence[Mapping[str, int]],
    *,
    pick_lowest: bool,
    seed: str,
    stage: int,
) -> TieBreak:
    """Pick one of the tied candidates.

    history holds the vote totals at the end of each earlier stage, oldest first.
    Walking back from the most recent stage, only the candidates with the lowest
    (or highest) total there stay in, until one is left; a tie that survives every
    stage goes to the lot.
    """
    tied_names = tuple(sorted(tied))
    remaining = list(tied_names)
    extreme = min if pick_lowest else max
    for index in range(len(history) - 1, -1, -1):
        votes = history[index]
        target = extreme(votes[name] for name in remaining)
        remaining = [name for name in remaining if votes[name] == target]
        if len(remaining) == 1:
            return TieBreak(tied_names, remaining[0], decided_at_stage=index + 1)
    drawn = min(remaining, key=lambda name: lot_key(seed, stage, name))
    return TieBreak(tied_names, drawn, decided_at_stage=None, lot_among=tuple(remaining))
