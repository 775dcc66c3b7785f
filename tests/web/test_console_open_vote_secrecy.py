"""The console's ladder page and a member's page and export do not change as members vote
in an open vote or answer an open check-in: who took part shows only after the close."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.app import App
from bot.config import Settings
from handlers.settings import Admin
from storage.pulses import queries as pulse_store
from tests.handlers.tiers.test_tier_activity import answer_pulse, close_vote, vote
from tests.helpers import add_members
from tests.web.console_harness import OFFICER, served, signed_in

TENANTS = [f"t{n:02}" for n in range(1, 9)]
ROSTER = "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n" + "".join(
    f"{m},Tenant {m},,tenant\n" for m in TENANTS
)
CSRF = re.compile(r'name="csrf" value="[^"]*"')


@pytest.fixture
def app(tmp_path, clock):
    settings = dataclasses.replace(Settings(), folder=tmp_path, admin=Admin(officers=(OFFICER,)))
    started = App(settings, clock=clock)
    add_members(started.ctx, ROSTER)
    yield started
    started.db.close()


async def looks(client) -> list[str]:
    """What an officer sees: the ladder page, t01's page and t01's export."""
    pages = []
    for path in ("/ladder", "/members/t01", "/members/t01/export"):
        response = await client.get(path)
        assert response.status == 200, path
        pages.append(CSRF.sub("", await response.text()))
    return pages


async def test_voting_in_an_open_vote_changes_no_officer_page_until_sealed(app, clock) -> None:
    ctx = app.ctx
    async with served(app) as client:
        await signed_in(client, app)
        before = await looks(client)
        vote_id = vote(ctx, "t01", close=False)
        for member_id in TENANTS[1:6]:
            vote(ctx, member_id, vote_id, close=False)
        assert await looks(client) == before
        close_vote(ctx, vote_id)
        ladder, _page, export = await looks(client)
    assert ladder != before[0] and vote_id in export


async def test_answering_an_open_check_in_changes_no_officer_page_until_closed(app, clock) -> None:
    ctx = app.ctx
    async with served(app) as client:
        await signed_in(client, app)
        before = await looks(client)
        round_id = answer_pulse(ctx, "t01", close=False)
        for member_id in TENANTS[1:6]:
            pulse_store.set_progress(
                ctx.db, round_id, member_id, step=1, finished=True, answered_at=ctx.now()
            )
        assert await looks(client) == before
        assert pulse_store.close_round(ctx.db, round_id, ctx.now())
        ladder, _page, export = await looks(client)
    assert ladder != before[0] and '"round_id": 1' in export
