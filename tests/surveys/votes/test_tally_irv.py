"""Instant-runoff: properties, ties and the agreement with one-seat STV."""

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from surveys.votes.tally import count_irv, count_stv

CANDIDATES = ("ash", "beech", "elm", "oak", "yew")


@st.composite
def elections(draw, min_ballots=0):
    candidates = tuple(draw(st.lists(st.sampled_from(CANDIDATES), min_size=1, unique=True)))
    ranking = st.lists(st.sampled_from(candidates), unique=True, max_size=len(candidates))
    spoilt = st.sampled_from([(), ("nobody",), (candidates[0], candidates[0])])
    ballots = draw(st.lists(ranking | spoilt, min_size=min_ballots, max_size=60))
    return candidates, ballots


@given(elections(), st.text(max_size=8))
def test_every_ballot_is_accounted_for_in_every_round(election, seed):
    candidates, ballots = election
    result = count_irv(ballots, candidates, seed=seed)
    assert result.valid + result.invalid == result.ballots == len(ballots)
    for r in result.rounds:
        assert r.continuing_votes + r.exhausted == result.valid
    if result.valid:
        assert result.winner in result.rounds[-1].votes
        eliminated = [r.eliminated for r in result.rounds[:-1]]
        assert len(set(eliminated)) == len(eliminated) and result.winner not in eliminated
    else:
        assert result.winner is None


@given(elections(min_ballots=1), st.text(max_size=8))
def test_a_majority_of_first_preferences_wins_at_once(election, seed):
    candidates, ballots = election
    result = count_irv(ballots, candidates, seed=seed)
    firsts = result.rounds[0].votes if result.rounds else {}
    for name, votes in firsts.items():
        if 2 * votes > result.valid:
            assert result.winner == name
            assert len(result.rounds) == 1


@given(elections(), st.text(max_size=8), st.randoms())
def test_ballot_order_does_not_matter(election, seed, rnd):
    candidates, ballots = election
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert (
        count_irv(shuffled, candidates, seed=seed).to_dict()
        == count_irv(ballots, candidates, seed=seed).to_dict()
    )


@given(elections(), st.text(max_size=8))
def test_one_seat_stv_elects_the_irv_winner(election, seed):
    candidates, ballots = election
    irv = count_irv(ballots, candidates, seed=seed)
    stv = count_stv(ballots, candidates, 1, seed=seed)
    assert stv.elected == ((irv.winner,) if irv.winner else ())


def test_backwards_tie_break_uses_the_latest_round_that_differs():
    ballots = [("ash",)] * 5 + [("beech",)] * 4 + [("elm", "beech")] * 3 + [("oak", "elm")] * 1
    result = count_irv(ballots, ["ash", "beech", "elm", "oak"], seed="agm-2025")
    second = result.rounds[1]
    assert second.votes == {"ash": 5, "beech": 4, "elm": 4}
    assert second.tie.tied == ("beech", "elm")
    assert second.tie.decided_at_stage == 1  # elm had 3 to beech's 4
    assert second.eliminated == "elm"
    assert result.winner == "beech"
    assert result.rounds[2].votes == {"ash": 5, "beech": 7}
    assert result.rounds[2].newly_exhausted == 1


def test_a_tie_level_in_every_round_is_drawn_by_a_reproducible_lot():
    ballots = [("ash",), ("beech",), ("elm",)] * 2 + [("oak",)] * 3
    candidates = ["ash", "beech", "elm", "oak"]
    result = count_irv(ballots, candidates, seed="vote-17")
    tie = result.rounds[0].tie
    assert tie.decided_at_stage is None
    assert tie.lot_among == ("ash", "beech", "elm")

    def draw(name):
        return hashlib.sha256(f"vote-17|1|{name}".encode()).hexdigest()

    assert tie.chosen == min(tie.lot_among, key=draw)
    assert count_irv(list(reversed(ballots)), candidates, seed="vote-17") == result


def test_invalid_ballots_are_counted_not_used():
    ballots = [("ash", "ash"), ("fir",), (), ("ash", "beech"), ("beech",), ("beech",)]
    result = count_irv(ballots, ["ash", "beech"], seed="s")
    assert (result.ballots, result.valid, result.invalid) == (6, 3, 3)
    assert result.winner == "beech"
    assert "3 invalid" in result.explain()[0]
