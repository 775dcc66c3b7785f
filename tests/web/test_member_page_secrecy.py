"""Ballots cast on the member's page keep the secret ballot: nothing the page's requests
log, and nothing in the closed file (its pages and write-ahead log), links a member to
their choice; a link's token is never stored or logged.

Six members get links in one order and vote on the page in another, each with a ranking
only they chose. After the close the file is read as a thief would (tests/sqlite_pages.py).
"""

from __future__ import annotations

import itertools
import logging
import random
import re
from pathlib import Path

import pytest

from handlers.members import page_links
from handlers.votes.admin import close_vote, create_vote, open_vote
from handlers.votes.state import load
from storage import secrecy
from storage.votes import queries as vote_store
from tests.handlers.votes.test_votes import definition, options
from tests.helpers import add_members
from tests.sqlite_pages import table_cells, written_order
from tests.web.console_harness import console_app, served
from tests.web.test_member_page_http import PUBLIC, RECEIPT, page, post

VOTERS = [f"pagevoter{n}" for n in range(1, 7)]
NAMES = ("Amber", "Birch", "Cedar")
RANKINGS = list(itertools.permutations(range(3)))  # six different ballots


class Everything(logging.Handler):
    """Every record at every level, from every logger (libraries' too)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text}")


@pytest.fixture
def logged():
    """Every logger at DEBUG and enabled, whatever earlier tests set (a CLI run quiets
    aiohttp.access), for this test alone."""
    root, handler = logging.getLogger(), Everything()
    loggers = [root, logging.getLogger("aiohttp.access")] + [
        found for found in root.manager.loggerDict.values() if isinstance(found, logging.Logger)
    ]
    kept = [(found, found.level, found.disabled) for found in loggers]
    for found in loggers:
        found.setLevel(logging.DEBUG)
        found.disabled = False
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    for found, level, disabled in kept:
        found.setLevel(level)
        found.disabled = disabled


async def test_page_ballots_leave_no_trace_linking_member_and_choice(tmp_path, clock, logged):
    app = console_app(tmp_path, clock, public_url=PUBLIC)
    add_members(
        app.ctx,
        "member_id,name,email,constituency\n" + "".join(f"{m},{m},,tenant\n" for m in VOTERS),
    )
    create_vote(
        app.ctx,
        definition(id="chair", method="irv", options=options(*NAMES), constituencies=("tenant",)),
        "test",
    )
    open_vote(app.ctx, "chair", "test")
    paths = {m: page_links.page_link(app.ctx, m, "vote:chair").removeprefix(PUBLIC) for m in VOTERS}
    tokens = {m: path.rsplit("/", 1)[1] for m, path in paths.items()}
    order = VOTERS[:]
    random.Random(27).shuffle(order)  # they vote in another order than they were sent links
    assert order != VOTERS
    truth, receipts = {}, {}
    logged.lines.clear()
    async with served(app) as client:
        for member, ranking in zip(order, RANKINGS, strict=True):
            form = {f"rank-{choice}": str(place) for place, choice in enumerate(ranking, 1)}
            await post(client, paths[member], form)
            receipts[member] = RECEIPT.search(await page(client, paths[member]))[1]
            truth[member] = ranking
            clock.advance(minutes=7)
        requests_logged = list(logged.lines)
        clock.advance(days=8)
        close_vote(app.ctx, "chair", "test")
        assert load(app.ctx, "chair").sealed_at is not None  # the same sealing as chat
        after = {m: await page(client, paths[m]) for m in VOTERS}

    # The page's requests logged no token, no member and no choice, at any level; the
    # test server's access log (aiohttp's) wrote a line for each, with nothing of the path.
    said = "\n".join(requests_logged)
    assert sum(line.startswith("aiohttp.access") for line in requests_logged) >= 12
    for member in VOTERS:
        assert tokens[member] not in said and member not in said
    assert not any(name in said for name in NAMES)
    assert not any(receipt in said for receipt in receipts.values())

    # Each link still shows its own member's receipt, and only theirs.
    for member in VOTERS:
        shown = set(RECEIPT.findall(after[member]))
        assert shown == {receipts[member]}

    path = Path(app.settings.database_path)
    wal = Path(f"{path}-wal")
    raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")  # as the close left it
    secrecy.checkpoint(app.db)  # and the log's pages in the file, for reading its rows
    # No token anywhere in the file or its log; receipts only in the published ballot list.
    assert not any(token.encode() in raw for token in tokens.values())
    ballots = table_cells(app.db, path, "vote_ballots")
    for receipt in receipts.values():
        in_ballots = sum(receipt in str(cell.values) for cell in ballots)
        assert in_ballots == 1 and raw.count(receipt.encode()) == in_ballots

    # The links' rows lie in the order the links were sent, not the order they voted in;
    # each holds a sealed receipt as long as an unused link's random bytes.
    links = table_cells(app.db, path, "page_links")
    assert [cell.values[1] for cell in written_order(links)] == VOTERS
    assert {len(cell.values[-1]) for cell in links} == {page_links.SEALED}

    # Nothing the page left in the outbox names a voter beside a ballot message.
    keys = [k for (k,) in app.db.execute("select key from outbox where member_id is not null")]
    assert not [k for k in keys if k.startswith(vote_store.ballot_message_prefix("chair"))]
    assert not [k for k in keys if re.search(r"receipt", k)]
    app.db.close()
