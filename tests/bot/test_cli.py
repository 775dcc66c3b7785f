"""The `mutual-voice` command as an officer uses it, run as a real process where exit codes matter."""

import json

import pytest

from storage.db import open_database
from tests.helpers import run_mv

ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,pat@example.org,tenant
t2,Lee Chen,,tenant
s1,Sam Okafor,sam@example.org,staff
"""
BAD_ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,pat@example.org,tenant
t2,,lee@example.org,tenant
t3,Ruth,ruth@example,tenant
s1,Sam Okafor,sam@example.org,boss
"""


def mv(tmp_path, *args, stdin="", env=None):
    return run_mv(tmp_path, *args, stdin=stdin, env=env)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "bad.csv").write_text(BAD_ROSTER)
    open_database(tmp_path / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
    return tmp_path


def test_piped_console_session_welcomes_helps_and_refuses_a_bad_token(folder):
    result = mv(folder, "run", "--as", "demo-tenant-1", stdin="/start\n/help\n/start NOT-A-TOKEN\n")
    assert result.returncode == 0, result.stderr
    assert "demo organisation was created" in result.stderr
    out = result.stdout
    assert "Welcome, Pat!" in out and "/help - what I can do" in out
    assert "Sorry, I don't recognise that invite" in out
    assert "Traceback" not in out + result.stderr


@pytest.mark.parametrize(
    ("config", "env", "expected"),
    [
        ("[telegram]\ntokn = 'x'\n", {}, "unknown key 'telegram.tokn'"),
        ("[privacy]\nanonymity_threshold = 'five'\n", {}, "must be a whole number"),
        ("[slack]\nenabled = true\n", {}, "slack is enabled but has no bot_token"),
    ],
)
def test_bad_config_is_one_line_and_exit_status_2(folder, config, env, expected):
    (folder / "mutual-voice.toml").write_text(config)
    result = mv(folder, "members", "list", env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_roster_reports_every_line_and_imports_nothing_then_skip_bad(folder):
    result = mv(folder, "members", "import", "bad.csv")
    assert result.returncode == 1
    for line in (
        "line 3: missing name",
        "line 4: malformed email",
        "line 5: unknown constituency 'boss'",
    ):
        assert line in result.stderr
    assert "nothing was imported" in result.stderr
    assert json.loads(mv(folder, "members", "list", "--json").stdout) == []
    result = mv(folder, "members", "import", "--skip-bad", "bad.csv")
    assert result.returncode == 0 and "Imported 1 member, skipped 3 bad rows." in result.stdout
    assert [m["member_id"] for m in json.loads(mv(folder, "members", "list", "--json").stdout)] == [
        "t1"
    ]


def test_import_names_the_roster_languages_without_a_catalogue(folder):
    (folder / "langs.csv").write_text(
        "member_id,name,email,constituency,language\nt1,Ola,,tenant,pl\nt2,Ann,,tenant,cy\n"
    )
    result = mv(folder, "members", "import", "langs.csv")
    assert result.returncode == 0
    assert "No words yet for pl: those members read en" in result.stdout


def test_a_roster_with_doubled_quotes_reads_as_excel_wrote_it(folder):
    (folder / "excel.csv").write_text(
        'member_id,name,email,constituency\nt9,"Pat ""Paddy"" Murphy",,tenant\n'
    )
    assert mv(folder, "members", "import", "excel.csv").returncode == 0
    listed = json.loads(mv(folder, "members", "list", "--json").stdout)
    assert [m["name"] for m in listed if m["member_id"] == "t9"] == ['Pat "Paddy" Murphy']


def test_erase_piped_without_yes_says_to_add_yes(folder):
    assert mv(folder, "members", "import", "roster.csv").returncode == 0
    result = mv(folder, "members", "erase", "t1")  # stdin is a pipe with nothing in it
    assert result.returncode == 1
    assert "t1 was not erased" in result.stderr and "add --yes" in result.stderr
    assert "Aborted!" not in result.stderr + result.stdout
    still = json.loads(mv(folder, "members", "export", "t1").stdout)
    assert still["member"]["name"] == "Pat Murphy"


def test_roster_invite_export_and_erase(folder):
    assert mv(folder, "members", "import", "roster.csv").returncode == 0
    (folder / "mutual-voice.toml").write_text("[telegram]\nbot_username = 'voice_bot'\n")
    invites = json.loads(mv(folder, "members", "invite", "--member", "t1", "--json").stdout)
    assert invites[0]["links"]["telegram"].startswith("https://t.me/voice_bot?start=")
    shown = json.loads(mv(folder, "members", "show", "t1", "--json").stdout)
    assert shown["email"] == "pat@example.org"
    exported = json.loads(mv(folder, "members", "export", "t1").stdout)
    assert exported["member"]["name"] == "Pat Murphy" and len(exported["invites"]) == 1
    assert mv(folder, "members", "erase", "t1", "--yes").returncode == 0
    erased = json.loads(mv(folder, "members", "export", "t1").stdout)
    assert erased["member"]["name"] is None and erased["invites"] == []
    missing = mv(folder, "members", "show", "nobody")
    assert missing.returncode == 1 and "no member with id 'nobody'" in missing.stderr


def test_init_writes_a_working_config(folder):
    result = mv(folder, "init")
    assert result.returncode == 0 and "mutual-voice members import" in result.stdout
    assert (folder / "mutual-voice.toml").exists() and (folder / "mutual-voice.db").exists()
    again = mv(folder, "init")
    assert again.returncode == 1 and "already exist (use --force" in again.stderr


def test_unknown_command_is_a_usage_error(folder):
    result = mv(folder, "memebers")
    assert result.returncode == 2 and "No such command" in result.stderr
