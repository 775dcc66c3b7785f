"""The shuffled rewrite in parts keeps every row exactly once, wherever it is cut short."""

from __future__ import annotations

import pytest

from storage import secrecy
from storage.db import open_database


@pytest.fixture
def db(tmp_path):
    db = open_database(tmp_path / "mv.db")
    db["took_part"].create({"round": int, "member": str, "at": str}, pk=("round", "member"))
    db.execute(
        "create table ballots (vote text, receipt text, choice text, primary key (vote, receipt)) without rowid"
    )
    with db.atomic():
        db["took_part"].insert_all(
            {"round": 1, "member": f"m{n:03}", "at": f"t{n:03}"} for n in range(50)
        )
        db["took_part"].insert({"round": 2, "member": "m000", "at": "other round"})
        db.conn.executemany(
            "insert into ballots values ('v', ?, ?)", [(f"r{n:03}", f"c{n}") for n in range(50)]
        )
    return db


def rows(db, table: str) -> list[tuple]:
    return sorted(tuple(r) for r in db.execute(f"select * from [{table}]"))


def test_rows_written_meanwhile_are_left_alone(db):
    parts = secrecy.rewrite_in_parts(db, "took_part", "round = ?", [1], {"at": "opened"}, part=7)
    next(parts)
    db["took_part"].insert({"round": 1, "member": "late", "at": "late"})
    for _ in parts:
        pass
    found = rows(db, "took_part")
    assert (1, "late", "late") in found and (2, "m000", "other round") in found
    assert len(found) == 52 and {r[2] for r in found if r[1] != "late" and r[0] == 1} == {"opened"}
    assert not [t for t in db.table_names() if t.startswith("sealing_took_part")]


@pytest.mark.parametrize(
    "table, where, fixed",
    [
        ("took_part", "round = 1", {"at": "opened"}),
        ("ballots", "vote = 'v'", {"choice": "x"}),
    ],
)
def test_cut_short_anywhere_it_ends_with_every_row_once(db, table, where, fixed):
    total = sum(1 for _ in secrecy.rewrite_in_parts(db, table, where, (), fixed, part=7))
    expected = rows(db, table)
    for cut in range(total + 1):
        parts = secrecy.rewrite_in_parts(db, table, where, (), fixed, part=7)
        for _ in range(cut):
            next(parts)
        parts.close()  # the bot stopped here
        for _ in secrecy.rewrite_in_parts(db, table, where, (), fixed, part=7):
            pass
        assert rows(db, table) == expected, cut
    assert list(db.execute("select * from sealing_phases")) == []


def test_the_new_order_is_not_the_old_one(db):
    before = [r[1] for r in db.execute("select * from took_part where round = 1 order by rowid")]
    for _ in secrecy.rewrite_in_parts(db, "took_part", "round = 1", (), part=7):
        pass
    after = [r[1] for r in db.execute("select * from took_part where round = 1 order by rowid")]
    assert sorted(after) == before and after != before
