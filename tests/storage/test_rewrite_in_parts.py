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


def test_a_row_noted_again_while_its_original_is_away_does_not_block_the_rewrite(db, monkeypatch):
    """Issue 29: a close killed while it rewrote the tier nudges never finished: the nudge
    tick noted a member's first again while the original was away in the staging table,
    and moving it back hit the unique key on every tick after."""
    monkeypatch.setattr(secrecy, "PART", 3)  # originals deleted 6 at a time
    parts = secrecy.rewrite_in_parts(db, "took_part", "round = 1", (), part=7)
    while secrecy._phase(db, secrecy._stage_name("took_part", "round = 1", ())) != "copied":
        next(parts)
    for _ in range(3):  # the originals are being deleted
        next(parts)
    parts.close()  # killed here
    gone = {f"m{n:03}" for n in range(50)} - {r[1] for r in rows(db, "took_part")}
    assert gone, "some originals are away in the staging table"
    again = sorted(gone)[0]
    db["took_part"].insert({"round": 1, "member": again, "at": "noted again"})
    for _ in secrecy.rewrite_in_parts(db, "took_part", "round = 1", (), part=7):
        pass
    found = rows(db, "took_part")
    assert len(found) == 51 and (1, again, "noted again") in found


def test_cut_between_dropping_the_stage_and_forgetting_the_phase(db):
    """A phase left without its staging table (an older version stopped between the two)
    is carried on, not an error on every tick."""
    expected = rows(db, "took_part")
    stage = secrecy._stage_name("took_part", "round = 1", ())
    db.execute("insert into sealing_phases (stage, phase) values (?, 'copied')", [stage])
    for _ in secrecy.rewrite_in_parts(db, "took_part", "round = 1", (), part=7):
        pass
    assert rows(db, "took_part") == expected
    assert list(db.execute("select * from sealing_phases")) == []


def test_member_order_is_rewritten_by_one_connection_at_a_time(tmp_path):
    """Two closes at once (the bot's and the command line's) share the member-order
    rewrite's staging tables: the second leaves it to the first, which finishes it."""
    path = tmp_path / "two.db"
    first, second = open_database(path), open_database(path)
    with first.atomic():
        first["members"].insert_all(
            {"member_id": f"m{n:03}", "constituency": "staff", "created_at": "2026-01-01"}
            for n in range(40)
        )
        first["tier_nudges"].insert_all(
            {"member_id": f"m{n:03}", "kind": "vote"} for n in range(40)
        )
    expected = rows(first, "tier_nudges")
    going = secrecy.shuffle_member_order_in_parts(first, part=5)
    next(going)
    assert list(secrecy.shuffle_member_order_in_parts(second, part=5)) == []
    assert secrecy.member_order_unfinished(second)
    for _ in going:
        pass
    assert rows(second, "tier_nudges") == expected
    assert not secrecy.member_order_unfinished(second)
