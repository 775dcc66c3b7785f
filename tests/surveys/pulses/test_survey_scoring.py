from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.pulses.scoring import (
    answered,
    change,
    distribution,
    enps,
    mean,
    response_rate,
    round_half_away,
)

scale_counts = st.dictionaries(st.integers(1, 5), st.integers(0, 10**6))
enps_counts = st.dictionaries(st.integers(0, 10), st.integers(0, 10**6))


def test_enps_worked_example_6_promoters_2_passives_2_detractors():
    assert enps({10: 3, 9: 3, 8: 1, 7: 1, 6: 1, 0: 1}) == 40


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({10: 5}, 100),
        ({0: 3, 6: 2}, -100),
        ({7: 4, 8: 4}, 0),
        ({9: 1, 5: 2}, -33),  # 33.3 - 66.7
        ({9: 1, 7: 6, 3: 1}, 0),
        ({10: 1, 7: 6, 8: 0, 0: 0, 2: 1}, 0),
        ({9: 3, 7: 4, 1: 1}, 25),  # 37.5 - 12.5
        ({9: 1, 7: 7}, 13),  # 12.5 rounds away from zero, not to even
        ({0: 1, 7: 7}, -13),
    ],
)
def test_enps_examples(counts, expected):
    assert enps(counts) == expected


def test_enps_of_nobody_is_none():
    assert enps({}) is None
    assert enps({9: 0}) is None


def test_enps_rejects_values_outside_0_to_10():
    with pytest.raises(ValueError):
        enps({11: 1})


def test_mean_and_distribution_from_counts():
    counts = {5: 2, 4: 3, 2: 1}
    assert mean(counts) == pytest.approx(4.0)
    assert distribution(counts, (1, 2, 3, 4, 5)) == {1: 0, 2: 1, 3: 0, 4: 3, 5: 2}
    assert list(distribution(counts, (5, 4, 3, 2, 1))) == [5, 4, 3, 2, 1]
    assert mean({}) is None


def test_counts_of_a_million_answers_are_cheap():
    assert mean({1: 500_000, 5: 500_000}) == 3.0
    assert answered({1: 500_000, 5: 500_000}) == 1_000_000


def test_distribution_refuses_unknown_values_and_negative_counts():
    with pytest.raises(ValueError, match="outside"):
        distribution({"Pie": 1}, ("Soup", "Salad"))
    with pytest.raises(ValueError, match="negative"):
        distribution({"Soup": -1}, ("Soup", "Salad"))


def test_response_rate_is_a_percentage():
    assert response_rate(40, 160) == 25.0
    assert response_rate(1, 3) == 33.3
    assert response_rate(0, 0) is None
    with pytest.raises(ValueError):
        response_rate(-1, 3)


def test_change_versus_previous():
    assert change(3.8, 3.6) == 0.2
    assert change(10, 15) == -5
    assert change(3.8, None) is None
    assert change(None, 3.8) is None


def test_round_half_away_from_zero():
    assert [round_half_away(x) for x in (0.5, 1.5, 2.5, -2.5, 2.49)] == [1, 2, 3, -3, 2]
    assert round_half_away(Fraction(-1, 2)) == -1


@given(enps_counts)
def test_enps_lies_between_minus_100_and_100(counts):
    score = enps(counts)
    if answered(counts) == 0:
        assert score is None
    else:
        assert -100 <= score <= 100


@given(enps_counts)
def test_enps_is_within_half_a_point_of_the_exact_score(counts):
    total = answered(counts)
    if total:
        promoters = counts.get(9, 0) + counts.get(10, 0)
        detractors = sum(counts.get(v, 0) for v in range(7))
        exact = Fraction(100 * (promoters - detractors), total)
        assert abs(enps(counts) - exact) <= Fraction(1, 2)


@given(scale_counts)
def test_distribution_sums_to_answered_and_mean_lies_within_1_to_5(counts):
    shares = distribution(counts, (1, 2, 3, 4, 5))
    assert sum(shares.values()) == answered(counts)
    average = mean(counts)
    if answered(counts) == 0:
        assert average is None
    else:
        assert 1 <= average <= 5
        assert min(v for v, c in counts.items() if c) <= average
        assert average <= max(v for v, c in counts.items() if c)
