import sqlite3

import pytest
from sqlite_utils import Database

from storage.db import open_database
from storage.schema import MIGRATION_SETS, SchemaTooNew, core, migrate

CORE_TABLES = {
    "members",
    "identities",
    "invites",
    "outbox",
    "audit",
    "processed_events",
    "conversations",
}


def test_fresh_database_has_every_table_and_wal(tmp_path):
    db = open_database(tmp_path / "mv.db")
    assert set(db.table_names()) >= CORE_TABLES
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert {m.name for m in core.applied(db)} == {m.name for m in core._migrations}


def test_older_database_upgrades_in_place_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    core.apply(old, stop_before="m002_outbox")  # as an older release left it
    old["members"].insert(
        {
            "member_id": "t1",
            "name": "Pat",
            "constituency": "tenant",
            "created_at": "2026-01-01T00:00:00+00:00",
        }
    )
    assert "outbox" not in old.table_names()
    old.close()
    db = open_database(path)
    assert set(db.table_names()) >= CORE_TABLES
    assert db["members"].get("t1")["name"] == "Pat"


def test_reopening_applies_nothing_twice(tmp_path):
    open_database(tmp_path / "mv.db").close()
    db = open_database(tmp_path / "mv.db")
    for migrations in MIGRATION_SETS:
        assert migrations.pending(db) == []


def test_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "new.db"
    open_database(path).close()
    raw = sqlite3.connect(path)
    raw.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
        ("mutual_voice.core", "m999_from_the_future", "2030-01-01"),
    )
    raw.commit()
    raw.close()
    db = Database(path)
    with pytest.raises(SchemaTooNew, match="m999_from_the_future"):
        migrate(db)
