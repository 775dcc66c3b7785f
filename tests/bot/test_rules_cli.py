"""`mutual-voice rules check FILE`: a plain summary, or the problem and exit status 1."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import cli
from tests.helpers import ROOT


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
