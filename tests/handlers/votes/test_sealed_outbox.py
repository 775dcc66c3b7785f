"""Secret outbox messages are sealed while they wait (storage/outbox.py, storage/sealed.py):
a copy of the database and its -wal taken while a vote confirmation waits does not pair
the member with their receipt code or choice; the sender opens it just before delivery;
a lost key gives the row up with a log line and tells the member their vote counts."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.outbox import Pace, Sender
from handlers.i18n import SEALED_LOST
from storage import flow_keys, outbox, sealed
from tests.bot.test_outbox import Recorder
from tests.handlers.votes.test_votes import Kit, receipt_in
from tests.helpers import make_context


@pytest.fixture
def fctx(clock, tmp_path):
    """A context on a database file (the keys file goes beside it)."""
    context = make_context(clock, path=tmp_path / "mv.db")
    yield context
    context.db.close()


def send_all(ctx, clock) -> Recorder:
    recorder = Recorder()
    pace = Pace(rate_per_second=1000, per_chat_seconds=0, concurrency=1)
    sender = Sender(ctx.db, "telegram", recorder, clock, pace, sleep=clock.sleep)
    return recorder, sender


def test_a_sealed_payload_opens_only_with_its_key_on_its_row():
    key = sealed.new_key()
    blob = sealed.seal(key, b"Your receipt code: K7QM-2XPA", b"vote:agm:b:1\0chat")
    assert sealed.open_sealed(key, blob, b"vote:agm:b:1\0chat") == b"Your receipt code: K7QM-2XPA"
    assert sealed.open_sealed(sealed.new_key(), blob, b"vote:agm:b:1\0chat") is None
    assert sealed.open_sealed(key, blob, b"vote:agm:b:2\0chat") is None  # moved to another row
    flipped = bytearray(blob.encode())
    flipped[30] = ord("A") if flipped[30] != ord("A") else ord("B")
    assert sealed.open_sealed(key, flipped.decode(), b"vote:agm:b:1\0chat") is None
    assert sealed.open_sealed(key, "not base64!", b"") is None
    # Padded: a short choice and a long one give blobs of one length.
    assert len(sealed.seal(key, b"For")) == len(sealed.seal(key, b"Against, with reasons" * 10))


def rows_naming(copy: Path, names: set[bytes]) -> list[bytes]:
    """Every row of every table of the copy (its -wal read too) naming any of `names`."""
    conn = sqlite3.connect(copy)
    conn.text_factory = bytes
    found = []
    for (table,) in conn.execute("select name from sqlite_master where type = 'table'"):
        for row in conn.execute(f'select * from "{table.decode()}"'):
            flat = b"\0".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
            if any(name in flat for name in names):
                found.append(flat)
    conn.close()
    return found


async def test_a_copy_taken_while_confirmations_wait_pairs_no_one_with_their_ballot(
    fctx, clock, tmp_path
):
    kit = Kit(fctx)
    kit.create()
    kit.tick()
    receipts = {
        "t1": receipt_in(kit.vote("t1", "agm", "Against")),
        "t2": receipt_in(kit.vote("t2", "agm", "Abstain")),
    }
    source = Path(str(flow_keys.path_of(fctx.db))[: -len(flow_keys.SUFFIX)])
    thief = tmp_path / "thief"
    thief.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", thief / f"copy.db{suffix}")
    raw = b"".join(p.read_bytes() for p in thief.iterdir())
    assert b"Your receipt code" not in raw and b"your vote is cast" not in raw
    seen = {}
    for member in ("t1", "t2"):
        named = rows_naming(thief / "copy.db", {member.encode(), f"u-{member}".encode()})
        assert any(b"vote:agm:b:" in row for row in named)  # the confirmation does wait
        assert not any(code.encode() in row for row in named for code in receipts.values())
        # Every option is named as often beside one as beside the other (the notice of
        # the vote lists them all): nothing beside a member says which they chose.
        seen[member] = [
            sum(label in row for row in named) for label in (b"For", b"Against", b"Abstain")
        ]
    assert seen["t1"] == seen["t2"]
    # The ballots table holds the codes, with no member beside them.
    assert receipts["t2"].encode() in raw

    recorder, sender = send_all(fctx, clock)
    await sender.drain()
    texts = " ".join(text for _, text, _ in recorder.delivered)
    assert receipts["t1"] in texts and receipts["t2"] in texts  # opened just before delivery
    assert outbox.drop_idle_seal_key(fctx.db)  # nothing sealed waits: the key goes
    assert outbox.SEAL_LABEL not in flow_keys.labels(fctx.db)


async def test_a_lost_key_gives_the_content_up_and_says_the_vote_counts(fctx, clock, caplog):
    kit = Kit(fctx)
    kit.create()
    kit.tick()
    receipt = receipt_in(kit.vote("t2", "agm", "Abstain"))
    assert not outbox.drop_idle_seal_key(fctx.db)  # a sealed row waits: the key stays
    flow_keys.path_of(fctx.db).unlink()  # the keys file is lost
    recorder, sender = send_all(fctx, clock)
    with caplog.at_level(logging.WARNING, logger="storage.outbox"):
        await sender.drain()
    lost = [text for key, text, _ in recorder.delivered if key.startswith("vote:agm:b:")]
    assert lost and set(lost) == {SEALED_LOST}
    assert receipt not in " ".join(text for _, text, _ in recorder.delivered)
    assert "cannot be opened" in caplog.text and receipt not in caplog.text
    assert outbox.waiting(fctx.db, "telegram") == 0
