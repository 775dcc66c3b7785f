"""The running bot copies the write-ahead log in a thread, not in a member's commit."""

from __future__ import annotations

import sqlite3

from storage.db import open_database
from storage.wal_keeper import WORTH_IT_BYTES, WalKeeper


def fill(db, rows: int) -> None:
    db.execute("create table if not exists filler (text text)")
    with db.atomic():
        db.conn.executemany("insert into filler values (?)", [("x" * 1000,)] * rows)


def test_commits_leave_the_log_to_the_keeper_which_copies_it_into_the_file(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    keeper = WalKeeper(db, path, every=3600)  # its thread idles: the test copies by hand
    keeper.start()
    try:
        assert db.execute("pragma wal_autocheckpoint").fetchone() == (0,)
        fill(db, 4000)  # about 4 MB: SQLite alone would have copied it at 1,000 pages
        wal = tmp_path / "mv.db-wal"
        assert wal.stat().st_size > 4 * WORTH_IT_BYTES
        size_before = path.stat().st_size
        other = sqlite3.connect(path)
        assert keeper.copy_once(other) > 1000
        assert path.stat().st_size > size_before + 3 * WORTH_IT_BYTES
        other.close()
    finally:
        keeper.stop()
    assert db.execute("pragma wal_autocheckpoint").fetchone() == (1000,)


def test_a_small_log_is_left_to_grow(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    # Creating every table logs about 1 MB itself (more with each feature's tables): the
    # small log here is the ten rows alone.
    db.execute("pragma wal_checkpoint(truncate)")
    keeper = WalKeeper(db, path, every=3600)
    fill(db, 10)
    other = sqlite3.connect(path)
    assert keeper.copy_once(other) == 0
    other.close()


def test_empty_copies_the_whole_log_and_truncates_it(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    keeper = WalKeeper(db, path, every=3600)
    keeper.start()
    try:
        fill(db, 3000)
        assert (tmp_path / "mv.db-wal").stat().st_size > WORTH_IT_BYTES
        assert keeper.empty() is True
        assert (tmp_path / "mv.db-wal").stat().st_size == 0
        assert db.execute("select count(*) from filler").fetchone() == (3000,)
    finally:
        keeper.stop()


def test_asked_to_empty_the_log_it_does_so_at_its_next_turn_once_no_reader_holds_it(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    keeper = WalKeeper(db, path, every=3600)
    keeper.start()
    wal = tmp_path / "mv.db-wal"
    try:
        fill(db, 20)  # a small log: left to grow, unless asked
        reader = sqlite3.connect(path)
        reader.execute("begin")
        reader.execute("select count(*) from filler").fetchone()  # holds a snapshot
        keeper.empty_soon()
        turn = sqlite3.connect(path)
        keeper.turn(turn)
        assert keeper.emptying and wal.stat().st_size > 0  # held up: tried again next turn
        reader.rollback()
        keeper.turn(turn)
        assert not keeper.emptying and wal.stat().st_size == 0
        turn.close()
        reader.close()
    finally:
        keeper.stop()
