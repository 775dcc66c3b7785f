"""Single transferable vote for several seats, by the Scottish STV rules.

The rules are those of The Scottish Local Government Elections Order 2007
(SSI 2007/42), Schedule 1, rules 45-52 (Part III, "Counting of votes"):
https://www.legislation.gov.uk/ssi/2007/42/schedule/1/made

- Quota (rule 46): valid ballots / (seats + 1), ignoring fractions, plus one.
- A candidate reaching the quota is elected (rule 47).
- Surpluses are transferred one per stage, largest first (rule 49), by the
  weighted inclusive Gregory method: every paper the candidate holds passes on
  surplus x (its value) / (the candidate's votes), worked to five decimal places
  with any remainder ignored (rule 48).
- With no surplus to transfer, the candidate with the fewest votes is excluded
  and all their papers move on at their current value (rule 50).
- Equal surpluses or equal lowest votes are settled by the most recent earlier
  stage at which the candidates differed, then by lot (rules 49(2), 51).
- When the continuing candidates are no more than the seats left, they are all
  elected and nothing more is transferred (rule 52).

All arithmetic is on integers counting hundred-thousandths of a vote, so the
truncation to five places is exact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from surveys.votes.tally.irv import ranked_ballots_line
from surveys.votes.tally.ranked import (
    TIE_BREAK_RULE,
    Ranking,
    TieBreak,
    aggregate_rankings,
    break_tie,
)
from surveys.votes.tally.simple import check_ids
from surveys.wording import Phrase, phrase, phrase_n

SCALE = 100_000  # votes are held in hundred-thousandths (rule 48(3): five places)

# (ranking, index of the candidate now holding the paper, value of each paper)
Parcel = tuple[Ranking, int, int]


def to_votes(scaled: int) -> Decimal:
    """An exact Decimal with five places from a scaled integer."""
    return Decimal(scaled).scaleb(-5)


@dataclass(frozen=True)
class StvStage:
    """The state at the end of one stage of the count.

    votes holds every candidate's total (elected ones keep the quota once their
    surplus has gone; excluded ones hold nothing). non_transferable and
    rounding_loss are running totals, so votes + both always add up to the
    number of valid ballots.
    """

    number: int
    action: str
    candidate: str | None
    votes: dict[str, Decimal]
    transfers: dict[str, Decimal]
    non_transferable: Decimal
    rounding_loss: Decimal
    elected: tuple[str, ...]
    elected_without_quota: tuple[str, ...] = ()
    surplus: Decimal | None = None
    transfer_value: Decimal | None = None
    tie: TieBreak | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "action": self.action,
            "candidate": self.candidate,
            "votes": {c: str(v) for c, v in self.votes.items()},
            "transfers": {c: str(v) for c, v in self.transfers.items()},
            "non_transferable": str(self.non_transferable),
            "rounding_loss": str(self.rounding_loss),
            "elected": list(self.elected),
            "elected_without_quota": list(self.elected_without_quota),
            "surplus": None if self.surplus is None else str(self.surplus),
            "transfer_value": None if self.transfer_value is None else str(self.transfer_value),
            "tie": self.tie.to_dict() if self.tie else None,
        }


@dataclass(frozen=True)
class StvResult:
    """The whole count; stages[0] holds the first preferences."""

    candidates: tuple[str, ...]
    seats: int
    quota: int
    elected: tuple[str, ...]
    stages: tuple[StvStage, ...]
    ballots: int
    valid: int
    invalid: int
    seed: str

    def to_dict(self) -> dict[str, object]:
        return {
            "method": "single transferable vote (Scottish STV rules)",
            "candidates": list(self.candidates),
            "seats": self.seats,
            "quota": self.quota,
            "elected": list(self.elected),
            "ballots": self.ballots,
            "valid": self.valid,
            "invalid": self.invalid,
            "seed": self.seed,
            "tie_break_rule": TIE_BREAK_RULE,
            "stages": [s.to_dict() for s in self.stages],
        }

    def explain(self) -> list[str]:
        return [str(line) for line in self.phrases()]

    def phrases(self) -> list[Phrase]:
        lines = [ranked_ballots_line(self.ballots, self.valid, self.invalid)]
        if not self.stages:
            return [*lines, phrase("There are no valid ballots, so nobody is elected.")]
        lines.append(
            phrase_n(
                "{n:,} seat. Quota: {valid:,} / ({n} + 1), ignoring fractions, plus 1 = {quota}.",
                "{n:,} seats. Quota: {valid:,} / ({n} + 1), ignoring fractions, plus 1 = {quota}.",
                self.seats,
                valid=self.valid,
                quota=phrase_n("{n:,} vote", "{n:,} votes", self.quota),
            )
        )
        previous = None
        for stage in self.stages:
            lines.extend(_explain_stage(stage, previous))
            previous = stage
        lines.append(phrase("Elected: {names}.", names=tuple(self.elected)))
        return lines


def _explain_stage(stage: StvStage, previous: StvStage | None) -> list[Phrase]:
    number = stage.number
    lines = []
    if stage.tie:
        outcome = (
            phrase("{name} is excluded", name=stage.tie.chosen)
            if stage.action == "exclusion"
            else phrase("{name} has theirs transferred first", name=stage.tie.chosen)
        )
        lines.append(
            phrase("Stage {number}: {tie}", number=number, tie=stage.tie.describe(outcome))
        )
    if stage.action == "surplus":
        lines.append(
            phrase(
                "Stage {number}: {name}'s surplus of {surplus} is transferred; a ballot worth a "
                "whole vote passes on {value} (surplus / their votes, cut to 5 decimal places).",
                number=number,
                name=stage.candidate,
                surplus=_fmt(stage.surplus),
                value=_fmt(stage.transfer_value),
            )
        )
    elif stage.action == "exclusion":
        lines.append(
            phrase(
                "Stage {number}: {name} has the fewest votes and is excluded; their ballots move "
                "on at their current value.",
                number=number,
                name=stage.candidate,
            )
        )
    if previous is not None and not stage.transfers:
        lines.append(phrase("Stage {number}: no votes move.", number=number))
    elif previous is not None:
        # the giving candidate first, then the biggest gains
        moves = tuple(
            phrase("{name} {change}", name=c, change=f"{'+' if v > 0 else ''}{_fmt(v)}")
            for c, v in sorted(stage.transfers.items(), key=lambda i: (i[1] > 0, -i[1], i[0]))
        )
        lines.append(
            phrase(
                "Stage {number} transfers: {moves}; non-transferable +{gone}; lost to rounding "
                "+{lost}.",
                number=number,
                moves=moves,
                gone=_fmt(stage.non_transferable - previous.non_transferable),
                lost=_fmt(stage.rounding_loss - previous.rounding_loss),
            )
        )
    if previous is None or stage.transfers:
        totals = {
            "number": number,
            "standings": tuple(
                phrase("{name} {votes}", name=c, votes=_fmt(v))
                for c, v in sorted(stage.votes.items(), key=lambda i: (-i[1], i[0]))
                if v
            ),
            "kept": _fmt(stage.non_transferable),
            "lost": _fmt(stage.rounding_loss),
        }
        lines.append(
            phrase(
                "Stage {number} first preferences: {standings}; non-transferable {kept}; lost to "
                "rounding {lost}.",
                **totals,
            )
            if previous is None
            else phrase(
                "Stage {number} totals: {standings}; non-transferable {kept}; lost to rounding "
                "{lost}.",
                **totals,
            )
        )
    lines += [
        phrase("Stage {number}: {name} reaches the quota and is elected.", number=number, name=name)
        for name in stage.elected
    ]
    lines += [
        phrase(
            "Stage {number}: {name} is elected without reaching the quota, as the candidates "
            "left are no more than the seats left.",
            number=number,
            name=name,
        )
        for name in stage.elected_without_quota
    ]
    return lines


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "-"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.5f}"


def count_stv(
    ballots: Iterable[Sequence[str]],
    candidates: Sequence[str],
    seats: int,
    *,
    seed: str,
) -> StvResult:
    """Count ranked ballots (best first, may be partial) for several seats.

    seed feeds the lot that settles a tie no earlier stage can settle; fix it
    before the count (e.g. the vote's id) so the result can be re-checked.
    """
    names = check_ids(candidates, "candidate")
    if seats < 1:
        raise ValueError("at least one seat is needed")
    rankings, invalid = aggregate_rankings(ballots, names)
    valid = sum(rankings.values())
    quota = valid // (seats + 1) + 1
    count = _Count(names, seats, quota * SCALE, seed)
    if valid:
        count.run(rankings)
    return StvResult(
        candidates=names,
        seats=seats,
        quota=quota,
        elected=tuple(count.elected),
        stages=tuple(count.stages),
        ballots=valid + invalid,
        valid=valid,
        invalid=invalid,
        seed=seed,
    )


@dataclass
class _Count:
    """The working state of one count; every vote figure is scaled by SCALE."""

    names: tuple[str, ...]
    seats: int
    quota: int
    seed: str
    votes: dict[str, int] = field(init=False)
    papers: dict[str, Counter[Parcel]] = field(init=False)
    continuing: set[str] = field(init=False)
    elected: list[str] = field(default_factory=list)
    pending: set[str] = field(default_factory=set)  # elected, surplus not yet transferred
    non_transferable: int = 0
    rounding_loss: int = 0
    history: list[dict[str, int]] = field(default_factory=list)
    stages: list[StvStage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.votes = dict.fromkeys(self.names, 0)
        self.papers = defaultdict(Counter)
        self.continuing = set(self.names)

    def run(self, rankings: Counter[Ranking]) -> None:
        for ranking, count in rankings.items():
            self.papers[ranking[0]][(ranking, 0, SCALE)] += count
            self.votes[ranking[0]] += count * SCALE
        self._close_stage("first preferences", None)
        while len(self.elected) < self.seats and self.continuing:
            if self.pending:
                self._transfer_largest_surplus()
            else:
                self._exclude_lowest()

    def _transfer_largest_surplus(self) -> None:
        candidate, tie = self._pick(self.pending, pick_lowest=False)
        self.pending.discard(candidate)
        total = self.votes[candidate]
        surplus = total - self.quota
        moved = self._move_papers(candidate, lambda value: surplus * value // total)
        self.rounding_loss += surplus - moved
        self.votes[candidate] = self.quota
        self._close_stage(
            "surplus",
            candidate,
            surplus=to_votes(surplus),
            transfer_value=to_votes(surplus * SCALE // total),
            tie=tie,
        )

    def _exclude_lowest(self) -> None:
        candidate, tie = self._pick(self.continuing, pick_lowest=True)
        self.continuing.discard(candidate)
        self._move_papers(candidate, lambda value: value)
        self.votes[candidate] = 0
        self._close_stage("exclusion", candidate, tie=tie)

    def _pick(self, among: set[str], *, pick_lowest: bool) -> tuple[str, TieBreak | None]:
        extreme = min if pick_lowest else max
        target = extreme(self.votes[c] for c in among)
        tied = sorted(c for c in among if self.votes[c] == target)
        if len(tied) == 1:
            return tied[0], None
        # the lot is keyed by the stage whose totals are level, as instant-runoff does
        stage = len(self.stages)
        tie = break_tie(tied, self.history, pick_lowest=pick_lowest, seed=self.seed, stage=stage)
        return tie.chosen, tie

    def _move_papers(self, source: str, revalue: Callable[[int], int]) -> int:
        """Pass each of source's papers to its next continuing preference.

        Returns the total value that left source, including what found no
        continuing preference and so became non-transferable.
        """
        moved_total = 0
        for (ranking, index, value), count in self.papers.pop(source, {}).items():
            moved = revalue(value)
            if not moved:
                continue  # a paper worth nothing cannot change any total
            moved_total += count * moved
            for position in range(index + 1, len(ranking)):
                target = ranking[position]
                if target in self.continuing:
                    self.papers[target][(ranking, position, moved)] += count
                    self.votes[target] += count * moved
                    break
            else:
                self.non_transferable += count * moved
        return moved_total

    def _close_stage(
        self,
        action: str,
        candidate: str | None,
        *,
        surplus: Decimal | None = None,
        transfer_value: Decimal | None = None,
        tie: TieBreak | None = None,
    ) -> None:
        reached = sorted(
            (c for c in self.continuing if self.votes[c] >= self.quota),
            key=lambda c: (-self.votes[c], c),
        )
        for name in reached:  # rule 47
            self.continuing.discard(name)
            self.elected.append(name)
            if self.votes[name] > self.quota:
                self.pending.add(name)
        seats_left = self.seats - len(self.elected)
        last: list[str] = []
        if seats_left and len(self.continuing) <= seats_left:  # rule 52
            last = sorted(self.continuing, key=lambda c: (-self.votes[c], c))
            self.elected.extend(last)
            self.continuing.clear()
        changes = {}
        if self.history:
            previous = self.history[-1]
            changes = {
                c: to_votes(self.votes[c] - previous[c])
                for c in self.names
                if self.votes[c] != previous[c]
            }
        self.history.append(dict(self.votes))
        self.stages.append(
            StvStage(
                number=len(self.stages) + 1,
                action=action,
                candidate=candidate,
                votes={c: to_votes(v) for c, v in self.votes.items()},
                transfers=changes,
                non_transferable=to_votes(self.non_transferable),
                rounding_loss=to_votes(self.rounding_loss),
                elected=tuple(reached),
                elected_without_quota=tuple(last),
                surplus=surplus,
                transfer_value=transfer_value,
                tie=tie,
            )
        )
