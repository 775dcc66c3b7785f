"""`mutual-voice vote ...` through click on a real database file, and `/vote` in the console."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from handlers.context import system_clock
from storage.db import open_database
from tests.bot.test_cli import mv as run_process
from tests.handlers.votes.test_votes import Kit, receipt_in
from tests.helpers import make_context

ROOT = Path(__file__).parents[2]
DOCS = (ROOT / "docs" / "officer-guide" / "votes.md",)
ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,,tenant
t2,Lee Chen,,tenant
t3,Ruth Adeyemi,,tenant
s1,Sam Okafor,,staff
"""
AGM = """
id = "agm"
title = "Adopt the new rules"
explanation = "Resolution 1: that the new rules are adopted."
method = "resolution"
constituencies = ["tenant"]
closes = 2099-03-14T17:00:00
quorum = 50
"""


def mv(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "agm.toml").write_text(AGM)
    open_database(tmp_path / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
    assert mv("members", "import", "roster.csv").exit_code == 0
    return tmp_path


def cast(folder: Path, member_id: str, choice: str) -> str:
    ctx = make_context(path=folder / "mutual-voice.db")
    ctx.clock = system_clock
    kit = Kit(ctx, roster="", linked=(member_id,))
    text = kit.vote(member_id, "agm", choice)
    ctx.db.close()
    return receipt_in(text)


def test_create_open_vote_close_and_publish(folder):
    created = mv("vote", "create", "agm.toml")
    assert created.exit_code == 0, created.output
    assert created.output.startswith("Created vote agm: resolution, for tenant members")
    assert "mutual-voice vote open agm" in created.output
    again = mv("vote", "create", "agm.toml")
    assert again.exit_code == 1 and "already exists, scheduled (use --replace" in again.output
    assert mv("vote", "create", "--replace", "agm.toml").exit_code == 0
    [listed] = json.loads(mv("vote", "list", "--json").output)
    assert (listed["vote"], listed["status"], listed["constituencies"]) == (
        "agm",
        "scheduled",
        ["tenant"],
    )
    early = mv("vote", "results", "agm", "--json")
    assert early.exit_code == 1 and "has not opened yet" in early.output

    opened = mv("vote", "open", "agm")
    assert opened.exit_code == 0, opened.output
    assert "3 eligible members, 0 announcements queued (3 not connected" in opened.output
    mine = cast(folder, "t1", "For")
    cast(folder, "t2", "Against")
    hidden = mv("vote", "results", "agm")
    assert hidden.exit_code == 1 and "hidden until it closes" in hidden.output
    assert "only after it closes" in mv("vote", "ballots", "agm").output

    closed = mv("vote", "close", "agm", "--yes")
    assert closed.exit_code == 0, closed.output
    assert closed.output.startswith("Closed agm. The resolution is not passed.")
    result = json.loads(mv("vote", "results", "agm", "--json").output)
    assert (result["eligible"], result["voted"], result["quorum_needed"]) == (3, 2, 2)
    assert result["quorum_met"] and result["decided"] and result["status"] == "closed"
    assert (result["count"]["for"], result["count"]["against"]) == (1, 1)
    ballots = json.loads(mv("vote", "ballots", "agm", "--json").output)["ballots"]
    assert {"receipt": mine, "ballot": "For", "raw": "for"} in ballots
    assert [b["receipt"] for b in ballots] == sorted(b["receipt"] for b in ballots)
    table = mv("vote", "ballots", "agm").output
    assert mine in table and "For" in table
    shown = mv("vote", "results", "agm").output
    assert shown.startswith("Adopt the new rules (resolution, closed)\n2 of 3 eligible")
    # Turnout per channel: two by Telegram are fewer than the threshold, so "other".
    assert shown.splitlines()[-1] == "By channel: other 2."
    assert result["turnout_by_channel"] == {"other": 2}


def test_bad_definition_is_one_line_and_nothing_is_created(folder):
    (folder / "bad.toml").write_text(AGM.replace('"resolution"', '"borda"'))
    result = mv("vote", "create", "bad.toml")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: bad.toml: method: must be one of resolution, single, approval, irv, stv, "
        "budget, not text 'borda'"
    ]
    (folder / "odd.toml").write_text(AGM.replace('["tenant"]', '["board"]'))
    result = mv("vote", "create", "odd.toml")
    assert "odd.toml: constituencies: unknown constituency 'board'" in result.output
    assert json.loads(mv("vote", "list", "--json").output) == []
    assert "no vote with id 'nope'" in mv("vote", "open", "nope").output


def test_examples_create_cleanly(folder):
    for example in sorted((ROOT / "examples").glob("vote-*.toml")):
        text = example.read_text().replace("2027-", "2099-")
        (folder / example.name).write_text(text)
        result = mv("vote", "create", example.name)
        assert result.exit_code == 0, result.output
    assert len(json.loads(mv("vote", "list", "--json").output)) == 3


def test_console_demo_votes_in_a_few_keystrokes(tmp_path):
    result = run_process(tmp_path, "run", "--as", "demo-tenant-1", stdin="/vote\n1\n1\n/vote\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> /vote\nAPPROVE THE MINUTES OF LAST YEAR'S AGM\nThere's one vote open for you." in out
    assert "  1) For\n  2) Against\n  3) Abstain\nType a number to choose." in out
    assert "(updated)\nAPPROVE THE MINUTES OF LAST YEAR'S AGM\nYou are voting: For." in out
    assert "Thank you: your vote is cast.\nYour receipt code: " in out
    assert "You've voted." in out.split("> /vote")[-1]
    assert "Traceback" not in out + result.stderr


def test_the_officers_guide_documents_every_command():
    text = "\n".join(p.read_text() for p in DOCS)
    for command in ("create", "list", "open", "close", "results", "ballots"):
        assert f"mutual-voice vote {command}" in text
    for chat in ("/vote", "/poll", "/receipt"):
        assert chat in text


def test_vote_list_shows_none_voted_as_0_and_when_it_really_opened(folder):
    assert mv("vote", "create", "agm.toml").exit_code == 0
    assert mv("vote", "open", "agm").exit_code == 0
    [row] = json.loads(mv("vote", "list", "--json").output)
    assert row["opens"] is None and row["opened_at"]  # opened by hand, not on a schedule
    table = mv("vote", "list").output.splitlines()
    header, rule, line = table
    spans = [m.span() for m in re.finditer(r"-+", rule)]  # tabulate's column widths
    cells = {header[a:b].strip(): line[a:b].strip() for a, b in spans}
    assert cells["status"] == "open"
    assert cells["opens"] == row["opened_at"]
    assert cells["voted"] == "0" and cells["eligible"] == "3"


def test_a_vote_created_by_mistake_is_cancelled_and_listed_so(folder):
    assert mv("vote", "create", "agm.toml").exit_code == 0
    assert mv("vote", "open", "agm").exit_code == 0
    refused = mv("vote", "cancel", "agm")
    assert refused.exit_code == 2 and "Missing option '--reason'" in refused.output
    cancelled = mv("vote", "cancel", "agm", "--reason", "created by mistake")
    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.output.startswith("Cancelled agm: nothing is counted.")
    [row] = json.loads(mv("vote", "list", "--json").output)
    assert row["status"] == "cancelled" and row["voted"] == 0
    assert "cancelled" in mv("vote", "list").output
    again = mv("vote", "cancel", "agm", "--reason", "twice")
    assert (
        again.exit_code == 1 and "agm is cancelled: only a scheduled or open vote" in again.output
    )
    results = mv("vote", "results", "agm")
    assert results.exit_code == 1 and "was cancelled, so nothing was counted" in results.output
