"""An erased member is shown as erased, and the console demo carries on without them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli


def mv(*args, stdin=""):
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    assert mv("run").exit_code == 0
    assert mv("members", "erase", "demo-tenant-1", "--yes").exit_code == 0
    return tmp_path


def test_show_says_the_member_was_erased(demo):
    shown = mv("members", "show", "demo-tenant-1")
    assert shown.exit_code == 0
    assert shown.output.startswith("demo-tenant-1 was erased on ")
    data = json.loads(mv("members", "show", "demo-tenant-1", "--json").output)
    assert data["status"] == "erased"
    assert json.loads(mv("members", "show", "demo-tenant-2", "--json").output)["status"] == (
        "active"
    )


def test_the_demo_speaks_as_another_member_and_says_why_not_the_erased_one(demo):
    plain = mv("run", stdin="/me\n")
    assert plain.exit_code == 0, plain.output
    assert "Lee" in plain.output
    refused = mv("run", "--as", "demo-tenant-1", stdin="/me\n")
    assert refused.exit_code == 1
    assert "'demo-tenant-1' was erased" in refused.output
    assert "mutual-voice run --as MEMBER_ID" in refused.output
