"""The console holds votes to the society's rules as the command line does: a resolution's
result says its share and the threshold, and an opening with too little notice is refused."""

from __future__ import annotations

import dataclasses
from html import unescape

import pytest

from bot.app import App
from bot.config import Settings
from handlers.settings import Admin, Organisation
from handlers.votes.state import load, new_receipt
from storage.votes import queries as votes
from tests.helpers import ROOT, add_members
from tests.web.console_harness import OFFICER, csrf_in, served, signed_in
from tests.web.test_console_vote_results import upload

RESOLUTION = """
id = "{id}"
title = "Adopt the new rules"
explanation = "That the society adopts the new rules."
method = "resolution"
resolution = "{kind}"
closes = 2030-01-01T12:00:00
"""


@pytest.fixture
def app(tmp_path, clock):
    example = (ROOT / "examples" / "rules.toml").read_text()
    (tmp_path / "rules.toml").write_text(example.replace("minimum_membership_days = 28", ""))
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=(OFFICER,)),
        organisation=Organisation(rules=str(tmp_path / "rules.toml")),
    )
    started = App(settings, clock=clock)
    add_members(started.ctx)
    yield started
    started.db.close()


async def test_the_console_shows_a_resolution_by_the_rules_and_refuses_short_notice(app):
    async with served(app) as client:
        token = await signed_in(client, app)
        made = await upload(client, token, RESOLUTION.format(id="rules", kind="special").encode())
        assert "Created vote rules" in await made.text()
        early = await client.post("/votes/rules/open", data={"csrf": token})
        assert "a special resolution needs 14 clear days&#39; notice" in await early.text()

        made = await upload(client, token, RESOLUTION.format(id="fund", kind="ordinary").encode())
        assert "Created vote fund" in await made.text()
        opened = await client.post("/votes/fund/open", data={"csrf": token})
        assert opened.status == 200, await opened.text()
        for member_id, choice in (("t1", "for"), ("t2", "for"), ("s1", "against")):
            votes.cast(app.db, "fund", member_id, choice, new_receipt, "test", app.clock())
        await client.post("/votes/fund/close", data={"csrf": token})
        page = unescape(await (await client.get("/votes/fund")).text())
    assert (
        '<p class="figure">Ordinary resolution: 66.6% of votes cast were For; more than 50% '
        "were needed. Passed.</p>" in page
    )


async def test_the_form_makes_a_resolution_by_the_rules_and_names_a_mistake_at_its_field(app):
    form = {
        "id": "rules",
        "title": "Adopt the new rules",
        "explanation": "That the society adopts the new rules.",
        "method": "resolution",
        "resolution": "special",
        "closes": "2027-01-01T17:00",
        "opens": "2026-11-25T09:00",
        "constituencies": "tenant",
    }
    async with served(app) as client:
        token = await signed_in(client, app)
        page = await (await client.get("/votes/new")).text()
        assert '<select id="resolution" name="resolution"' in page
        refused = await client.post("/votes/new", data={**form, "csrf": csrf_in(page)})
        html = unescape(await refused.text())
        assert refused.status == 400
        assert "a special resolution needs 14 clear days' notice" in html
        made = await client.post(
            "/votes/new", data={**form, "opens": "2026-12-09T09:00", "csrf": token}
        )
        assert made.status == 200, await made.text()
    created = load(app.ctx, "rules")
    assert created.definition.resolution == "special" and created.definition.rules
