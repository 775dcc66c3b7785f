"""Bad database files and a full disk, as the operator meets them at the command line:
one line saying what to do, a non-zero exit, never a traceback."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest

import bot.cli
from storage.db import open_database
from tests.helpers import run_mv
from tests.storage.test_database_files import crashed_copy

CONFIG = '[organisation]\nname = "Riverside Homes"\n\n[storage]\ndatabase = "mv.db"\n'


def one_line_refusal(result, words: str) -> None:
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "mutual-voice.toml").write_text(CONFIG)
    return tmp_path


def test_an_empty_database_file_is_refused_by_run_and_by_commands(folder):
    (folder / "mv.db").touch()
    for command in (["run"], ["members", "list"]):
        one_line_refusal(run_mv(folder, *command, stdin="/help\n"), "mv.db is empty (0 bytes)")
    assert (folder / "mv.db").stat().st_size == 0


def test_a_damaged_database_is_refused(folder):
    db = open_database(folder / "mv.db")
    with db.conn:
        db.execute("create table filler (x)")
        db.conn.executemany("insert into filler values (?)", [("y" * 500,)] * 2000)
    db.close()
    size = (folder / "mv.db").stat().st_size
    with (folder / "mv.db").open("r+b") as file:
        file.seek(size // 2 - (size // 2) % 4096)
        file.write(b"\xff" * 4096)
    for command in (["run"], ["members", "list"], ["backup", "b.db"]):
        one_line_refusal(run_mv(folder, *command, stdin="/help\n"), "is damaged")
    assert not (folder / "b.db").exists()


def test_run_refuses_a_leftover_wal_of_another_database(folder):
    open_database(folder / "mv.db").close()
    open_database(folder / "other.db").close()
    crashed_copy(folder / "other.db", folder / "crashed.db")
    shutil.copyfile(folder / "crashed.db-wal", folder / "mv.db-wal")
    result = run_mv(folder, "run", stdin="/help\n")
    one_line_refusal(result, "mv.db-wal belongs to another database")
    assert "move" in result.stderr and "away" in result.stderr


def test_a_full_disk_is_named_as_such(tmp_path, monkeypatch, capsys):
    # A real SQLITE_FULL from SQLite, as a write on a full disk raises it.
    conn = sqlite3.connect(tmp_path / "small.db")
    conn.execute("create table t (x)")
    conn.execute("pragma max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as full, conn:
        conn.executemany("insert into t values (?)", [("x" * 1000,)] * 100)

    def fails(*args, **kwargs):
        raise full.value

    monkeypatch.setattr(bot.cli.cli, "main", fails)
    with pytest.raises(SystemExit) as exit:
        bot.cli.main()
    assert exit.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("mutual-voice: disk full: free space") and err.count("\n") == 1


def test_a_command_checks_a_leftover_wal_only_when_nobody_has_the_database_open(folder):
    open_database(folder / "mv.db").close()
    # Another process (a bot, say) writes and keeps the file open: its -wal is live.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "c = sqlite3.connect('mv.db')\n"
            "c.execute('pragma wal_autocheckpoint = 0')\n"
            "c.execute(\"insert into audit (at, actor, action, subject) values ('t','x','y','z')\")\n"
            "c.commit()\n"
            "print('ready', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        cwd=folder,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "ready\n"
        assert (folder / "mv.db-wal").stat().st_size > 0
        listed = run_mv(folder, "members", "list")
        assert listed.returncode == 0, listed.stderr
    finally:
        holder.communicate("")
    # Nobody has it open now; a -wal of another database is put beside it.
    open_database(folder / "other.db").close()
    crashed_copy(folder / "other.db", folder / "crashed.db")
    shutil.copyfile(folder / "crashed.db-wal", folder / "mv.db-wal")
    one_line_refusal(run_mv(folder, "members", "list"), "mv.db-wal belongs to another database")


def test_restore_waits_for_every_process_to_let_go_of_the_database(folder):
    open_database(folder / "mv.db").close()
    assert run_mv(folder, "backup", "saved.db").returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys\n"
         "c = sqlite3.connect('mv.db')\nc.execute('select 1 from members').fetchall()\n"
         "print('ready', flush=True)\nsys.stdin.read()\n"],
        cwd=folder, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "ready\n"
        refused = run_mv(folder, "restore", "saved.db")
        assert refused.returncode == 4
        one_line_refusal(refused, "another process has")
    finally:
        holder.communicate("")
    assert run_mv(folder, "restore", "saved.db").returncode == 0
