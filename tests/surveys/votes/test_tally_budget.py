"""Participatory budget: greedy approval, skip if unaffordable."""

from hypothesis import given
from hypothesis import strategies as st

from surveys.votes.tally import BUDGET_RULE, count_budget

PROJECTS = ("benches", "garden", "lights", "mural", "playground")
costs_strategy = st.fixed_dictionaries({p: st.integers(0, 5_000) for p in PROJECTS})
ballots_strategy = st.lists(st.sets(st.sampled_from(PROJECTS)) | st.just({"casino"}))


@given(ballots_strategy, costs_strategy, st.integers(0, 15_000))
def test_budget_is_never_exceeded(ballots, costs, budget):
    result = count_budget(ballots, costs, budget)
    assert result.total_spent == sum(costs[p] for p in result.funded) <= budget
    assert result.remaining == budget - result.total_spent
    assert result.ballots == len(ballots)


@given(ballots_strategy, costs_strategy, st.integers(0, 15_000))
def test_budget_follows_the_greedy_rule(ballots, costs, budget):
    result = count_budget(ballots, costs, budget)
    keys = [(-result.approvals[p], costs[p], p) for p in result.ranking]
    assert keys == sorted(keys)
    left = budget
    for project in result.ranking:
        if project in result.funded:
            assert costs[project] <= left
            left -= costs[project]
        elif project in result.unaffordable:
            assert costs[project] > left
        else:
            assert result.approvals[project] == 0


@given(ballots_strategy, costs_strategy, st.integers(0, 15_000), st.randoms())
def test_budget_ignores_ballot_order(ballots, costs, budget, rnd):
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert count_budget(shuffled, costs, budget).to_dict() == (
        count_budget(ballots, costs, budget).to_dict()
    )


def test_ties_go_to_the_cheaper_project_then_the_id():
    ballots = [{"garden", "lights", "mural"}]
    costs = {"benches": 1, "garden": 300, "lights": 200, "mural": 200, "playground": 1}
    result = count_budget(ballots, costs, 450)
    assert result.ranking[:3] == ("lights", "mural", "garden")
    assert result.funded == ("lights", "mural")
    assert result.unaffordable == ("garden",)
    assert result.remaining == 50
    assert "benches" not in result.funded  # nobody approved it, cheap as it is


def test_the_rule_is_stated():
    result = count_budget([{"garden"}], dict.fromkeys(PROJECTS, 10), 100)
    assert result.to_dict()["rule"] == BUDGET_RULE
    assert "skip if unaffordable" in result.explain()[1]
