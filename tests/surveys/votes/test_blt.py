"""Reading and writing BLT files: the standard format, and one clear line for a bad one."""

from __future__ import annotations

import pytest

from surveys.votes.tally import blt
from tests.surveys.votes.test_tally_stv import SC_BLT, parse_blt


def test_reads_the_droop_projects_sc_file_as_its_own_reader_does():
    election = blt.parse(SC_BLT)
    names, seats, ballots = parse_blt(SC_BLT)
    assert (election.candidates, election.seats) == (tuple(names), seats)
    assert sorted(election.expanded()) == sorted(ballots)
    assert election.title == "GPUS Steering Committee Election 2005-07-24"


def test_withdrawn_candidates_ballot_ids_and_comments():
    text = """# a comment
    3 1
    -2
    (b1) 2 2 1 0
    1 3 2 1 0

    0
    "Amber"
    "Birch"
    "Cedar"
    "Chair 2026"
    """
    election = blt.parse(text)
    assert election.candidates == ("Amber", "Cedar") and election.withdrawn == ("Birch",)
    assert election.ballots == ((("Amber",), 2), (("Cedar", "Amber"), 1))
    assert list(election.expanded()) == [("Amber",), ("Amber",), ("Cedar", "Amber")]


def test_what_is_written_reads_back_grouped():
    text = blt.write(
        "chair",
        ["Amber", 'Birch "B"', "Cedar"],
        1,
        [(("Cedar", "Amber"), 2), (("Amber",), 1), (("Cedar", "Amber"), 1)],
    )
    assert text.splitlines()[:4] == ["3 1", "1 1 0", "3 3 1 0", "0"]
    again = blt.parse(text)
    assert again.candidates == ("Amber", 'Birch "B"', "Cedar") and again.title == "chair"
    assert again.ballots == ((("Amber",), 1), (("Cedar", "Amber"), 3))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("three 1\n", "line 1: expected the number of candidates and of seats"),
        ("3\n", "line 1: expected 'CANDIDATES SEATS'"),
        ("2 1\n-3\n0\n", "line 2: a withdrawn candidate must be -1 to -2"),
        ("2 1\n1 1 2\n0\n", "line 2: a ballot must end with 0"),
        ("2 1\n1 1 0 2 0\n0\n", "line 2: a ballot must end with 0"),
        ("2 1\n0 1 0\n0\n", "line 2: a ballot's weight must be a whole number from 1"),
        ("2 1\n1 1=2 0\n0\n", "line 2: equal rankings ('=') cannot be counted"),
        ("2 1\n1 3 0\n0\n", "line 2: there is no candidate 3 (they are 1 to 2)"),
        ("2 1\n1 1 0\n", "end of file: the ballots must end with a line '0'"),
        ('2 1\n1 1 0\n0\n"A"\n', "end of file: 2 candidate names expected, found 1"),
        ('2 1\n1 1 0\n0\n"A"\n"B\n', "line 5: the name of candidate 2 opens a double quote"),
        ('2 1\n0\n"A"\n"B"\n"T"\n"more"\n', "line 6: unexpected text after the title"),
        ('2 1\n0\n"A"\n"A"\n', "candidate names: two candidates have the same name"),
    ],
)
def test_a_bad_file_says_what_and_where(text, message):
    with pytest.raises(blt.BltError) as raised:
        blt.parse(text)
    assert str(raised.value).startswith(message)
