"""What the CLI says, in words an officer reads: counts agree with their nouns, reports
name the file's own keys, and a note appears only when it is about what was just done."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from storage.db import open_database
from tests.bot.test_vote_cli import ROOT

ROSTER = """member_id,name,email,constituency,language
t1,Pat Murphy,,tenant,cy
t2,Lee Chen,,tenant,
s1,Sam Okafor,,staff,
"""
ONE_GAP = """
id = "one-gap"
title = { en = "Adopt the new rules", cy = "Mabwysiadu'r rheolau newydd" }
explanation = "Resolution 1: that the new rules are adopted."
method = "resolution"
closes = 2099-03-14T17:00:00
"""


def mv(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    (tmp_path / "roster.csv").write_text(ROSTER)
    open_database(tmp_path / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
    assert mv("members", "import", "roster.csv").exit_code == 0
    return tmp_path


def test_one_text_lacks_a_translation(folder):
    (folder / "one.toml").write_text(ONE_GAP)
    created = mv("vote", "create", "one.toml")
    assert created.exit_code == 0, created.output
    assert "1 text lacks a translation (members see the organisation's):" in created.output
    assert "  explanation: no cy ('Resolution 1: that the new rules are ado')" in created.output


def test_the_translation_report_names_the_files_keys_and_not_peoples_names(folder):
    election = (ROOT / "examples" / "vote-representative-election.toml").read_text()
    (folder / "election.toml").write_text(election.replace("opens = 2027-04-06T09:00:00\n", ""))
    created = mv("vote", "create", "election.toml")
    assert created.exit_code == 0, created.output
    out = created.output
    assert "7 texts lack a translation" in out  # title, explanation and five statements
    assert "  candidates[1].statement: no cy ('Tenant for 12 years" in out
    assert "options[" not in out and ".name: no cy" not in out  # Pat Murphy is Pat Murphy
    fund = mv("vote", "create", str(ROOT / "examples" / "vote-community-fund.toml"))
    assert fund.exit_code == 0, fund.output
    assert (
        "  projects[2].name: no cy ('Community garden')" in fund.output
    )  # a project's name is words
    assert "options[" not in fund.output


def test_one_bad_row_is_one_bad_row(folder):
    (folder / "bad.csv").write_text("member_id,name,email,constituency\nt9,,,tenant\n")
    result = mv("members", "import", "bad.csv")
    assert result.exit_code == 1
    assert "1 bad row: nothing was imported (fix it, or use --skip-bad" in result.output


def test_no_words_yet_only_when_such_members_are_imported(folder):
    (folder / "polish.csv").write_text(
        "member_id,name,email,constituency,language\nt5,Ola Nowak,,tenant,pl\n"
    )
    first = mv("members", "import", "polish.csv")
    assert "No words yet for pl: those members read en" in first.output
    (folder / "more.csv").write_text("member_id,name,email,constituency\nt6,Ann Lee,,tenant\n")
    second = mv("members", "import", "more.csv")
    assert second.exit_code == 0 and "Imported 1 member." in second.output
    assert "No words yet" not in second.output


BLT = """3 1
-2
1 1 0
1 2 0
1 2 3 0
1 3 0
1 2 0
1 3 0
0
"Ann"
"Ben"
"Cal"
"Test"
"""


def test_a_count_of_one_seat_and_ballots_for_withdrawn_candidates(tmp_path):
    (tmp_path / "e.blt").write_text(BLT)
    counted = mv("count", str(tmp_path / "e.blt"))
    assert counted.exit_code == 0, counted.output
    lines = counted.output.splitlines()
    assert lines[0] == "Test: Scottish STV, 1 seat"
    assert lines[1] == ("Withdrawn: Ben. 2 ballots ranked no one else, so they are not counted.")
    assert "4 ballots: 4 valid, 0 invalid" in counted.output
