"""rules.toml: read strictly, every problem one line with its line number, said plainly."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from surveys.rules import RulesError, Share, load_rules_file, parse_rules
from tests.helpers import ROOT

MINIMAL = """
[notice]
clear_days = 14

[quorum]
members = 10

[proxies]
allowed = false
"""


def test_the_example_matches_a_typical_co_operatives_rules():
    rules = load_rules_file(ROOT / "examples" / "rules.toml")
    assert rules.notice.clear_days == 14
    assert rules.resolutions.special == Share(Fraction(3, 4), at_least=True)
    assert rules.resolutions.ordinary == Share(Fraction(1, 2), at_least=False)
    assert not rules.resolutions.abstentions_cast
    assert rules.proxies.most_per_holder == 5 and rules.proxies.holders == ("member", "chair")
    assert rules.eligibility.constituencies == ("tenant", "staff")
    assert rules.elections.method == "stv"
    assert rules.weights == ()
    summary = rules.summary()
    assert summary[1].startswith("Notice: 14 clear days")
    assert "Quorum: 10 members or 5% of members, whichever is more" in summary[2]
    assert "Special resolution: at least 75% of votes cast For." in summary[3]
    assert "Abstentions are not votes cast." in summary[3]
    assert "no one may hold more than 5" in summary[4]
    assert summary[-1] == "Vote weights: one member, one vote."


def test_the_fewest_keys_give_the_model_rules_defaults():
    rules = parse_rules(MINIMAL)
    assert rules.proxies.allowed is False
    assert rules.resolutions.special.text == "at least 75%"
    assert rules.resolutions.ordinary.text == "more than 50%"
    assert rules.nominations.period_days == 28 and not rules.nominations.seconder
    assert rules.weight("staff") == 1
    assert "Proxies: not allowed." in rules.summary()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[resolutions]\nspecial = "75 percent"',
            'line 12: resolutions.special: must be like "more than 50%" or "at least 75%"',
        ),
        (
            '[resolutions]\nspecial = "more than 40%"',
            "line 12: resolutions.special: more than 40% asks less than an ordinary resolution",
        ),
        (
            '[resolutions]\nordinary = "more than 100%"',
            "line 12: resolutions.ordinary: 'more than 100%' can never be met",
        ),
        (
            '[elections]\nmethod = "borda"',
            "line 12: elections.method: must be one of stv, plurality",
        ),
        (
            "[weights]\nconstituency = { staff = 0 }",
            "line 12: weights.constituency.staff: must be between 1 and 1,000, not 0",
        ),
        ("[nominations]\nseconders = true", "line 12: nominations.seconders: unknown key"),
        (
            "[eligibility]\nminimum_membership_days = 1.5",
            "line 12: eligibility.minimum_membership_days: must be a whole number",
        ),
    ],
)
def test_a_mistake_is_one_line_naming_the_line_key_and_reason(extra, message):
    with pytest.raises(RulesError) as error:
        parse_rules(MINIMAL + "\n" + extra + "\n", "rules.toml")
    assert str(error.value).startswith("rules.toml: " + message)
    assert "\n" not in str(error.value)


def test_a_bad_key_in_an_earlier_section_names_its_own_line():
    text = MINIMAL.replace("members = 10", "members = 10\npercent = 120")
    with pytest.raises(RulesError, match=r"^r: line 7: quorum.percent: must be between 0 and 100"):
        parse_rules(text, "r")


def test_a_quorum_needs_a_number_or_a_share_and_proxies_need_saying():
    with pytest.raises(RulesError, match="quorum: give members"):
        parse_rules(MINIMAL.replace("members = 10", ""))
    with pytest.raises(RulesError, match="proxies: missing"):
        parse_rules(MINIMAL.replace("[proxies]\nallowed = false", ""))
    with pytest.raises(RulesError, match="proxies.most_per_holder: means nothing"):
        parse_rules(MINIMAL + "most_per_holder = 5\n")


def test_broken_toml_names_its_line():
    with pytest.raises(RulesError, match=r"^rules.toml: line 3: not valid TOML"):
        parse_rules(MINIMAL.replace("clear_days = 14", "clear_days = = 14"), "rules.toml")


def test_a_quorum_is_whichever_is_more_and_clear_days_leave_out_both_ends():
    rules = parse_rules(MINIMAL.replace("members = 10", "members = 10\npercent = 5"))
    assert rules.quorum.needed(100) == 10
    assert rules.quorum.needed(1000) == 50
    assert rules.quorum.needed(1001) == 51  # 5% of 1,001 is 50.05: a part member is a member
    notice = rules.notice
    given = date(2027, 3, 1)
    assert notice.earliest(given) == date(2027, 3, 16)
    assert notice.clear_days_between(given, date(2027, 3, 16)) == 14
    assert notice.clear_days_between(given, date(2027, 3, 15)) == 13


@pytest.mark.parametrize(
    ("share", "votes_for", "cast", "met"),
    [
        (Share(Fraction(3, 4), True), 75, 100, True),
        (Share(Fraction(3, 4), True), 74, 100, False),
        (Share(Fraction(3, 4), True), 3, 4, True),
        (Share(Fraction(3, 4), False), 75, 100, False),
        (Share(Fraction(1, 2), False), 50, 100, False),
        (Share(Fraction(1, 2), False), 51, 100, True),
        (Share(Fraction(1, 2), False), 0, 0, False),
    ],
)
def test_a_share_is_met_exactly_at_its_mark(share, votes_for, cast, met):
    assert share.is_met(votes_for, cast) is met


def test_weights_by_constituency_are_said_plainly():
    rules = parse_rules(MINIMAL + "[weights]\nconstituency = { staff = 2, tenant = 1 }\n")
    assert rules.weight("staff") == 2 and rules.weight("supporter") == 1
    assert rules.summary()[-1].startswith("Vote weights: staff 2 votes each, tenant 1 vote each")


def test_every_problem_is_listed_and_the_first_is_raised():
    from surveys.rules import problems

    text = "[notice]\nclear_days = 400\n[proxies]\nallowed = true\nmost_per_holder = -2\n"
    found = problems(text, "r.toml")
    assert found == [
        "r.toml: line 2: notice.clear_days: must be between 0 and 365, not 400",
        "r.toml: quorum: missing",
        "r.toml: line 5: proxies.most_per_holder: must be between 0 and 1,000,000, not -2",
    ]
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "r.toml")
    assert str(raised.value) == found[0]
    assert problems(MINIMAL) == []
