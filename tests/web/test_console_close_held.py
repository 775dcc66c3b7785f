"""A close started in the console waits for a reader without stopping the bot, and says
plainly when the reader held it up for longer than it waits."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from handlers.votes.state import load, new_receipt
from storage import secrecy
from storage.pulses import queries as pulses
from storage.votes import queries as votes
from tests.web.console_harness import console_app, served, signed_in
from tests.web.test_console_vote_results import upload

VOTE = (
    b"id = 'benches'\ntitle = 'Benches'\nexplanation = 'Choose.'\nmethod = 'single'\n"
    b"constituencies = ['tenant']\ncloses = '2030-01-01 12:00'\n"
    b"[[options]]\nname = 'Yes'\n[[options]]\nname = 'No'\n"
)


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


def reading(app) -> sqlite3.Connection:
    """Another program in the middle of reading the file (a backup, say)."""
    reader = sqlite3.connect(app.settings.database_path, isolation_level=None)
    reader.execute("begin")
    reader.execute("select count(*) from members").fetchone()
    return reader


async def test_a_vote_close_waits_for_a_reader_while_the_console_answers(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        await upload(client, token, VOTE)
        assert (await client.post("/votes/benches/open", data={"csrf": token})).status == 200
        votes.cast(app.db, "benches", "t1", "0", new_receipt, "test", app.clock())
        reader = reading(app)
        closing = asyncio.create_task(client.post("/votes/benches/close", data={"csrf": token}))
        await asyncio.sleep(0.3)
        assert not closing.done()
        overview = await asyncio.wait_for(client.get("/"), timeout=5)  # the loop is free
        assert overview.status == 200
        reader.execute("rollback")
        reader.close()
        html = await (await asyncio.wait_for(closing, timeout=10)).text()
    assert "Closed: " in html and "result messages queued" in html
    assert load(app.ctx, "benches").sealed_at is not None


async def test_a_vote_close_held_too_long_says_the_result_waits(app, monkeypatch) -> None:
    monkeypatch.setattr(secrecy, "PATIENCE", 0.3)
    async with served(app) as client:
        token = await signed_in(client, app)
        await upload(client, token, VOTE)
        await client.post("/votes/benches/open", data={"csrf": token})
        votes.cast(app.db, "benches", "t1", "0", new_receipt, "test", app.clock())
        reader = reading(app)
        try:
            html = await (await client.post("/votes/benches/close", data={"csrf": token})).text()
        finally:
            reader.execute("rollback")
            reader.close()
    assert "voting has stopped, but the result waits" in html
    assert "result messages queued" not in html
    assert load(app.ctx, "benches").sealed_at is None


async def test_a_round_close_held_too_long_says_it_is_not_closed_yet(app, monkeypatch) -> None:
    monkeypatch.setattr(secrecy, "PATIENCE", 0.3)
    async with served(app) as client:
        token = await signed_in(client, app)
        sent = await client.post("/pulses/tenant-pulse/send", data={"csrf": token})
        assert sent.status == 200, await sent.text()
        reader = reading(app)
        try:
            html = await (await client.post("/pulses/tenant-pulse/close", data={"csrf": token})).text()
        finally:
            reader.execute("rollback")
            reader.close()
        assert "Not closed yet: round 1 of tenant-pulse waits" in html
        assert pulses.latest_round(app.db, "tenant-pulse")["closed_at"] is None
        html = await (await client.post("/pulses/tenant-pulse/close", data={"csrf": token})).text()
    assert "Closed round 1 of tenant-pulse." in html
    assert pulses.latest_round(app.db, "tenant-pulse")["closed_at"]
