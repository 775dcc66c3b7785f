"""Every count gives JSON-ready data and plain lines a member can read."""

import json

import pytest

from surveys.votes.tally import (
    TWO_THIRDS,
    count_approval,
    count_budget,
    count_irv,
    count_resolution,
    count_single_choice,
    count_stv,
)

RANKED = [("ash", "elm"), ("beech",), ("elm", "beech"), ("ash",), ("oak",)]
COUNTS = {
    "resolution": lambda: count_resolution(["for", "against", "abstain"], TWO_THIRDS),
    "single choice": lambda: count_single_choice(["ash", "elm", "ash"], ["ash", "elm"]),
    "approval": lambda: count_approval([{"ash", "elm"}, {"elm"}], ["ash", "elm", "oak"], 2),
    "budget": lambda: count_budget([{"ash"}, {"elm"}], {"ash": 5, "elm": 9}, 10),
    "instant-runoff": lambda: count_irv(RANKED, ["ash", "beech", "elm", "oak"], seed="s"),
    "stv": lambda: count_stv(RANKED, ["ash", "beech", "elm", "oak"], 2, seed="s"),
}


@pytest.mark.parametrize("count", COUNTS.values(), ids=COUNTS.keys())
def test_results_serialise_and_explain_themselves(count):
    result = count()
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()
    lines = result.explain()
    assert lines and all(isinstance(line, str) and line for line in lines)


@pytest.mark.parametrize("count", [count_irv, lambda b, c, seed: count_stv(b, c, 1, seed=seed)])
def test_no_valid_ballots_elects_nobody(count):
    result = count([(), ("nobody",)], ["ash"], seed="s")
    assert result.to_dict()["invalid"] == 2
    assert "no valid ballots" in result.explain()[-1]


def test_candidates_must_be_distinct():
    with pytest.raises(ValueError):
        count_irv([("ash",)], ["ash", "ash"], seed="s")
