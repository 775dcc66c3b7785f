"""Counts that need no transfers: resolutions, single choice and approval."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from surveys.wording import Phrase, phrase, phrase_n

RESOLUTION_CHOICES = ("for", "against", "abstain")


@dataclass(frozen=True)
class Threshold:
    """The share of votes cast (for + against) a resolution needs to pass."""

    fraction: Fraction
    inclusive: bool  # True: "at least" the fraction; False: "more than" it

    def __post_init__(self) -> None:
        if not 0 < self.fraction <= 1 or (self.fraction == 1 and not self.inclusive):
            raise ValueError("a threshold must be a reachable fraction between 0 and 1")

    def is_met(self, votes_for: int, votes_cast: int) -> bool:
        if votes_cast == 0:
            return False
        needed = self.fraction * votes_cast
        return votes_for >= needed if self.inclusive else votes_for > needed

    def describe(self) -> str:
        return f"{'at least' if self.inclusive else 'more than'} {self.fraction}"

    def to_pass(self, cast: int) -> Phrase:
        """What a resolution needs of the `cast` votes, for members."""
        if self.inclusive:
            return phrase_n(
                "To pass, the resolution needs at least {fraction} of the {n:,} vote cast.",
                "To pass, the resolution needs at least {fraction} of the {n:,} votes cast.",
                cast,
                fraction=self.in_words(),
            )
        return phrase_n(
            "To pass, the resolution needs more than {fraction} of the {n:,} vote cast.",
            "To pass, the resolution needs more than {fraction} of the {n:,} votes cast.",
            cast,
            fraction=self.in_words(),
        )

    def in_words(self) -> Phrase | str:
        """The share as a sentence says it ("half", "two thirds"), never "1/2" mid-sentence."""
        if self.fraction == Fraction(1, 2):
            return phrase("half")
        if self.fraction == Fraction(2, 3):
            return phrase("two thirds")
        if self.fraction == Fraction(3, 4):
            return phrase("three quarters")
        if self.fraction == 1:
            return phrase("all")
        return f"{float(self.fraction) * 100:.4g}%"


SIMPLE_MAJORITY = Threshold(Fraction(1, 2), inclusive=False)
TWO_THIRDS = Threshold(Fraction(2, 3), inclusive=True)


@dataclass(frozen=True)
class ResolutionResult:
    """The count of a resolution; abstentions and invalid ballots are not votes cast."""

    votes_for: int
    against: int
    abstain: int
    invalid: int
    threshold: Threshold
    passed: bool
    # The society's rules may count abstentions as votes cast (weighing against).
    abstentions_cast: bool = False

    @property
    def votes_cast(self) -> int:
        return self.votes_for + self.against + (self.abstain if self.abstentions_cast else 0)

    @property
    def ballots(self) -> int:
        return self.votes_cast + self.abstain + self.invalid

    def to_dict(self) -> dict[str, object]:
        return {
            "method": "resolution",
            "for": self.votes_for,
            "against": self.against,
            "abstain": self.abstain,
            "invalid": self.invalid,
            "ballots": self.ballots,
            "votes_cast": self.votes_cast,
            "threshold": str(self.threshold.fraction),
            "threshold_inclusive": self.threshold.inclusive,
            "abstentions_cast": self.abstentions_cast,
            "passed": self.passed,
        }

    def explain(self) -> list[str]:
        return [str(line) for line in self.phrases()]

    def phrases(self) -> list[Phrase]:
        lines = [
            phrase_n(
                "{n:,} ballot: {votes_for:,} for, {against:,} against, {abstain:,} abstain, "
                "{invalid:,} invalid.",
                "{n:,} ballots: {votes_for:,} for, {against:,} against, {abstain:,} abstain, "
                "{invalid:,} invalid.",
                self.ballots,
                votes_for=self.votes_for,
                against=self.against,
                abstain=self.abstain,
                invalid=self.invalid,
            ),
            phrase(
                "Invalid ballots are not votes cast; abstentions are, as the society's rules "
                "say: for, against and abstain count towards the threshold."
            )
            if self.abstentions_cast
            else phrase(
                "Abstentions and invalid ballots are not votes cast: only for and against "
                "count towards the threshold."
            ),
            self.threshold.to_pass(self.votes_cast),
        ]
        if not self.votes_cast:
            lines.append(phrase("No votes were cast for or against: the resolution is not passed."))
        elif self.passed:
            lines.append(
                phrase(
                    "{votes_for:,} of {cast:,} voted for: the resolution is passed.",
                    votes_for=self.votes_for,
                    cast=self.votes_cast,
                )
            )
        else:
            lines.append(
                phrase(
                    "{votes_for:,} of {cast:,} voted for: the resolution is not passed.",
                    votes_for=self.votes_for,
                    cast=self.votes_cast,
                )
            )
        return lines


def count_resolution(
    ballots: Iterable[str], threshold: Threshold = SIMPLE_MAJORITY, abstentions_cast: bool = False
) -> ResolutionResult:
    """Count "for" / "against" / "abstain" ballots; anything else is invalid."""
    return resolution_from_totals(Counter(ballots), threshold, abstentions_cast)


def resolution_from_totals(
    totals: Mapping[str, int],
    threshold: Threshold = SIMPLE_MAJORITY,
    abstentions_cast: bool = False,
) -> ResolutionResult:
    """The result from the votes each choice got (weighted votes where the rules give
    weights); a choice other than "for", "against" or "abstain" is invalid."""
    counts = dict(totals)
    votes_for, against, abstain = (counts.pop(choice, 0) for choice in RESOLUTION_CHOICES)
    cast = votes_for + against + (abstain if abstentions_cast else 0)
    return ResolutionResult(
        votes_for=votes_for,
        against=against,
        abstain=abstain,
        invalid=sum(counts.values()),
        threshold=threshold,
        passed=threshold.is_met(votes_for, cast),
        abstentions_cast=abstentions_cast,
    )


@dataclass(frozen=True)
class PluralityResult:
    """Votes per option; more than one winner means a tie, left for people to settle."""

    options: tuple[str, ...]
    counts: dict[str, int]
    winners: tuple[str, ...]
    valid: int
    invalid: int

    @property
    def ballots(self) -> int:
        return self.valid + self.invalid

    @property
    def tie(self) -> bool:
        return len(self.winners) > 1

    def to_dict(self) -> dict[str, object]:
        return {
            "method": "single choice",
            "options": list(self.options),
            "counts": dict(self.counts),
            "winners": list(self.winners),
            "tie": self.tie,
            "ballots": self.ballots,
            "valid": self.valid,
            "invalid": self.invalid,
        }

    def explain(self) -> list[str]:
        return [str(line) for line in self.phrases()]

    def phrases(self) -> list[Phrase]:
        lines = [
            ballots_line(self.ballots, self.valid, self.invalid),
            phrase("Votes: {counts}.", counts=standings(self.counts)),
        ]
        if not self.winners:
            lines.append(phrase("There are no valid ballots, so there is no winner."))
        elif self.tie:
            lines.append(
                phrase_n(
                    "Tie: {names} have {n:,} vote each. No winner is picked automatically.",
                    "Tie: {names} have {n:,} votes each. No winner is picked automatically.",
                    self.counts[self.winners[0]],
                    names=tuple(self.winners),
                )
            )
        else:
            winner = self.winners[0]
            lines.append(
                phrase(
                    "{winner} has the most votes ({votes:,}) and wins.",
                    winner=winner,
                    votes=self.counts[winner],
                )
            )
        return lines


def ballots_line(ballots: int, valid: int, invalid: int) -> Phrase:
    return phrase_n(
        "{n:,} ballot: {valid:,} valid, {invalid:,} invalid.",
        "{n:,} ballots: {valid:,} valid, {invalid:,} invalid.",
        ballots,
        valid=valid,
        invalid=invalid,
    )


def approvals_line(ballots: int, valid: int, blank: int, invalid: int) -> Phrase:
    """The ballots of an approval vote or a participatory budget."""
    return phrase_n(
        "{n:,} ballot: {valid:,} valid, {blank:,} approving nothing, {invalid:,} invalid.",
        "{n:,} ballots: {valid:,} valid, {blank:,} approving nothing, {invalid:,} invalid.",
        ballots,
        valid=valid,
        blank=blank,
        invalid=invalid,
    )


def standings(counts: dict[str, int]) -> tuple[Phrase, ...]:
    """e.g. "ash 3, elm 2", most first: each name in the reader's language when rendered."""
    # NOTE: an option and its votes, e.g. "ash 3".
    return tuple(phrase("{name} {votes:,}", name=o, votes=n) for o, n in _by_count(counts))


def count_single_choice(ballots: Iterable[str | None], options: Sequence[str]) -> PluralityResult:
    """Count one-option ballots; a ballot naming no listed option is invalid."""
    names = check_ids(options)
    seen = Counter(ballots)
    counts = {o: seen.get(o, 0) for o in names}
    valid = sum(counts.values())
    top = max(counts.values())
    winners = tuple(o for o, n in _by_count(counts) if n == top) if valid else ()
    return PluralityResult(names, counts, winners, valid, seen.total() - valid)


@dataclass(frozen=True)
class ApprovalResult:
    """Approvals per option and who fills the seats.

    winners are certain; tied lists the options level for the seats that are
    left (seats - len(winners)), which the count does not settle.
    """

    options: tuple[str, ...]
    seats: int
    counts: dict[str, int]
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    valid: int
    blank: int
    invalid: int

    @property
    def ballots(self) -> int:
        return self.valid + self.blank + self.invalid

    def to_dict(self) -> dict[str, object]:
        return {
            "method": "approval",
            "options": list(self.options),
            "seats": self.seats,
            "counts": dict(self.counts),
            "winners": list(self.winners),
            "tied": list(self.tied),
            "ballots": self.ballots,
            "valid": self.valid,
            "blank": self.blank,
            "invalid": self.invalid,
        }

    def explain(self) -> list[str]:
        return [str(line) for line in self.phrases()]

    def phrases(self) -> list[Phrase]:
        lines = [
            approvals_line(self.ballots, self.valid, self.blank, self.invalid),
            phrase("Approvals: {counts}.", counts=standings(self.counts)),
            phrase_n(
                "The {n:,} option with the most approvals wins.",
                "The {n:,} options with the most approvals win.",
                self.seats,
            ),
        ]
        if self.winners:
            lines.append(phrase("Winning: {names}.", names=tuple(self.winners)))
        if self.tied:
            lines.append(
                phrase_n(
                    "Tie for the last {n:,} place: {names} have {level:,} approvals each. "
                    "No winner is picked automatically.",
                    "Tie for the last {n:,} places: {names} have {level:,} approvals each. "
                    "No winner is picked automatically.",
                    self.seats - len(self.winners),
                    names=tuple(self.tied),
                    level=self.counts[self.tied[0]],
                )
            )
        return lines


def count_approval(
    ballots: Iterable[Iterable[str]], options: Sequence[str], seats: int = 1
) -> ApprovalResult:
    """Count ballots that each approve a set of options, for `seats` winners."""
    names = check_ids(options)
    if not 1 <= seats <= len(names):
        raise ValueError("seats must be between 1 and the number of options")
    approvals = aggregate_approvals(ballots, names)
    ranked = _by_count(approvals.counts)
    cutoff = ranked[seats - 1][1]
    above = tuple(o for o, n in ranked if n > cutoff)
    level = tuple(o for o, n in ranked if n == cutoff)
    if len(above) + len(level) <= seats:
        winners, tied = above + level, ()
    else:
        winners, tied = above, level
    return ApprovalResult(
        names,
        seats,
        approvals.counts,
        winners,
        tied,
        approvals.valid,
        approvals.blank,
        approvals.invalid,
    )


@dataclass(frozen=True)
class Approvals:
    """Approval ballots reduced to totals (shared with participatory budgets)."""

    counts: dict[str, int]
    valid: int
    blank: int
    invalid: int


def aggregate_approvals(ballots: Iterable[Iterable[str]], options: Collection[str]) -> Approvals:
    """Total the approvals per option.

    A ballot naming an unknown option is invalid as a whole; approving the same
    option twice counts once; an empty ballot is blank.
    """
    known = frozenset(options)
    counts = dict.fromkeys(options, 0)
    valid = blank = invalid = 0
    for approved, times in Counter(frozenset(b) for b in ballots).items():
        if not approved:
            blank += times
        elif approved <= known:
            valid += times
            for option in approved:
                counts[option] += times
        else:
            invalid += times
    return Approvals(counts, valid, blank, invalid)


def check_ids(ids: Iterable[str], kind: str = "option") -> tuple[str, ...]:
    """Return the ids as a tuple, refusing an empty or repeated list."""
    names = tuple(ids)
    if not names:
        raise ValueError(f"at least one {kind} is needed")
    if len(set(names)) != len(names):
        raise ValueError(f"{kind} ids must be unique")
    return names


def _by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
