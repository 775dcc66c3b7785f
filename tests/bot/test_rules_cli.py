"""`mutual-voice rules check FILE`: a plain summary, or the problem and exit status 1."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import cli
from handlers.context import system_clock
from tests.bot.test_vote_cli import folder, mv, receipt_in
from tests.handlers.votes.test_votes import Kit
from tests.helpers import ROOT, make_context

__all__ = ["folder"]  # the fixture: a folder with a database and a roster of four


def cast(folder, member_id: str, choice: str, vote_id: str) -> str:
    ctx = make_context(path=folder / "mutual-voice.db")
    ctx.clock = system_clock
    text = Kit(ctx, roster="", linked=(member_id,)).vote(member_id, vote_id, choice)
    ctx.db.close()
    return receipt_in(text)


def test_the_example_rules_are_said_plainly():
    result = CliRunner().invoke(cli, ["rules", "check", str(ROOT / "examples" / "rules.toml")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Riverside Homes Co-operative Ltd: the rules are valid."
    assert lines[2].startswith("Notice: 14 clear days")
    assert any(line.startswith("Proxies: allowed;") for line in lines)


def test_a_bad_rules_file_prints_its_problem_and_exits_1(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text("[notice]\nclear_days = 14\n[quorum]\nmembers = 10\n[proxies]\nallowed = 1\n")
    result = CliRunner().invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: line 6: proxies.allowed: must be true or false" in result.output


RESOLUTION = """
id = "{id}"
title = "Adopt the new rules"
explanation = "Resolution 1: that the new rules are adopted."
method = "resolution"
resolution = "{kind}"
closes = 2099-03-14T17:00:00
"""


def test_a_vote_under_the_rules_from_the_command_line(folder):
    example = (ROOT / "examples" / "rules.toml").read_text()
    # The roster was imported just now: no minimum length of membership, for this test.
    (folder / "rules.toml").write_text(example.replace("minimum_membership_days = 28", ""))
    (folder / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    (folder / "special.toml").write_text(RESOLUTION.format(id="rules", kind="special"))
    (folder / "ordinary.toml").write_text(RESOLUTION.format(id="budget", kind="ordinary"))
    created = mv("vote", "create", "special.toml")
    assert created.exit_code == 0, created.output
    assert (
        "Under the society's rules: a special resolution, passed by at least 75% of votes cast "
        "For; 14 clear days' notice before it opens." in created.output.splitlines()
    )
    early = mv("vote", "open", "rules")
    assert early.exit_code == 1
    assert "rules cannot open yet: a special resolution needs 14 clear days' notice" in early.output

    created = mv("vote", "create", "ordinary.toml")
    assert created.exit_code == 0, created.output
    opened = mv("vote", "open", "budget")
    assert opened.exit_code == 0 and "4 eligible members" in opened.output, opened.output
    for member, choice in (("t1", "For"), ("t2", "For"), ("t3", "For"), ("s1", "Against")):
        cast(folder, member, choice, "budget")
    closed = mv("vote", "close", "budget", "--yes")
    line = "Ordinary resolution: 75% of votes cast were For; more than 50% were needed. Passed."
    assert closed.output.startswith(f"Closed budget. {line}"), closed.output
    assert line in mv("vote", "results", "budget").output.splitlines()


BAD = """name = "Test"
[notice]
clear_days = -1
[quorum]
members = 10
[proxies]
allowed = 1
[votes]
x = 1
"""
BAD_PROBLEMS = [
    "line 8: votes: unknown key (expected one of name, eligibility, notice, quorum, "
    "resolutions, proxies, nominations, elections, weights, paper)",
    "line 3: notice.clear_days: must be between 0 and 365, not -1",
    "line 7: proxies.allowed: must be true or false, not a number 1",
]


def test_every_problem_of_a_rules_file_is_printed_at_once(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text(BAD)
    result = CliRunner().invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"mutual-voice: {bad}: {p}" for p in BAD_PROBLEMS]


def test_a_rules_file_that_is_not_text_is_refused_plainly(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_bytes(b"\xff\xfe\x00rules")
    result = CliRunner().invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"mutual-voice: {bad}: cannot read: 'utf-8' codec")
