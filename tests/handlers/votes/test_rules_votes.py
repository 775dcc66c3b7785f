"""Resolutions and elections under the society's rules (organisation.rules): the result
applies the rules' threshold and says so; what breaks the rules is refused in plain words."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from handlers.digests.newsletter import _result
from handlers.i18n import translator
from handlers.settings import Organisation, Policy, Privacy
from handlers.votes import results
from handlers.votes.admin import (
    VoteError,
    close_vote,
    create_vote,
    open_vote,
    published_ballots,
    published_result,
)
from handlers.votes.state import load
from surveys.votes.definitions import VoteDefinitionError, parse_vote
from tests.handlers.votes.test_votes import CANDIDATES, Kit, definition, options
from tests.helpers import START, add_members, link, make_context

RULES = """
name = "Riverside Homes Co-operative Ltd"

[eligibility]
constituencies = ["tenant", "staff"]
minimum_membership_days = {minimum}

[notice]
clear_days = 14
resolutions = ["special"]

[quorum]
members = 2

[resolutions]
ordinary = "more than 50%"
special = "at least 75%"
abstentions = "{abstentions}"

[proxies]
allowed = false

[elections]
method = "stv"
"""
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"m{n},Member {n},,tenant\n" for n in range(1, 6)
)


def society(tmp_path, minimum: int = 0, abstentions: str = "not-cast"):
    path = tmp_path / "rules.toml"
    path.write_text(RULES.format(minimum=minimum, abstentions=abstentions))
    ctx = make_context(policy=Policy(organisation=Organisation(rules=str(path))))
    return ctx


@pytest.fixture
def ruled(tmp_path):
    ctx = society(tmp_path)
    yield ctx
    ctx.db.close()


def special(**fields):
    """A special resolution opening 15 days on: 14 clear days after today."""
    base = {
        "resolution": "special",
        "opens": START + timedelta(days=15),
        "closes": START + timedelta(days=22),
    }
    return definition(**{**base, **fields})


def test_a_special_resolution_at_exactly_75_percent_passes_and_says_so_everywhere(ruled):
    kit = Kit(ruled, roster=ROSTER, linked=("m1", "m2", "m3", "m4", "m5"))
    create_vote(ruled, special(), "test")
    ruled.clock.advance(days=15)
    kit.tick()
    [ballot] = kit.command("m1", "vote")
    assert (
        "This is a special resolution: it passes if at least 75% of the votes cast are For "
        "(abstentions don't count)." in ballot.text
    )
    for member, choice in (("m1", "For"), ("m2", "For"), ("m3", "For"), ("m4", "Against")):
        kit.vote(member, "agm", choice)
    kit.vote("m5", "agm", "Abstain")
    told = []
    close_vote(ruled, "agm", "test", told.extend)
    line = "Special resolution: 75% of votes cast were For; 75% were needed. Passed."
    result = published_result(ruled, "agm")
    assert result["headline"] == line and line in result["explanation"]
    assert result["count"]["threshold"] == "3/4" and result["count"]["passed"]
    # The result members get in chat says the same, and the members' newsletter, in
    # each reader's language.
    assert told and all(line in message.text for message in told if message.to.member_id)
    closed = load(ruled, "agm")
    assert f"Adopt the new rules: {line} (5 of 5 voted)" == _result(closed, translator("en"))
    assert (
        "Penderfyniad arbennig: roedd 75% o'r pleidleisiau a fwriwyd O blaid; roedd angen "
        "75%. Wedi'i basio." in _result(closed, translator("cy"))
    )


def test_special_resolutions_at_74_and_76_percent_and_an_ordinary_one(ruled):
    vote = replace(load_created(ruled, special()), short=1)
    for (votes_for, against), outcome in (
        ((76, 24), "76% of votes cast were For; 75% were needed. Passed."),
        ((74, 26), "74% of votes cast were For; 75% were needed. Not passed."),
        ((2999, 1001), "74.9% of votes cast were For; 75% were needed. Not passed."),
    ):
        counted = results.count(vote, [("for", votes_for), ("against", against), ("abstain", 50)])
        summary = results.summarise(vote, counted, 150, 200, provisional=False)
        assert summary["headline"] == f"Special resolution: {outcome}"
    ordinary = replace(vote, definition=replace(vote.definition, resolution="ordinary"))
    half = results.count(ordinary, [("for", 50), ("against", 50)])
    assert str(results.headline(half, "ordinary")) == (
        "Ordinary resolution: 50% of votes cast were For; more than 50% were needed. Not passed."
    )
    none = results.count(vote, [("abstain", 3)])
    assert str(results.headline(none, "special")) == (
        "Special resolution: no votes were cast, so it is not passed."
    )


def test_abstentions_count_as_cast_where_the_rules_say_so(tmp_path):
    ctx = society(tmp_path, abstentions="cast")
    vote = load_created(ctx, special())
    counted = results.count(vote, [("for", 3), ("against", 0), ("abstain", 1)])
    assert counted.votes_cast == 4 and counted.passed  # 3 of 4 is 75%
    counted = results.count(vote, [("for", 3), ("against", 0), ("abstain", 2)])
    assert counted.votes_cast == 5 and not counted.passed
    assert str(results.headline(counted, "special")).startswith("Special resolution: 60%")
    assert "abstentions are, as the society's rules say" in counted.explain()[1]
    ctx.db.close()


def test_the_count_keeps_the_rules_it_was_created_under(ruled):
    vote = load_created(ruled, special())
    path = ruled.policy.organisation.rules
    with open(path, "w") as changed:
        changed.write(RULES.format(minimum=0, abstentions="not-cast").replace("75%", "60%"))
    counted = results.count(load(ruled, "agm"), [("for", 70), ("against", 30)])
    assert vote.definition.rules and not counted.passed  # 70% < the 75% it was created under


def load_created(ctx, made):
    add_members(ctx, ROSTER)
    create_vote(ctx, made, "test")
    found = load(ctx, made.id)
    assert found is not None and found.definition.society_rules is not None
    return found


def test_a_resolution_by_the_rules_needs_the_rules(ctx):
    with pytest.raises(VoteError, match=r"^resolution: the society's rules are not set: add rules"):
        create_vote(ctx, special(), "test")


def test_too_little_notice_is_refused_at_creation_and_at_opening(ruled):
    soon = special(opens=START + timedelta(days=5))
    with pytest.raises(VoteError) as refused:
        create_vote(ruled, soon, "test")
    assert str(refused.value) == (
        "opens: a special resolution needs 14 clear days' notice under the society's rules; "
        "notice given on 2026-11-23 and opening on 2026-11-28 gives 4. "
        "Open it on 2026-12-08 or later."
    )
    create_vote(ruled, special(opens=None), "test")  # opened by hand: checked then
    ruled.clock.advance(days=14)
    with pytest.raises(VoteError, match=r"^agm cannot open yet: a special resolution needs 14"):
        open_vote(ruled, "agm", "test")
    ruled.clock.advance(days=1)
    list(open_vote(ruled, "agm", "test"))
    assert load(ruled, "agm").status == "open"


def test_an_ordinary_resolution_needs_no_notice_where_the_rules_ask_it_of_special_ones(ruled):
    create_vote(ruled, special(resolution="ordinary", opens=START + timedelta(hours=1)), "test")
    assert load(ruled, "agm").definition.resolution == "ordinary"


def test_an_election_by_a_method_the_rules_do_not_use_is_refused(ruled):
    irv = definition(id="board", method="irv", options=options(*CANDIDATES))
    election = replace(irv, options_key="candidates")
    with pytest.raises(
        VoteError,
        match=(
            r'^method: the society\'s rules elect by single transferable vote: use method = "stv", '
            r'not "irv"$'
        ),
    ):
        create_vote(ruled, election, "test")
    create_vote(ruled, irv, "test")  # a vote among options, not people: not an election


def test_a_constituency_the_rules_do_not_let_vote_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(RULES.format(minimum=0, abstentions="not-cast"))
    policy = Policy(
        organisation=Organisation(rules=str(path), constituencies=("staff", "tenant", "supporter"))
    )
    ctx = make_context(policy=policy)
    with pytest.raises(
        VoteError,
        match=(
            "^constituencies: under the society's rules only tenant and staff members vote, so "
            "supporter members cannot$"
        ),
    ):
        create_vote(ctx, special(constituencies=("tenant", "supporter")), "test")
    # Naming none, it is for every constituency the rules let vote.
    assert create_vote(ctx, special(), "test").definition.constituencies == ("tenant", "staff")
    ctx.db.close()


def test_the_roll_is_members_on_the_notice_date_for_the_rules_minimum(tmp_path):
    ctx = society(tmp_path, minimum=28)
    kit = Kit(ctx, roster=ROSTER, linked=("m1",))
    ctx.clock.advance(days=29)
    add_members(ctx, "member_id,name,email,constituency\nm6,Member 6,,tenant\n")
    link(ctx, "m6")
    create_vote(ctx, special(opens=None, closes=ctx.now() + timedelta(days=30)), "test")
    ctx.clock.advance(days=15)
    list(open_vote(ctx, "agm", "test"))
    assert load(ctx, "agm").eligible == 5  # m6 joined a day before notice: too recently
    [refused] = kit.command("m6", "vote", "agm")
    assert "under the society's rules, only members who had joined by" in refused.text
    ctx.db.close()


def test_the_file_says_resolution_or_threshold_not_both():
    data = {
        "id": "agm",
        "title": "Rules",
        "explanation": "Adopt them.",
        "method": "resolution",
        "resolution": "special",
        "closes": "2099-01-01T10:00",
    }
    assert parse_vote(data, "agm.toml").resolution == "special"
    with pytest.raises(VoteDefinitionError, match="agm.toml: threshold: give either threshold or"):
        parse_vote({**data, "threshold": "two-thirds"}, "agm.toml")
    with pytest.raises(VoteDefinitionError, match="resolution: must be one of ordinary, special"):
        parse_vote({**data, "resolution": "extraordinary"}, "agm.toml")
    with pytest.raises(VoteDefinitionError, match="resolution: only applies to method resolution"):
        parse_vote({**data, "method": "single", "options": [{"name": "A"}, {"name": "B"}]}, "x")


WEIGHTED_ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,,tenant
t2,Lee Chen,,tenant
s1,Sam Okafor,,staff
s2,Priya Shah,,staff
"""


def weighted(tmp_path, threshold: int = 2):
    """Staff votes count 3; results and ballot lists shown from `threshold` members."""
    path = tmp_path / "rules.toml"
    text = RULES.format(minimum=0, abstentions="not-cast")
    path.write_text(text + "\n[weights]\nconstituency = { staff = 3 }\n")
    policy = Policy(
        organisation=Organisation(rules=str(path)),
        privacy=Privacy(anonymity_threshold=threshold, comment_threshold=threshold),
    )
    return make_context(policy=policy)


def test_a_weight_held_by_fewer_than_the_anonymity_threshold_is_refused(tmp_path):
    ctx = weighted(tmp_path, threshold=3)
    add_members(ctx, WEIGHTED_ROSTER)
    create_vote(ctx, special(opens=None), "test")
    ctx.clock.advance(days=15)
    with pytest.raises(VoteError) as refused:
        open_vote(ctx, "agm", "test")
    assert str(refused.value) == (
        "agm cannot open: only 2 members (tenant) would cast ballots counting 1 vote, and the "
        "published ballots show each ballot's weight; with fewer than 3 their votes could be "
        "told apart"
    )
    ctx.db.close()


def test_weighted_votes_count_for_their_weight_and_the_ballot_list_says_it(tmp_path):
    ctx = weighted(tmp_path)
    kit = Kit(ctx, roster=WEIGHTED_ROSTER, linked=("t1", "t2", "s1"))
    create_vote(ctx, special(), "test")
    ctx.clock.advance(days=15)
    kit.tick()
    for member, choice in (("s1", "For"), ("t1", "For"), ("t2", "Against")):
        kit.vote(member, "agm", choice)
    close_vote(ctx, "agm", "test")
    result = published_result(ctx, "agm")
    # One member, one vote would be 2 of 3 (66.6%): not passed. Staff votes count 3.
    assert (result["count"]["for"], result["count"]["against"]) == (4, 1)
    assert result["voted"] == 3 and result["weights"] == {"tenant": 1, "staff": 3}
    assert result["headline"] == (
        "Special resolution: 80% of votes cast were For; 75% were needed. Passed."
    )
    assert any("Votes are weighted as the society's rules say" in x for x in result["explanation"])
    ballots = published_ballots(ctx, "agm")
    assert sorted((b["raw"], b["weight"]) for b in ballots) == [
        ("against", 1),
        ("for", 1),
        ("for", 3),
    ]
    ctx.db.close()
