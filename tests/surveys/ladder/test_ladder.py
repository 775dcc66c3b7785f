"""The ladder file (good and every kind of bad) and placement from plain facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveys.ladder.rungs import (
    Band,
    Facts,
    LadderError,
    band_counts,
    load_ladder,
    parse_ladder,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)

GOOD = """
intro = "Three ways in."
look_back_days = 180

[[tier]]
id = "member"
name = "Member"
promise = "You're kept informed."
asks = "Nothing."
gives = "News."
step_up = "You're here already."

[[tier]]
id = "voice"
name = "Voice"
promise = "You answer check-ins."
asks = "Two minutes a month."
gives = "A say."
step_up = "Answer a check-in."
[tier.rule]
answered_pulse_or_voted_within_days = 30

[[tier]]
id = "panel"
name = "Panel"
promise = "You sit on a panel or the board."
asks = "An evening a month."
gives = "Influence."
step_up = "Ask the officer."
[[tier.rule]]
in_group = true
suggestions_at_least = 2
[[tier.rule]]
role_in = ["board"]
"""


def write(tmp_path, text: str):
    path = tmp_path / "ladder.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_ladder_has_five_rungs_each_fully_described():
    ladder = load_ladder("")
    assert [t.id for t in ladder.tiers] == [
        "member",
        "voice",
        "contributor",
        "champion",
        "representative",
    ]
    assert ladder.roles == ("champion", "council", "representative", "board")
    assert ladder.look_back_days == 365
    for tier in ladder.tiers:
        assert tier.promise and tier.asks and tier.gives and tier.step_up
        assert len(tier.promise) <= 100 and "\n" not in tier.promise
    assert ladder.tiers[0].rules == ()


def test_a_custom_ladder_is_read_with_any_of_rules(tmp_path):
    ladder = load_ladder(write(tmp_path, GOOD))
    assert ladder.intro == "Three ways in." and ladder.look_back_days == 180
    panel = ladder.tier("panel")
    assert panel is not None and len(panel.rules) == 2
    assert panel.rules[0].in_group and panel.rules[0].suggestions_at_least == 2
    assert ladder.roles == ("board",)
    assert ladder.above(ladder.tiers[0]) == ladder.tier("voice")
    assert ladder.above(panel) is None
    assert ladder.rank("panel") == 2 and ladder.rank("nope") == -1


BAD = [
    ("tier = 3", "tier: must be 2 to 8 [[tier]] blocks"),
    (
        GOOD.replace('intro = "Three ways in."', 'intro = "x"\ncolour = "red"'),
        "colour: unknown key",
    ),
    (
        GOOD.replace("look_back_days = 180", "look_back_days = 2"),
        "look_back_days: must be between 7",
    ),
    (
        GOOD.replace('id = "voice"', 'id = "Voice!"'),
        "tier[2].id: 'Voice!' must be a short lowercase",
    ),
    (
        GOOD.replace('id = "panel"', 'id = "voice"'),
        "tier[3].id: 'voice' is used by an earlier rung",
    ),
    (
        GOOD.replace('name = "Panel"', 'name = "voice"'),
        "tier[3].name: 'voice' is used by an earlier",
    ),
    (GOOD.replace('gives = "News."\n', ""), "tier[1].gives: missing"),
    (GOOD.replace('asks = "Nothing."', "asks = 5"), "tier[1].asks: must be text in quotes"),
    (GOOD.replace('asks = "Nothing."', 'asks = "  "'), "tier[1].asks: must not be empty"),
    (
        GOOD.replace('promise = "You\'re kept informed."', 'promise = """two\nlines"""'),
        "tier[1].promise: must be on one line",
    ),
    (
        GOOD.replace('promise = "You\'re kept informed."', f'promise = "{"x" * 101}"'),
        "tier[1].promise: must be at most 100 characters",
    ),
    (
        GOOD.replace(
            'step_up = "You\'re here already."', 'step_up = "x"\n[tier.rule]\nin_group = true'
        ),
        "tier[1].rule: the first rung is where every member starts",
    ),
    (
        GOOD.replace("[tier.rule]\nanswered_pulse_or_voted_within_days = 30\n", ""),
        "tier[2].rule: missing",
    ),
    (
        GOOD.replace("answered_pulse_or_voted_within_days = 30", "voted_lately = true"),
        "tier[2].rule.voted_lately: unknown key",
    ),
    (
        GOOD.replace("answered_pulse_or_voted_within_days = 30", ""),
        "tier[2].rule: has no conditions",
    ),
    (
        GOOD.replace(
            "answered_pulse_or_voted_within_days = 30", "answered_pulse_or_voted_within_days = 200"
        ),
        "tier[2].rule.answered_pulse_or_voted_within_days: must be between 1 and 180",
    ),
    (
        GOOD.replace(
            "answered_pulse_or_voted_within_days = 30", 'answered_pulse_or_voted_within_days = "30"'
        ),
        "must be a whole number",
    ),
    (GOOD.replace("in_group = true", "in_group = false"), "tier[3].rule[1].in_group: must be true"),
    (
        GOOD.replace('role_in = ["board"]', "role_in = []"),
        "tier[3].rule[2].role_in: must be a list",
    ),
    (
        GOOD.replace('role_in = ["board"]', 'role_in = ["The Board"]'),
        "tier[3].rule[2].role_in[1]: 'The Board' must be a short lowercase word",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_each_kind_of_bad_ladder_is_one_line_naming_file_key_and_reason(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(LadderError) as raised:
        load_ladder(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message


def test_a_missing_or_broken_file_is_one_line_too(tmp_path):
    with pytest.raises(LadderError, match="no such ladder file"):
        load_ladder(tmp_path / "nowhere.toml")
    with pytest.raises(LadderError, match=r"line 2: not valid TOML"):
        load_ladder(write(tmp_path, "[[tier]]\nid = \n"))


def test_parse_ladder_refuses_a_document_that_is_not_a_table():
    with pytest.raises(LadderError, match="x.toml: must be a table"):
        parse_ladder(["tier"], "x.toml")


# --- placement --------------------------------------------------------------------


@pytest.fixture
def ladder():
    return load_ladder("")


def place(ladder, **facts) -> str:
    return ladder.place(Facts(**facts), NOW).id


def test_everyone_starts_on_the_first_rung(ladder):
    assert place(ladder) == "member"


def test_a_recent_pulse_or_vote_makes_a_voice_and_an_old_one_does_not(ladder):
    assert place(ladder, pulses=1, last_pulse=NOW - 89 * DAY) == "voice"
    assert place(ladder, votes=1, last_vote=NOW - 10 * DAY) == "voice"
    assert place(ladder, pulses=3, last_pulse=NOW - 91 * DAY) == "member"
    assert place(ladder, pulses=1, votes=1, last_pulse=NOW - 200 * DAY, last_vote=NOW) == "voice"


def test_a_named_suggestion_makes_a_contributor_even_without_check_ins(ladder):
    assert place(ladder, suggestions=1, last_suggestion=NOW - 300 * DAY) == "contributor"


def test_a_group_or_the_champion_role_makes_a_champion(ladder):
    assert place(ladder, groups=("Repairs panel",)) == "champion"
    assert place(ladder, roles=("champion",)) == "champion"


def test_a_formal_role_makes_a_representative_whatever_else_they_did(ladder):
    assert place(ladder, roles=("board",)) == "representative"
    assert place(ladder, roles=("council",), pulses=2, last_pulse=NOW) == "representative"


def test_the_highest_rung_met_wins_and_all_conditions_of_a_rule_must_hold(tmp_path):
    custom = load_ladder(write(tmp_path, GOOD))
    assert place(custom, groups=("g",), suggestions=1) == "member"  # needs 2 suggestions too
    assert place(custom, groups=("g",), suggestions=2) == "panel"
    assert place(custom, roles=("board",)) == "panel"
    assert place(custom, roles=("council",), votes=1, last_vote=NOW) == "voice"


# --- report bands -----------------------------------------------------------------


def test_bands_merge_small_rungs_from_the_top_down():
    counts = [("member", 20), ("voice", 6), ("contributor", 2), ("champion", 0), ("rep", 1)]
    assert band_counts(counts, 5) == [Band("member", "member", 20), Band("voice", "rep", 9)]


def test_a_small_bottom_remainder_joins_the_band_above_and_empty_rungs_stay_apart():
    counts = [("member", 3), ("voice", 10), ("contributor", 0), ("rep", 0)]
    assert band_counts(counts, 5) == [
        Band("member", "voice", 13),
        Band("contributor", "contributor", 0),
        Band("rep", "rep", 0),
    ]


def test_a_group_smaller_than_the_threshold_is_not_banded_at_all():
    assert band_counts([("member", 3), ("voice", 1)], 5) is None
    assert band_counts([("member", 0), ("voice", 0)], 5) == [
        Band("member", "member", 0),
        Band("voice", "voice", 0),
    ]


def test_no_band_ever_holds_fewer_than_the_threshold():
    import itertools

    for values in itertools.product([0, 1, 2, 4, 5, 9], repeat=4):
        counts = list(zip(["a", "b", "c", "d"], values, strict=True))
        bands = band_counts(counts, 5)
        if bands is None:
            assert 0 < sum(values) < 5
            continue
        assert sum(b.count for b in bands) == sum(values)
        assert all(b.count == 0 or b.count >= 5 for b in bands)
