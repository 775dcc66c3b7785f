"""Resolutions, single-choice and approval counts."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.votes.tally import (
    SIMPLE_MAJORITY,
    TWO_THIRDS,
    Threshold,
    count_approval,
    count_resolution,
    count_single_choice,
)

OPTIONS = ("apple", "birch", "cedar", "damson")
resolution_ballots = st.lists(st.sampled_from(["for", "against", "abstain", "spoilt"]))
single_ballots = st.lists(st.sampled_from([*OPTIONS, "unknown", None]))
approval_ballots = st.lists(st.sets(st.sampled_from(OPTIONS)) | st.just({"unknown"}))


@given(resolution_ballots, st.sampled_from([SIMPLE_MAJORITY, TWO_THIRDS]))
def test_resolution_passes_iff_threshold_met(ballots, threshold):
    result = count_resolution(ballots, threshold)
    votes_for, against = ballots.count("for"), ballots.count("against")
    cast = votes_for + against
    if threshold is SIMPLE_MAJORITY:
        expected = votes_for > against
    else:
        expected = cast > 0 and 3 * votes_for >= 2 * cast
    assert result.passed == expected
    assert result.ballots == len(ballots)
    assert result.invalid == ballots.count("spoilt")


@given(resolution_ballots, st.randoms())
def test_resolution_ignores_ballot_order(ballots, rnd):
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert count_resolution(shuffled).to_dict() == count_resolution(ballots).to_dict()


def test_abstentions_do_not_count_towards_the_threshold():
    result = count_resolution(["for"] * 2 + ["against"] + ["abstain"] * 10, TWO_THIRDS)
    assert result.passed
    assert result.votes_cast == 3
    assert any("Abstentions" in line and "not votes cast" in line for line in result.explain())


def test_simple_majority_needs_more_than_half():
    assert not count_resolution(["for", "against"]).passed
    assert count_resolution(["for", "for", "against"]).passed


def test_two_thirds_is_inclusive():
    assert count_resolution(["for", "for", "against"], TWO_THIRDS).passed
    assert not count_resolution(["for", "for", "against", "against"], TWO_THIRDS).passed


def test_no_votes_cast_never_passes():
    assert not count_resolution(["abstain"], TWO_THIRDS).passed
    assert not count_resolution([], Threshold(Fraction(1, 4), inclusive=True)).passed


def test_unreachable_threshold_is_refused():
    with pytest.raises(ValueError):
        Threshold(Fraction(1), inclusive=False)
    with pytest.raises(ValueError):
        Threshold(Fraction(0), inclusive=True)


@given(single_ballots, st.randoms())
def test_single_choice_accounts_and_ignores_order(ballots, rnd):
    result = count_single_choice(ballots, OPTIONS)
    assert sum(result.counts.values()) + result.invalid == len(ballots)
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert count_single_choice(shuffled, OPTIONS).to_dict() == result.to_dict()


@given(single_ballots)
def test_single_choice_winners_are_all_the_top_options(ballots):
    result = count_single_choice(ballots, OPTIONS)
    if result.valid:
        top = max(result.counts.values())
        assert set(result.winners) == {o for o, n in result.counts.items() if n == top}
        assert result.tie == (len(result.winners) > 1)
    else:
        assert result.winners == ()


def test_single_choice_reports_a_tie_without_picking():
    result = count_single_choice(["apple", "birch", "cedar", "birch", "apple"], OPTIONS)
    assert result.tie
    assert result.winners == ("apple", "birch")
    assert any("Tie" in line for line in result.explain())


@given(approval_ballots, st.integers(1, len(OPTIONS)), st.randoms())
def test_approval_ignores_ballot_order(ballots, seats, rnd):
    shuffled = [list(b) for b in ballots]
    rnd.shuffle(shuffled)
    for ballot in shuffled:
        rnd.shuffle(ballot)
    assert (
        count_approval(shuffled, OPTIONS, seats).to_dict()
        == count_approval(ballots, OPTIONS, seats).to_dict()
    )


@given(approval_ballots, st.integers(1, len(OPTIONS)))
def test_approval_counts_and_seats(ballots, seats):
    result = count_approval(ballots, OPTIONS, seats)
    assert result.ballots == len(ballots)
    for option in OPTIONS:
        assert result.counts[option] == sum(1 for b in ballots if option in b and b <= set(OPTIONS))
    assert len(result.winners) <= seats
    if result.tied:
        assert len(result.winners) + len(result.tied) > seats
    else:
        assert len(result.winners) == seats
    losers = set(OPTIONS) - set(result.winners) - set(result.tied)
    for winner in result.winners:
        for other in [*result.tied, *losers]:
            assert result.counts[winner] > result.counts[other]


def test_approval_tie_for_the_last_seat_is_reported():
    ballots = [{"apple", "birch"}, {"apple", "cedar"}, {"damson"}]
    result = count_approval(ballots, OPTIONS, seats=2)
    assert result.winners == ("apple",)
    assert result.tied == ("birch", "cedar", "damson")
    assert any("Tie for the last 1 place" in line for line in result.explain())


def test_approval_blank_and_invalid_ballots_are_counted():
    result = count_approval([set(), {"apple", "nonsense"}, ["apple", "apple"]], OPTIONS)
    assert (result.valid, result.blank, result.invalid) == (1, 1, 1)
    assert result.counts["apple"] == 1
