"""`mutual-voice members role/group` and `tiers report/ladder/people`, through click."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from storage import audit
from storage.db import open_database
from tests.handlers.tiers.test_tier_activity import close_vote, vote
from tests.helpers import FakeClock, add_members, make_context, run_mv

ROOT = Path(__file__).parents[2]
DOCS = (ROOT / "docs" / "officer-guide" / "ladder.md",)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    ctx = make_context(FakeClock(), path=tmp_path / "mutual-voice.db")
    add_members(ctx)
    ctx.db.close()
    return tmp_path


def mv(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def audited(folder, action: str) -> list[dict]:
    db = open_database(folder / "mutual-voice.db")
    try:
        return audit.entries(db, action)
    finally:
        db.close()


def test_an_officer_gives_and_takes_a_role_and_each_change_is_audited(folder):
    result = mv("members", "role", "t1", "council")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Pat Murphy (t1) now holds the role council."
    assert "already holds" in mv("members", "role", "t1", "council").output
    [given] = audited(folder, "member.role")
    assert given["subject"] == "t1" and json.loads(given["detail"]) == {"role": "council"}
    assert given["actor"] == "cli"

    people = json.loads(mv("tiers", "people", "--json").output)
    assert [(p["member_id"], p["kind"], p["what"]) for p in people] == [("t1", "role", "council")]

    result = mv("members", "role", "t1", "council", "--remove")
    assert result.output.strip() == "Pat Murphy (t1) no longer holds the role council."
    assert len(audited(folder, "member.role.remove")) == 1
    assert "Nobody holds a role" in mv("tiers", "people").output


def test_members_role_and_group_work_in_a_real_process(folder):
    """In a fresh `mutual-voice` process only `members` is loaded, not `tiers`, which is
    where `role` and `group` are defined: they must be found all the same."""
    given = run_mv(folder, "members", "role", "t1", "council")
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() == "Pat Murphy (t1) now holds the role council."
    joined = run_mv(folder, "members", "group", "t1", "Repairs panel")
    assert joined.returncode == 0, joined.stderr
    assert [row["kind"] for row in json.loads(mv("tiers", "people", "--json").output)] == [
        "role",
        "group",
    ]


def test_only_roles_the_ladder_names_and_only_real_members(folder):
    result = mv("members", "role", "t1", "boss")
    assert result.exit_code == 1
    assert (
        "unknown role 'boss': the ladder's rules name champion, council, representative, board"
        in (result.output)
    )
    result = mv("members", "role", "nobody", "board")
    assert result.exit_code == 1 and "no member with id 'nobody'" in result.output
    assert audited(folder, "member.role") == []


def test_joining_and_leaving_a_group(folder):
    result = mv("members", "group", "t2", "Repairs  panel")
    assert result.output.strip() == "Lee Chen (t2) has joined the group 'Repairs panel'."
    assert json.loads(audited(folder, "member.group")[0]["detail"]) == {"group": "Repairs panel"}
    result = mv("members", "group", "t2", "Repairs panel", "--remove")
    assert "has left the group" in result.output


def test_the_report_hides_groups_under_the_threshold_and_says_why(folder):
    mv("members", "role", "t1", "board")
    result = mv("tiers", "report")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "groups under 5 are merged or hidden" in out
    assert "tenant (fewer than 5 members)" in out and "staff (fewer than 5 members)" in out
    assert out.count("not shown: fewer than 5 members in this group") == 2
    assert "Pat" not in out and "Representative" not in out
    assert "no monthly snapshot yet" in out

    data = json.loads(mv("tiers", "report", "--json").output)
    assert [g["bands"] for g in data["constituencies"]] == [[], []]
    assert data["pipeline"] == {"named": [], "anonymous": []}


def test_the_ladder_command_shows_the_rungs_and_refuses_a_bad_file_in_one_line(folder):
    result = mv("tiers", "ladder")
    assert result.exit_code == 0
    assert "1. Member (member)" in result.output and "5. Representative" in result.output
    (folder / "ladder.toml").write_text('[[tier]]\nid = "member"\n', encoding="utf-8")
    (folder / "mutual-voice.toml").write_text('[tiers]\nladder = "ladder.toml"\n')
    result = CliRunner().invoke(cli, ["tiers", "ladder"])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert (
        line.startswith("mutual-voice: config error: ")
        and "ladder.toml: tier: must be 2 to 8" in line
    )
    result = CliRunner().invoke(cli, ["members", "role", "t1", "board"])
    assert result.exit_code == 2 and "ladder.toml" in result.output


def test_the_docs_section_exists_and_covers_the_commands():
    needles = (
        "/tiers",
        "/me",
        "I'd like to do more",
        "tiers report",
        "members role",
        "members group",
        "nudge_days",
        "answered_pulse_or_voted_within_days",
    )
    texts = [path.read_text(encoding="utf-8") for path in DOCS]
    assert any(all(needle in text for needle in needles) for text in texts)


def test_ballots_in_an_open_vote_change_neither_the_report_nor_an_export_until_sealed(
    tmp_path, monkeypatch
):
    """Two looks a moment apart while a vote is open must not tell an officer who voted."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    tenants = [f"t{n:02}" for n in range(1, 9)]
    ctx = make_context(FakeClock(datetime.now(UTC)), path=tmp_path / "mutual-voice.db")
    rows = "".join(f"{m},Tenant {m},,tenant\n" for m in tenants)
    add_members(ctx, "member_id,name,email,constituency\n" + rows)

    def looks() -> tuple[dict, str]:
        report = json.loads(mv("tiers", "report", "--json").output)
        return report, mv("members", "export", "t01").output.replace('"member.export"', "")

    before = looks()
    vote_id = vote(ctx, "t01", close=False)
    for member_id in tenants[1:6]:
        vote(ctx, member_id, vote_id, close=False)
    assert looks() == before
    close_vote(ctx, vote_id)
    ctx.db.close()
    report, export = looks()
    tenant = next(g for g in report["constituencies"] if g["constituency"] == "tenant")
    # Two still on the first rung are too few to show: merged with the six voters.
    assert [(b["tiers"], b["count"]) for b in tenant["bands"] if b["count"]] == [
        (["Member", "Voice"], 8)
    ]
    assert tenant != next(g for g in before[0]["constituencies"] if g["constituency"] == "tenant")
    assert vote_id in export
