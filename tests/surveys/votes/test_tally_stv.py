"""Scottish STV: a published count, properties, and tie handling."""

import hashlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.votes.tally import count_irv, count_stv

CANDIDATES = ("ash", "beech", "elm", "oak", "rowan", "yew")

# Ballots of the GPUS Steering Committee Election 2005-07-24 (94 ballots, 4 seats),
# verbatim from the BLT file test/blt/SC.blt of the Droop project:
# https://github.com/jklundell/droop/blob/master/test/blt/SC.blt
SC_BLT = """\
13 4
1 7 8 9 11 12 0
1 7 8 9 11 12 0
1 13 7 5 4 2 1 0
1 5 13 2 7 4 1 0
1 13 4 1 2 0
1 4 2 13 1 3 0
1 4 13 2 7 0
1 7 8 12 1 13 9 2 4 11 5 0
1 1 13 3 4 7 5 2 0
1 4 1 13 7 3 5 2 0
1 4 1 13 7 3 5 2 0
1 1 4 13 2 7 5 3 9 8 12 11 0
1 7 1 8 9 13 3 2 4 12 5 11 0
1 7 8 9 11 12 0
1 7 1 8 9 13 3 2 4 12 5 11 0
1 7 8 9 11 12 0
1 7 8 9 11 12 0
1 7 8 9 11 12 0
1 5 1 13 3 2 4 7 0
1 7 8 9 3 12 2 13 5 1 4 0
1 3 13 1 2 0
1 3 13 1 2 0
1 4 7 13 5 0
1 4 5 13 3 2 1 0
1 7 8 9 11 12 0
1 7 9 8 12 11 2 13 0
1 7 8 9 11 12 0
1 7 8 9 11 12 0
1 4 3 13 1 0
1 4 3 13 1 0
1 13 3 4 1 7 2 5 0
1 3 13 4 1 7 2 5 0
1 13 3 4 1 2 5 7 0
1 13 1 4 2 5 3 7 0
1 13 4 3 1 2 5 0
1 3 13 1 4 2 7 5 0
1 4 3 13 8 0
1 4 3 13 1 0
1 1 4 13 7 0
1 1 4 13 7 0
1 7 3 4 13 1 5 0
1 9 11 8 7 0
1 7 8 9 11 12 0
1 13 3 5 2 0
1 4 5 2 3 13 0
1 13 5 2 4 1 3 7 0
1 13 5 2 1 7 3 8 0
1 7 8 9 12 11 0
1 7 8 4 9 12 0
1 13 4 7 2 8 0
1 4 13 2 7 1 8 0
1 7 8 11 9 12 0
1 8 4 7 11 13 9 0
1 7 4 2 13 0
1 13 1 7 4 0
1 4 1 2 13 9 5 0
1 1 4 13 5 3 2 0
1 7 5 4 8 11 2 13 1 3 9 12 0
1 4 8 7 5 13 2 1 3 9 0
1 3 4 7 2 12 13 8 1 5 0
1 7 8 9 11 12 0
1 7 8 11 9 0
1 7 8 11 9 0
1 7 8 9 11 12 0
1 7 8 9 11 12 0
1 7 8 9 11 12 0
1 13 2 4 7 5 1 0
1 7 8 9 11 12 0
1 7 8 9 11 0
1 7 8 9 11 12 0
1 2 7 8 12 13 11 1 5 9 0
1 4 7 8 2 0
1 4 13 5 2 1 3 0
1 13 4 7 3 1 5 8 2 9 0
1 4 3 13 1 7 0
1 13 4 1 3 0
1 4 1 13 3 2 7 8 0
1 2 4 13 5 0
1 2 3 4 1 13 7 0
1 3 1 4 13 0
1 4 3 1 2 11 0
1 3 1 4 13 2 7 0
1 4 1 2 8 3 0
1 4 1 5 13 2 3 0
1 4 1 5 13 2 3 0
1 7 8 9 11 12 0
1 7 8 9 11 12 0
1 13 7 3 2 5 4 1 0
1 13 5 7 2 4 1 0
1 7 8 9 11 12 0
1 1 13 3 7 2 4 5 0
1 13 1 2 7 4 5 3 0
1 13 1 2 7 4 5 3 0
1 3 1 4 2 13 7 9 5 8 0
0
"Budd Dickinson"
"Kirit Mookerjee"
"Tom Sevigny"
"Pat LaMarche"
"Michael Piacsek"
"Write-In 2"
"Rebecca Rotzler"
"Kristen Olsen"
"Jason Jones"
"Write-In 1"
"Steve Greenfield"
"Jimmy Leas"
"Steve Kramer"
"GPUS Steering Committee Election 2005-07-24"
"""


# fmt: off
# Droop's report of SC.blt, stage by stage: only the stages that move votes (action,
# candidate, every candidate's votes if not 0, non-transferable, lost to rounding).
DROOP_SC_STAGES = [
    ("first preferences", None, {
        "Budd Dickinson": "6", "Kirit Mookerjee": "3", "Tom Sevigny": "8",
        "Pat LaMarche": "22", "Michael Piacsek": "2", "Rebecca Rotzler": "33",
        "Kristen Olsen": "1", "Jason Jones": "1", "Steve Kramer": "18",
    }, "0", "0"),
    ("surplus", "Rebecca Rotzler", {
        "Budd Dickinson": "6.84848", "Kirit Mookerjee": "3.42424",
        "Tom Sevigny": "8.42424", "Pat LaMarche": "22", "Michael Piacsek": "2.42424",
        "Rebecca Rotzler": "19", "Kristen Olsen": "12.45448", "Jason Jones": "1.42424",
        "Steve Kramer": "18",
    }, "0", "0.00008"),
    ("surplus", "Pat LaMarche", {
        "Budd Dickinson": "7.80300", "Kirit Mookerjee": "3.56060",
        "Tom Sevigny": "9.24240", "Pat LaMarche": "19", "Michael Piacsek": "2.69696",
        "Rebecca Rotzler": "19", "Kristen Olsen": "12.72720", "Jason Jones": "1.42424",
        "Steve Kramer": "18.54544",
    }, "0", "0.00016"),
    ("exclusion", "Jason Jones", {
        "Budd Dickinson": "7.80300", "Kirit Mookerjee": "3.56060",
        "Tom Sevigny": "9.24240", "Pat LaMarche": "19", "Michael Piacsek": "2.69696",
        "Rebecca Rotzler": "19", "Kristen Olsen": "14.15144", "Steve Kramer": "18.54544",
    }, "0", "0.00016"),
    ("exclusion", "Michael Piacsek", {
        "Budd Dickinson": "8.80300", "Kirit Mookerjee": "3.69696",
        "Tom Sevigny": "9.24240", "Pat LaMarche": "19", "Rebecca Rotzler": "19",
        "Kristen Olsen": "14.57568", "Steve Kramer": "19.68180",
    }, "0", "0.00016"),
    ("surplus", "Steve Kramer", {
        "Budd Dickinson": "9.01084", "Kirit Mookerjee": "3.95360",
        "Tom Sevigny": "9.45496", "Pat LaMarche": "19", "Rebecca Rotzler": "19",
        "Kristen Olsen": "14.57568", "Steve Kramer": "19",
    }, "0.00472", "0.00020"),
    ("exclusion", "Kirit Mookerjee", {
        "Budd Dickinson": "9.36448", "Tom Sevigny": "10.59132", "Pat LaMarche": "19",
        "Rebecca Rotzler": "19", "Kristen Olsen": "15.61032", "Steve Kramer": "19",
    }, "1.43368", "0.00020"),
    ("exclusion", "Budd Dickinson", {
        "Tom Sevigny": "16.62204", "Pat LaMarche": "19", "Rebecca Rotzler": "19",
        "Kristen Olsen": "16.59988", "Steve Kramer": "19",
    }, "3.77788", "0.00020"),
    ("exclusion", "Kristen Olsen", {
        "Tom Sevigny": "18.59172", "Pat LaMarche": "19", "Rebecca Rotzler": "19",
        "Steve Kramer": "19",
    }, "18.40808", "0.00020"),
]
# fmt: on


def parse_blt(text):
    """Read the ballots and candidate names of a BLT file (weights, then names)."""
    lines = text.splitlines()
    n_candidates, seats = map(int, lines[0].split())
    end = lines.index("0")
    names = [line.strip('"') for line in lines[end + 1 : end + 1 + n_candidates]]
    ballots = []
    for line in lines[1:end]:
        weight, *prefs = map(int, line.split())
        ballots += [tuple(names[p - 1] for p in prefs[:-1])] * weight
    return names, seats, ballots


def test_reproduces_the_published_scottish_stv_count_of_the_droop_project():
    """Every stage of Droop's reference count of SC.blt under its Scottish STV rule.

    Source (read for this test): the expected report
    https://github.com/jklundell/droop/blob/master/test/ref/report/SC-scotland-fixed-p5-d5.txt
    written by Droop (Jonathan Lundell's STV package) for "Rule: Scottish STV,
    fixed-point decimal arithmetic (5 places)". It is another implementation's
    published reference output, not a returning officer's count.

    Droop drew lots to exclude the four candidates with no votes at all; those
    stages move no votes and are skipped here. Each tuple of DROOP_SC_STAGES is a stage that
    moves votes: the totals of every candidate holding votes afterwards, the
    running non-transferable total and Droop's "Residual" (lost to rounding).
    """
    names, seats, ballots = parse_blt(SC_BLT)
    result = count_stv(ballots, names, seats, seed="SC")
    assert (result.valid, result.quota) == (94, 19)

    moving = [s for s in result.stages if s.number == 1 or s.transfers]
    actual = [
        (s.action, s.candidate, {c: v for c, v in s.votes.items() if v},
         s.non_transferable, s.rounding_loss)
        for s in moving
    ]  # fmt: skip
    assert actual == [
        (action, who, {c: Decimal(v) for c, v in votes.items()}, Decimal(nt), Decimal(lost))
        for action, who, votes, nt, lost in DROOP_SC_STAGES
    ]
    assert moving[1].transfer_value == Decimal("0.42424")
    assert result.stages[0].elected == ("Rebecca Rotzler", "Pat LaMarche")
    assert moving[4].elected == ("Steve Kramer",)
    assert result.stages[-1].elected_without_quota == ("Tom Sevigny",)
    assert result.elected == ("Rebecca Rotzler", "Pat LaMarche", "Steve Kramer", "Tom Sevigny")


@st.composite
def elections(draw):
    candidates = tuple(draw(st.lists(st.sampled_from(CANDIDATES), min_size=1, unique=True)))
    ranking = st.lists(st.sampled_from(candidates), unique=True, max_size=len(candidates))
    spoilt = st.sampled_from([(), ("nobody",)])
    ballots = draw(st.lists(ranking | spoilt, max_size=60))
    seats = draw(st.integers(1, len(CANDIDATES)))
    return candidates, ballots, seats


@given(elections(), st.text(max_size=8))
def test_every_vote_is_accounted_for_at_every_stage(election, seed):
    candidates, ballots, seats = election
    result = count_stv(ballots, candidates, seats, seed=seed)
    assert result.valid + result.invalid == result.ballots == len(ballots)
    for stage in result.stages:
        total = sum(stage.votes.values()) + stage.non_transferable + stage.rounding_loss
        assert total == result.valid
        assert all(v.as_tuple().exponent >= -5 for v in stage.votes.values())


@given(elections(), st.text(max_size=8))
def test_the_seats_are_filled_and_quota_holders_elected(election, seed):
    candidates, ballots, seats = election
    result = count_stv(ballots, candidates, seats, seed=seed)
    assert result.quota == result.valid // (seats + 1) + 1
    if not result.valid:
        assert result.elected == ()
        return
    assert len(result.elected) == len(set(result.elected)) == min(seats, len(candidates))
    for name, votes in result.stages[0].votes.items():
        if votes >= result.quota:
            assert name in result.elected


@given(elections(), st.text(max_size=8), st.randoms())
def test_ballot_order_does_not_matter(election, seed, rnd):
    candidates, ballots, seats = election
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert (
        count_stv(shuffled, candidates, seats, seed=seed).to_dict()
        == count_stv(ballots, candidates, seats, seed=seed).to_dict()
    )


def test_one_seat_agrees_with_instant_runoff_round_by_round():
    ballots = [("ash", "elm")] * 4 + [("beech", "elm")] * 3 + [("elm", "beech")] * 2
    irv = count_irv(ballots, ["ash", "beech", "elm"], seed="x")
    stv = count_stv(ballots, ["ash", "beech", "elm"], 1, seed="x")
    assert irv.winner == "beech" and stv.elected == ("beech",)
    assert [s.candidate for s in stv.stages[1:]] == [r.eliminated for r in irv.rounds[:-1]]


def test_weighted_inclusive_gregory_revalues_every_paper_of_a_surplus():
    ballots = [("yew", "oak", "elm")] * 5 + [("yew",)] * 2 + [("oak", "ash")] * 4
    ballots += [("elm",)] * 4 + [("ash",)] * 3
    result = count_stv(ballots, ["ash", "elm", "oak", "yew"], 3, seed="x")
    assert result.quota == 5  # 18 // 4 + 1
    yew, oak = result.stages[1], result.stages[2]
    # yew passes on 2/7 of a vote per paper, cut to 0.28571; two papers go nowhere
    assert (yew.candidate, yew.transfer_value) == ("yew", Decimal("0.28571"))
    assert yew.votes["oak"] == Decimal("5.42855") and yew.elected == ("oak",)
    assert yew.non_transferable == Decimal("0.57142")
    assert yew.rounding_loss == Decimal("0.00003")
    # oak's surplus 0.42855 over 5.42855 votes: papers worth 1 pass on 0.07894,
    # the five papers received from yew at 0.28571 pass on 0.02255 each
    assert (oak.candidate, oak.transfer_value) == ("oak", Decimal("0.07894"))
    assert oak.transfers == {
        "ash": Decimal("0.31576"),
        "elm": Decimal("0.11275"),
        "oak": Decimal("-0.42855"),
    }
    assert oak.rounding_loss == Decimal("0.00007")


def test_equal_surpluses_go_by_the_latest_stage_that_differs():
    ballots = [("ash", "elm")] * 8 + [("beech", "oak")] * 7 + [("elm", "rowan")] * 5
    ballots += [("oak",)] * 3 + [("rowan",)] * 2
    result = count_stv(ballots, ["ash", "beech", "elm", "oak", "rowan"], 4, seed="x")
    assert result.quota == 6  # 25 // 5 + 1
    assert result.stages[1].votes["elm"] == Decimal(7)  # ash's surplus of 2, all to elm
    third = result.stages[2]
    assert third.tie.tied == ("beech", "elm")  # both 7, surplus 1 each (rule 49(2))
    assert third.tie.decided_at_stage == 1  # beech 7, elm 5
    assert (third.action, third.candidate) == ("surplus", "beech")


def test_level_lowest_candidates_go_by_the_latest_stage_that_differs():
    ballots = [("ash",)] * 4 + [("beech",)] * 3 + [("elm",)] * 2 + [("oak", "elm")]
    result = count_stv(ballots, ["ash", "beech", "elm", "oak"], 2, seed="x")
    assert result.quota == 4  # 10 // 3 + 1
    assert result.stages[1].candidate == "oak"
    third = result.stages[2]
    assert third.tie.tied == ("beech", "elm")  # 3 each after oak's exclusion
    assert third.tie.decided_at_stage == 1  # elm had 2 to beech's 3 (rule 51(2)(a))
    assert third.candidate == "elm"
    assert result.elected == ("ash", "beech")


def test_candidates_level_at_every_stage_are_separated_by_a_reproducible_lot():
    ballots = [("ash",)] * 3 + [("beech",)] * 2 + [("elm",)] * 2
    result = count_stv(ballots, ["ash", "beech", "elm"], 2, seed="lot")
    tie = result.stages[1].tie
    assert (tie.decided_at_stage, tie.lot_among) == (None, ("beech", "elm"))

    def draw(name):
        return hashlib.sha256(f"lot|1|{name}".encode()).hexdigest()

    assert tie.chosen == min(tie.lot_among, key=draw) == result.stages[1].candidate
    assert result == count_stv(list(reversed(ballots)), ["ash", "beech", "elm"], 2, seed="lot")


def test_no_seats_is_refused():
    with pytest.raises(ValueError):
        count_stv([("ash",)], ["ash"], 0, seed="x")


def test_explain_reads_round_by_round():
    names, seats, ballots = parse_blt(SC_BLT)
    lines = count_stv(ballots, names, seats, seed="SC").explain()
    assert lines[1] == "4 seats. Quota: 94 / (4 + 1), ignoring fractions, plus 1 = 19 votes."
    assert any("Rebecca Rotzler's surplus of 14" in line and "0.42424" in line for line in lines)
    assert lines[-1].startswith("Elected: Rebecca Rotzler")
