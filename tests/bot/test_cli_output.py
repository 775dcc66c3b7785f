"""What commands print: plain English counts, and one clear line for a file they cannot read."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli


def mv(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    assert mv("init").exit_code == 0
    return tmp_path


def test_one_member_one_bad_row_one_round(folder):
    (folder / "one.csv").write_text(
        "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n"
        "s2,,x@example.org,staff\n"
    )
    result = mv("members", "import", "one.csv", "--skip-bad")
    assert "Imported 1 member, skipped 1 bad row." in result.output, result.output
    sent = mv("survey", "send", "staff-pulse")
    assert "for 1 member," in sent.output and "Queued 0 invitations" in sent.output
    assert "1 member has not joined yet" in sent.output
    missing = mv("survey", "results", "staff-pulse", "--round", "4")
    assert "it has round 1)" in missing.output, missing.output


def test_a_latin1_or_semicolon_roster_through_the_cli(folder):
    (folder / "excel.csv").write_bytes(
        "member_id;name;email;constituency\nt1;Zoé Martin;;tenant\n".encode("cp1252")
    )
    refused = mv("members", "import", "excel.csv")
    assert refused.exit_code == 1
    assert "excel.csv: line 2: not UTF-8 text" in refused.output and "CSV UTF-8" in refused.output
    (folder / "excel.csv").write_text("member_id;name;email;constituency\nt1;Zoé Martin;;tenant\n")
    assert "Imported 1 member." in mv("members", "import", "excel.csv").output


def test_commands_other_than_init_and_run_refuse_a_missing_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    for command in (["members", "list"], ["survey", "list"], ["jobs"], ["outbox", "status"]):
        result = mv(*command)
        assert result.exit_code == 1, (command, result.output)
        assert "no database at" in result.output and "mutual-voice init" in result.output
        assert "No members yet" not in result.output
    assert list(tmp_path.iterdir()) == []
    assert mv("run").exit_code == 0 and (tmp_path / "mutual-voice.db").exists()


def test_run_never_creates_a_database_from_a_mistyped_path_in_a_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    assert mv("init").exit_code == 0
    config = tmp_path / "mutual-voice.toml"
    config.write_text(config.read_text().replace('"mutual-voice.db"', '"mutual-voice.bd"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (["run"], ["web"], ["--config", str(config), "run"]):
        if args[0] == "--config":
            monkeypatch.chdir(elsewhere)
        result = mv(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.strip() == (
            f"mutual-voice: no database at {tmp_path / 'mutual-voice.bd'}, where "
            f"storage.database in {config} points: check that path (and the folder you run "
            "in); to start a new database there, run mutual-voice init"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere",
        "mutual-voice.db",
        "mutual-voice.toml",
    ]
    assert list(elsewhere.iterdir()) == []

    monkeypatch.chdir(tmp_path)  # `init` creates it on purpose, and keeps the config
    kept = config.read_text()
    created = mv("init")
    assert created.exit_code == 0 and created.output.startswith(
        f"Created {tmp_path / 'mutual-voice.bd'}, where mutual-voice.toml names the database."
    )
    assert (tmp_path / "mutual-voice.bd").exists() and config.read_text() == kept
    again = mv("init")
    assert again.exit_code == 1 and "already exist (use --force" in again.output


def test_commands_print_their_result_and_log_only_with_verbose(tmp_path):
    from tests.handlers.pulses.test_pulse_chat import roster
    from tests.helpers import run_mv

    (tmp_path / "roster.csv").write_text(roster(staff=3))
    assert run_mv(tmp_path, "init").returncode == 0
    assert run_mv(tmp_path, "members", "import", "roster.csv").returncode == 0
    sent = run_mv(tmp_path, "survey", "send", "staff-pulse")
    assert sent.returncode == 0 and "Opened round 1" in sent.stdout
    assert sent.stderr == ""
    closed = run_mv(tmp_path, "-v", "survey", "close", "staff-pulse")
    assert closed.returncode == 0 and " INFO " in closed.stderr
