"""Survey arithmetic on answer counts.

Every function takes `{answer value: how many people gave it}` rather than a list of
answers, because storage aggregates with SQL GROUP BY: the work is proportional to the
number of distinct values, not the number of answers.
"""

from collections.abc import Mapping, Sequence
from fractions import Fraction
from math import floor

from surveys.pulses.questions import ENPS_VALUES, Answer

PROMOTERS = range(9, 11)
DETRACTORS = range(0, 7)


def answered(counts: Mapping[Answer, int]) -> int:
    """How many answers the counts hold; negative counts are a bug upstream."""
    if any(count < 0 for count in counts.values()):
        raise ValueError("answer counts cannot be negative")
    return sum(counts.values())


def distribution(counts: Mapping[Answer, int], values: Sequence[Answer]) -> dict[Answer, int]:
    """Count per allowed value, in the order of `values`, with zeros filled in."""
    unknown = set(counts) - set(values)
    if unknown:
        raise ValueError(f"answers outside the allowed values: {sorted(map(str, unknown))}")
    answered(counts)
    return {value: counts.get(value, 0) for value in values}


def mean(counts: Mapping[int, int]) -> float | None:
    """The average answer, or None when nobody answered."""
    total = answered(counts)
    if total == 0:
        return None
    return sum(value * count for value, count in counts.items()) / total


def round_half_away(number: Fraction | float) -> int:
    """Round .5 away from zero, as people expect (Python's round() goes to even)."""
    magnitude = floor(abs(number) + Fraction(1, 2))
    return magnitude if number >= 0 else -magnitude


def enps(counts: Mapping[int, int]) -> int | None:
    """Employee Net Promoter Score from counts of 0–10 answers, or None when nobody answered.

    % promoters (9–10) minus % detractors (0–6), rounded to a whole number, so it lies
    between -100 and 100; passives (7–8) count only in the denominator.
    """
    total = answered(distribution(counts, ENPS_VALUES))
    if total == 0:
        return None
    promoters = sum(counts.get(value, 0) for value in PROMOTERS)
    detractors = sum(counts.get(value, 0) for value in DETRACTORS)
    return round_half_away(Fraction(100 * (promoters - detractors), total))


def response_rate(respondents: int, eligible: int) -> float | None:
    """Respondents as a percentage of those eligible (one decimal), None when nobody was."""
    if respondents < 0 or eligible < 0:
        raise ValueError("respondents and eligible cannot be negative")
    if eligible == 0:
        return None
    return round(100 * respondents / eligible, 1)


def change(current: float | None, previous: float | None) -> float | None:
    """Current minus previous (two decimals), or None when either is unknown or hidden."""
    if current is None or previous is None:
        return None
    return round(current - previous, 2)
