"""An upgrade that changes the schema first keeps the database as it was beside it
(`<db>.before-upgrade-<version>.bak`), written with VACUUM INTO."""

from __future__ import annotations

import sqlite3
from importlib.metadata import version

from storage.db import open_database


def as_an_older_version_left_it(path) -> None:
    """The newest migration set not yet applied, and a row of data."""
    with sqlite3.connect(path) as db:
        db.execute("drop table platform_health")
        db.execute("drop table clock_seen")
        db.execute("delete from _sqlite_migrations where migration_set = 'mutual_voice.health'")
        db.execute(
            "insert or replace into members (member_id, name, constituency, created_at) "
            "values ('t1', 'Pat', 'tenant', 'x')"
        )


def tables(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("select name from sqlite_master where type='table'")}


def test_a_pending_migration_is_applied_after_a_backup(tmp_path, caplog):
    path = tmp_path / "mv.db"
    open_database(path).close()
    assert not list(tmp_path.glob("*.bak"))  # a new database has nothing to keep
    as_an_older_version_left_it(path)
    db = open_database(path)
    saved = tmp_path / f"mv.db.before-upgrade-{version('mutual-voice')}.bak"
    assert saved.exists()
    assert "platform_health" not in tables(saved) and "platform_health" in tables(path)
    with sqlite3.connect(saved) as copy:
        assert copy.execute("select name from members").fetchall() == [("Pat",)]
        assert copy.execute("pragma quick_check").fetchall() == [("ok",)]
    assert str(saved) in caplog.text
    db.close()
    open_database(path).close()  # nothing pending: no second backup
    assert list(tmp_path.glob("*.bak")) == [saved]


def test_a_second_upgrade_of_the_same_version_keeps_the_first_backup(tmp_path):
    path = tmp_path / "mv.db"
    open_database(path).close()
    for _ in range(2):
        as_an_older_version_left_it(path)
        open_database(path).close()
    mine = version("mutual-voice")
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == [
        f"mv.db.before-upgrade-{mine}-2.bak",
        f"mv.db.before-upgrade-{mine}.bak",
    ]
