"""The secrets of open flows live beside the database, not in it (storage/flow_keys.py):
a copy of the file and its -wal taken while a round and a changeable vote are open holds
no value that makes a member's respondent or ballot key; and when the keys file is lost,
the flows still close and count, members are refused kindly and the council told once."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from handlers import housekeeping
from storage import flow_keys
from storage.pulses import queries as pulses
from storage.votes import queries as store
from surveys.anonymity import respondent_key
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.handlers.votes.test_votes import Kit, receipt_in
from tests.helpers import make_context


@pytest.fixture
def fctx(clock, tmp_path):
    """A context on a database file (the keys file goes beside it)."""
    context = make_context(clock, path=tmp_path / "mv.db")
    yield context
    context.db.close()


def every_value(path: Path) -> set[bytes]:
    """Every text or blob value of every row of a copy of the file (with its -wal)."""
    conn = sqlite3.connect(path)
    conn.text_factory = bytes
    found: set[bytes] = set()
    tables = [n for (n,) in conn.execute("select name from sqlite_master where type = 'table'")]
    for table in tables:
        for row in conn.execute(f'select * from "{table.decode()}"'):
            found |= {v for v in row if isinstance(v, bytes) and len(v) >= 16}
    conn.close()
    return found


def copy_as_thief(fctx, folder: Path) -> Path:
    folder.mkdir()
    source = Path(str(flow_keys.path_of(fctx.db))[: -len(flow_keys.SUFFIX)])
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", folder / f"copy.db{suffix}")
    return folder / "copy.db"


def test_a_copy_taken_while_open_holds_no_secret_that_makes_the_keys(fctx, clock, tmp_path):
    staff = join(fctx, staff=6)
    round_row = open_round(fctx)
    chat = PulseChat(fctx)
    chat.tick()
    for member in staff[:4]:
        chat.answer(member, ["Agree", "Disagree"])
    kit = Kit(fctx, roster="", linked=())
    kit.create(allow_change=True, constituencies=("staff",))
    kit.tick()
    kit.vote(staff[0], "agm", "For")
    kit.vote(staff[0], "agm", "Against")  # a change of mind: found by its key
    kit.vote(staff[1], "agm", "For")

    keys = flow_keys.path_of(fctx.db)
    assert keys is not None and stat.S_IMODE(keys.stat().st_mode) == 0o600
    secret = pulses.secret(fctx.db, round_row["id"])
    vote_secret = store.secret(fctx.db, "agm", None)
    assert secret and vote_secret
    assert store.choice_counts(fctx.db, "agm") == [("against", 1), ("for", 1)]
    respondents = {r[0] for r in fctx.db.execute("select respondent from pulse_answers")}
    assert respondents == {respondent_key(secret, round_row["id"], m) for m in staff[:4]}
    # Nor does a time say in what order they answered: the round's opening time for all.
    times = fctx.db.execute("select distinct answered_at from pulse_participation "
                            "where answered_at is not null").fetchall()  # fmt: skip
    assert times == [(round_row["opened_at"],)]

    copy = copy_as_thief(fctx, tmp_path / "thief")
    raw = copy.read_bytes() + Path(f"{copy}-wal").read_bytes()
    values = every_value(copy)
    # The thief tries every value the copy holds as the round's or the vote's secret.
    ballot_keys = {r[0] for r in fctx.db.execute("select ballot_key from vote_ballots") if r[0]}
    for candidate in values:
        for member in staff:
            assert respondent_key(candidate, round_row["id"], member) not in respondents
            made = hmac.new(candidate, member.encode(), hashlib.sha256).hexdigest()[:32]
            assert made not in ballot_keys
    assert secret not in values and vote_secret.encode() not in values
    assert secret not in raw and vote_secret.encode() not in raw

    clock.advance(days=8)  # both close
    chat.tick()
    kit.tick()
    assert pulses.get_round(fctx.db, round_row["id"])["closed_at"]
    assert flow_keys.labels(fctx.db) == set()  # both secrets dropped at their close


def test_a_lost_keys_file_refuses_kindly_counts_and_tells_the_council_once(fctx, clock):
    staff = join(fctx, staff=5)
    round_row = open_round(fctx)
    chat = PulseChat(fctx)
    chat.tick()
    chat.answer(staff[0], ["Agree"])
    kit = Kit(fctx, roster="", linked=())
    kit.create(allow_change=True, constituencies=("staff",))
    kit.tick()
    receipt = receipt_in(kit.vote(staff[0], "agm", "For"))

    flow_keys.path_of(fctx.db).unlink()  # a restore from a copy, or a careless clean-up

    told = [m for m in housekeeping.forget(fctx, clock.now) if hasattr(m, "key")]
    assert sorted(m.title for m in told) == [
        f"A secret is missing: round {round_row['number']} of staff-pulse",
        "A secret is missing: vote agm",
    ]
    assert all(m.to.council for m in told)
    kit.postman.post(told)
    again = [m for m in housekeeping.forget(fctx, clock.now) if hasattr(m, "key")]
    assert kit.postman.post(again).queued == 0  # told once: the outbox keeps a key once

    chat.answer(staff[1], ["Agree"])
    assert "can't take answers any more" in chat.last(staff[1])["payload"]["text"]
    texts = [m.text for m in kit.command(staff[0], "vote", "agm")]
    assert any("can't be changed any more" in text for text in texts), texts
    assert "Your receipt code" in kit.vote(staff[1], "agm", "Against")  # a first vote counts

    clock.advance(days=8)
    chat.tick()
    kit.tick()
    assert pulses.get_round(fctx.db, round_row["id"])["closed_at"]
    counted = fctx.db.execute(
        "select value, answers from pulse_counts where round_id = ?", [round_row["id"]]
    ).fetchall()
    assert sum(n for _, n in counted) == 1  # the answer given before the loss
    assert dict(store.ballot_list(fctx.db, "agm")).get(receipt) is not None
    assert sorted(c for _, c in store.ballot_list(fctx.db, "agm")) == ["against", "for"]
