"""Weighted counts, checked against an independent count written here (hypothesis).

Ballots go into the real ballot table with their weights, and the vote is counted as at
close (`results.count` over `store.choice_counts`); the test adds up the weights itself
and decides by the rules' thresholds in whole numbers, never by the code it checks.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.votes import results
from handlers.votes.state import load
from storage.votes import queries as store
from tests.handlers.votes.test_votes import definition, options
from tests.helpers import START, make_context

RULES = """
[notice]
clear_days = 14
[quorum]
members = 1
[proxies]
allowed = false
[resolutions]
ordinary = "more than 50%"
special = "at least 75%"
[weights]
constituency = { staff = 3, tenant = 1 }
"""
NAMES = ("Amber", "Birch", "Cedar")
numbers = itertools.count(1)
weights = st.integers(min_value=1, max_value=5)


@pytest.fixture(scope="module")
def ctx():
    context = make_context()
    yield context
    context.db.close()


def counted(ctx, made, ballots):
    """Store `ballots` ((choice, weight) pairs) for a new vote and count it as at close."""
    vote_id = f"v{next(numbers)}"
    made = made.__class__(**{**made.__dict__, "id": vote_id})
    store.insert_vote(
        ctx.db,
        {
            "vote_id": vote_id,
            "title": "t",
            "method": made.method,
            "definition": made.to_dict(),
            "status": "closed",
            "closes_at": (START + timedelta(days=1)).isoformat(),
        },
    )
    store.insert_ballots(
        ctx.db, vote_id, [(f"r{n:05}", choice, w) for n, (choice, w) in enumerate(ballots)]
    )
    vote = load(ctx, vote_id)
    return results.count(vote, store.choice_counts(ctx.db, vote_id))


resolution_ballots = st.lists(
    st.tuples(st.sampled_from(("for", "against", "abstain")), weights), max_size=60
)


@settings(max_examples=150, deadline=None)
@given(ballots=resolution_ballots, kind=st.sampled_from(("ordinary", "special")))
def test_a_weighted_resolution_is_decided_as_an_independent_count_decides_it(ctx, ballots, kind):
    made = definition(resolution=kind, rules=RULES, notice_given=START.isoformat())
    result = counted(ctx, made, ballots)
    votes_for = sum(w for choice, w in ballots if choice == "for")
    against = sum(w for choice, w in ballots if choice == "against")
    abstain = sum(w for choice, w in ballots if choice == "abstain")
    cast = votes_for + against  # abstentions are not votes cast
    if kind == "special":
        passed = cast > 0 and 4 * votes_for >= 3 * cast  # at least 75%
    else:
        passed = cast > 0 and 2 * votes_for > cast  # more than 50%
    assert (result.votes_for, result.against, result.abstain) == (votes_for, against, abstain)
    assert result.passed is passed
    line = str(results.headline(result, kind))
    if not cast:
        assert line.endswith("no votes were cast, so it is not passed.")
    else:
        assert line.endswith("were needed. Passed." if passed else "were needed. Not passed.")


@settings(max_examples=150, deadline=None)
@given(
    ballots=st.lists(st.tuples(st.sampled_from(("0", "1", "2")), weights), min_size=1, max_size=60)
)
def test_a_weighted_plurality_count_agrees_with_an_independent_count(ctx, ballots):
    made = definition(method="single", options=options(*NAMES), rules=RULES)
    result = counted(ctx, made, ballots)
    totals = {name: 0 for name in NAMES}
    for choice, weight in ballots:
        totals[NAMES[int(choice)]] += weight
    top = max(totals.values())
    assert result.counts == totals
    assert set(result.winners) == {name for name, votes in totals.items() if votes == top}
    assert result.valid == sum(weight for _, weight in ballots)


@pytest.mark.parametrize(
    ("ballots", "passed"),
    [
        ([("for", 3), ("against", 1)], True),  # exactly 75% of weighted votes
        ([("for", 3), ("for", 1), ("against", 1), ("against", 1)], False),  # 4 of 6
        ([("for", 1), ("for", 1), ("for", 1), ("against", 1), ("abstain", 3)], True),
        ([("abstain", 3)], False),
    ],
)
def test_a_special_resolution_at_its_mark_with_weights_and_abstentions(ctx, ballots, passed):
    made = definition(resolution="special", rules=RULES, notice_given=START.isoformat())
    assert counted(ctx, made, ballots).passed is passed
