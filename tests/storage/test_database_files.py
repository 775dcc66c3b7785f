"""The database file is checked before it is trusted: empty, damaged, or beside a -wal
that is not its own, it is refused with one line saying what to do."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from storage.backup import backup
from storage.db import open_database
from storage.files import BadDatabase, check_database


def crashed_copy(source: Path, target: Path, rows: int = 50) -> None:
    """`source` written to and copied (file and -wal) to `target` while still open, as a
    killed process leaves it: the last commits only in the -wal."""
    conn = sqlite3.connect(source)
    conn.execute("pragma wal_autocheckpoint = 0")
    with conn:
        conn.executemany(
            "insert into audit (at, actor, action, subject) values ('t', 'x', 'y', ?)",
            [(f"row {n} " + "x" * 200,) for n in range(rows)],
        )
    shutil.copyfile(source, target)
    shutil.copyfile(f"{source}-wal", f"{target}-wal")
    conn.close()


def audit_rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("select count(*) from audit").fetchone()[0]


def refused(path: Path, wal: bool = True) -> str:
    with pytest.raises(BadDatabase) as raised:
        check_database(path, wal=wal)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_sound_database_and_its_own_leftover_wal_pass(tmp_path):
    open_database(tmp_path / "mv.db").close()
    crashed_copy(tmp_path / "mv.db", tmp_path / "crashed.db")
    check_database(tmp_path / "crashed.db", wal=True)
    assert audit_rows(tmp_path / "crashed.db") == 50  # the -wal's commits are kept


def test_an_empty_file_is_not_taken_for_a_new_database(tmp_path):
    (tmp_path / "mv.db").touch()
    assert "is empty (0 bytes)" in refused(tmp_path / "mv.db")
    with pytest.raises(BadDatabase):
        open_database(tmp_path / "mv.db")
    assert (tmp_path / "mv.db").stat().st_size == 0


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    (tmp_path / "mv.db").write_text("member_id,name\n" * 20)
    assert "is not an SQLite database" in refused(tmp_path / "mv.db", wal=False)


def test_garbage_in_the_middle_is_found(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    with db.conn:
        db.execute("create table filler (x)")
        db.conn.executemany("insert into filler values (?)", [("y" * 500,)] * 2000)
    db.close()
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2 - (size // 2) % 4096)
        file.write(bytes(range(256)) * 16)
    message = refused(path, wal=False)
    assert "is damaged" in message and "mutual-voice restore" in message


def test_a_leftover_wal_of_another_database_is_refused(tmp_path):
    open_database(tmp_path / "mine.db").close()
    open_database(tmp_path / "theirs.db").close()
    crashed_copy(tmp_path / "theirs.db", tmp_path / "crashed.db")
    shutil.copyfile(tmp_path / "mine.db", tmp_path / "mv.db")
    shutil.copyfile(tmp_path / "crashed.db-wal", tmp_path / "mv.db-wal")
    message = refused(tmp_path / "mv.db")
    assert "mv.db-wal belongs to another database" in message
    # The file itself was not touched: the log was tried on a copy.
    assert (tmp_path / "mv.db").read_bytes() == (tmp_path / "mine.db").read_bytes()


def test_a_backup_copied_over_a_crashed_database_is_not_mixed_with_its_old_wal(tmp_path):
    """The README's old advice: copy the backup back. The crashed database's -wal stayed."""
    open_database(tmp_path / "mv.db").close()
    backup(tmp_path / "mv.db", tmp_path / "saved.db")
    crashed_copy(tmp_path / "mv.db", tmp_path / "crashed.db")
    shutil.copyfile(tmp_path / "saved.db", tmp_path / "restored.db")
    shutil.copyfile(tmp_path / "crashed.db-wal", tmp_path / "restored.db-wal")
    assert "belongs to another database" in refused(tmp_path / "restored.db")


def test_a_wal_with_another_page_size_is_refused(tmp_path):
    open_database(tmp_path / "mv.db").close()
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("pragma page_size = 1024")
    other.execute("pragma journal_mode = wal")
    other.execute("pragma wal_autocheckpoint = 0")
    with other:
        other.execute("create table t (x)")
        other.execute("insert into t values (1)")
    shutil.copyfile(tmp_path / "other.db-wal", tmp_path / "mv.db-wal")
    other.close()
    assert "page size differs" in refused(tmp_path / "mv.db")


def test_a_wal_that_is_not_a_wal_is_refused(tmp_path):
    open_database(tmp_path / "mv.db").close()
    (tmp_path / "mv.db-wal").write_bytes(b"\x00" * 4096)
    assert "is not a write-ahead log" in refused(tmp_path / "mv.db")
