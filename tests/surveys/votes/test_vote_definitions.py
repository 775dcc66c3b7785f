"""Vote definitions: the documented examples load, and every mistake is one clear line."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from surveys.votes.definitions import (
    VoteDefinition,
    VoteDefinitionError,
    load_vote_file,
    parse_poll,
    parse_vote,
)

EXAMPLES = sorted((Path(__file__).parents[3] / "examples").glob("vote-*.toml"))
GOOD = """
id = "agm-2027"
title = "Adopt the rules"
explanation = "Resolution 1."
method = "resolution"
opens = 2027-03-01T09:00:00
closes = 2027-03-14T17:00:00
"""


def parse(text: str, timezone: str = "Europe/London") -> VoteDefinition:
    return parse_vote(tomllib.loads(text), "vote.toml", timezone)


def test_the_three_examples_load():
    loaded = {d.method: d for d in map(load_vote_file, EXAMPLES)}
    assert set(loaded) == {"resolution", "stv", "budget"}
    assert loaded["resolution"].threshold == "two-thirds" and loaded["resolution"].quorum == 10
    assert loaded["stv"].seats == 3 and loaded["stv"].allow_change
    assert all(o.statement for o in loaded["stv"].options)
    assert loaded["budget"].budget == 10_000 and all(o.cost for o in loaded["budget"].options)


def test_defaults_and_times_without_an_offset_are_in_the_organisation_zone():
    d = parse(GOOD, "Europe/London")
    assert (d.results_before_close, d.allow_change, d.quorum, d.reminder_hours) == (
        False,
        False,
        0,
        (24,),
    )
    assert d.opens == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert parse(GOOD, "America/New_York").opens == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
    exact = parse(GOOD.replace("2027-03-01T09:00:00", '"2027-03-01T09:00:00Z"'), "Asia/Tokyo")
    assert exact.opens == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert d.choices == ("For", "Against", "Abstain")


def test_a_definition_survives_storage():
    for path in EXAMPLES:
        d = load_vote_file(path)
        assert VoteDefinition.from_dict(d.to_dict()) == d


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ('id = "agm-2027"', "vote.toml: id: missing"),
        ('id = "agm-2027"|id = "AGM 2027"', "vote.toml: id: 'AGM 2027' must be lowercase"),
        ('method = "resolution"|method = "borda"', "vote.toml: method: must be one of resolution"),
        ('method = "resolution"|method = "stv"', "vote.toml: candidates: list the choices as"),
        (
            "closes = 2027-03-14T17:00:00|closes = 2027-02-14T17:00:00",
            "vote.toml: closes: must be after opens",
        ),
        (
            "closes = 2027-03-14T17:00:00|closes = 2027-03-14",
            "vote.toml: closes: needs a time as well",
        ),
        (
            'closes = 2027-03-14T17:00:00|closes = "next friday"',
            "vote.toml: closes: 'next friday' is not a date",
        ),
        (
            'method = "resolution"|method = "resolution"\nquorum = 120',
            "vote.toml: quorum: must be between 0 and 100",
        ),
        (
            'method = "resolution"|method = "resolution"\nthreshold = "most"',
            "vote.toml: threshold: must be one of simple, two-thirds",
        ),
        (
            'method = "resolution"|method = "resolution"\nseats = 2',
            "vote.toml: seats: only applies to method stv or approval",
        ),
        (
            'method = "resolution"|method = "resolution"\nallow_change = "yes"',
            "vote.toml: allow_change: must be true or false",
        ),
        (
            'method = "resolution"|method = "resolution"\nreminder_hours = [24, 24]',
            "vote.toml: reminder_hours[2]: 24 is listed twice",
        ),
        (
            'method = "resolution"|method = "resolution"\nreminder_hours = [400]',
            "vote.toml: reminder_hours: 400 hours before closing is before the vote opens",
        ),
        (
            'method = "resolution"|method = "resolution"\ncolour = "red"',
            "vote.toml: colour: unknown key",
        ),
    ],
)
def test_mistakes_are_one_line_naming_the_key(change, expected):
    old, _, new = change.partition("|")
    with pytest.raises(VoteDefinitionError) as error:
        parse(GOOD.replace(old, new))
    assert str(error.value).startswith(expected) and "\n" not in str(error.value)


RANKED = (
    GOOD.replace('method = "resolution"', 'method = "stv"\nseats = 2')
    + """
[[candidates]]
name = "Amber"
[[candidates]]
name = "Birch"
"""
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (RANKED, "vote.toml: seats: 2 seats need more than 2 candidates"),
        (
            RANKED.replace("seats = 2", "seats = 1").replace('"Birch"', '"amber"'),
            "vote.toml: candidates[2].name: 'amber' is listed twice",
        ),
        (
            RANKED.replace("seats = 2", "seats = 1").replace(
                'name = "Birch"', 'name = "Birch"\ncost = 5'
            ),
            "vote.toml: candidates[2].cost: only projects",
        ),
        (RANKED.replace("seats = 2\n", ""), "vote.toml: seats: missing"),
        (
            GOOD.replace('"resolution"', '"budget"') + '[[projects]]\nname = "Garden"\ncost = 5\n',
            "vote.toml: budget: missing",
        ),
        (
            GOOD.replace('"resolution"', '"budget"\nbudget = 9')
            + '[[projects]]\nname = "Garden"\n',
            "vote.toml: projects[1].cost: missing",
        ),
        (GOOD + '[[options]]\nname = "A"\n', "vote.toml: options: a resolution has no options"),
    ],
)
def test_method_specific_mistakes(text, expected):
    with pytest.raises(VoteDefinitionError) as error:
        parse(text)
    assert str(error.value).startswith(expected)


def test_file_problems_name_the_file_and_line(tmp_path):
    broken = tmp_path / "vote-broken.toml"
    broken.write_text('id = "x"\ntitle = \n')
    with pytest.raises(VoteDefinitionError, match=r"vote-broken.toml: line 2: not valid TOML"):
        load_vote_file(broken)
    with pytest.raises(VoteDefinitionError, match=r"missing.toml: cannot read"):
        load_vote_file(tmp_path / "missing.toml")


def test_quick_poll_text():
    assert parse_poll("Lunch? | Pizza | Curry") == ("Lunch?", ("Pizza", "Curry"), 24 * 60)
    assert parse_poll("2h Lunch? | Pizza | Curry")[2] == 120
    assert parse_poll("3d Lunch? | Pizza | Curry")[2] == 3 * 24 * 60
    assert parse_poll("24h 2 hours of what? | A | B")[0] == "2 hours of what?"
    assert parse_poll("2nd floor lift? | A | B")[0] == "2nd floor lift?"
    assert parse_poll("30M Lunch? | A | B")[2] == 30
    for bad, reason in [
        ("Lunch? | Pizza", "give 2 to 10 options"),
        ("| A | B", "the question is missing"),
        ("Lunch? | Pizza | pizza", "each option must be different"),
        ("1m Lunch? | A | B", "between 5 minutes and 30 days"),
        ("99999d Lunch? | A | B", r"between 5 minutes and 30 days, e\.g\. 30m, 2h, 1h30m"),
        ("2x Lunch? | A | B", r"'2x' is not a length.*e\.g\. 30m, 2h, 1h30m, 1\.5h, 3d or 2w"),
        ("1h30 Lunch? | A | B", r"'1h30' is not a length"),
        ("2mo Lunch? | A | B", r"'2mo' is not a length"),
        ("5w Lunch? | A | B", "between 5 minutes and 30 days"),
        ("0h Lunch? | A | B", "between 5 minutes and 30 days"),
    ]:
        with pytest.raises(VoteDefinitionError, match=reason):
            parse_poll(bad)


@pytest.mark.parametrize(
    "typed, minutes",
    [
        ("1.5h", 90),
        ("1,5h", 90),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1 hour 30 minutes", 90),
        ("2hours", 120),
        ("2 h", 120),
        ("2 hours", 120),
        ("2hrs", 120),
        ("90 mins", 90),
        ("2w", 14 * 24 * 60),
        ("1 week", 7 * 24 * 60),
        ("3 days", 3 * 24 * 60),
        ("0.5d", 12 * 60),
    ],
)
def test_a_poll_length_is_read_however_people_type_it(typed, minutes):
    assert parse_poll(f"{typed} Lunch on Friday? | Pizza | Curry") == (
        "Lunch on Friday?",
        ("Pizza", "Curry"),
        minutes,
    )


def test_words_that_only_start_with_a_number_stay_in_the_question():
    for question in ("2nd floor lift?", "3rd party repairs?", "5pm drinks?", "2023 budget?"):
        assert parse_poll(f"{question} | A | B") == (question, ("A", "B"), 24 * 60)


def test_a_vote_file_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "agm.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_vote_file(path).id == "agm-2027"
