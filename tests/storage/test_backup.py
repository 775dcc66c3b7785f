"""Backups hold what was committed, never what was half-written; a restore takes only a
sound Mutual Voice database this version can read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from storage.backup import BackupError, backup, restore
from storage.db import open_database


def names(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("select member_id from members order by 1")]


def add(db, member_id: str) -> None:
    db.execute(
        "insert into members (member_id, name, constituency, created_at) "
        "values (?, 'x', 'tenant', 'x')",
        [member_id],
    )


def test_a_backup_has_what_was_committed_and_not_what_is_being_written(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    with db.conn:
        add(db, "t1")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("begin immediate")  # the bot in the middle of a write
    add(writer, "t2")
    backup(path, tmp_path / "saved.db")  # waits for nobody: it reads the last commit
    writer.execute("commit")
    assert names(tmp_path / "saved.db") == ["t1"]
    assert names(path) == ["t1", "t2"]


def test_a_backup_never_overwrites_a_file(tmp_path):
    open_database(tmp_path / "mv.db").close()
    (tmp_path / "saved.db").write_text("precious")
    with pytest.raises(BackupError, match="already exists"):
        backup(tmp_path / "mv.db", tmp_path / "saved.db")
    assert (tmp_path / "saved.db").read_text() == "precious"


def test_a_backup_from_a_newer_version_is_refused(tmp_path):
    open_database(tmp_path / "newer.db").close()
    with sqlite3.connect(tmp_path / "newer.db") as db:
        db.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) "
            "values ('mutual_voice.core', 'm999_from_the_future', 'x')"
        )
    open_database(tmp_path / "mv.db").close()
    with pytest.raises(BackupError, match="newer Mutual Voice"):
        restore(tmp_path / "newer.db", tmp_path / "mv.db", datetime.now(UTC))
    assert not list(tmp_path.glob("mv.db.before-restore-*"))


def test_a_restore_into_an_empty_folder_needs_nothing_moved(tmp_path):
    open_database(tmp_path / "mv.db").close()
    backup(tmp_path / "mv.db", tmp_path / "saved.db")
    target = tmp_path / "new" / "mv.db"
    target.parent.mkdir()
    assert restore(tmp_path / "saved.db", target, datetime.now(UTC)) is None
    assert names(target) == []
    open_database(target).close()  # and it opens as a Mutual Voice database
