"""Before a broadcast is sent from the console, the officer sees what it takes on
WhatsApp: how many members need a template, by when the daily limit lets them all be
reached, and what the templates cost."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import WhatsAppSettings
from storage import members
from tests.web.console_harness import console_app, served, signed_in
from tests.web.test_console_vote_results import upload

VOTE = (
    b"id = 'benches'\ntitle = 'Benches'\nexplanation = 'Choose.'\nmethod = 'single'\n"
    b"constituencies = ['tenant']\nopens = '2029-12-01 09:00'\ncloses = '2030-01-01 12:00'\n"
    b"[[options]]\nname = 'Yes'\n[[options]]\nname = 'No'\n"
)
WHATSAPP = WhatsAppSettings(
    enabled=True,
    phone_number_id="106540352242922",
    business_number="+447700900123",
    daily_limit=1,
    price_per_template=0.03,
)


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


def on_whatsapp(app, member_ids: list[str]) -> None:
    app.settings = dataclasses.replace(app.settings, whatsapp=WHATSAPP)
    for n, member_id in enumerate(member_ids):
        phone = f"44770090020{n}"
        members.link_identity(app.db, "whatsapp", phone, phone, member_id, app.clock())


async def test_the_send_and_open_buttons_say_what_whatsapp_will_take(app) -> None:
    on_whatsapp(app, ["t1", "t2"])
    async with served(app) as client:
        token = await signed_in(client, app)
        pulses = await (await client.get("/pulses")).text()
        await upload(client, token, VOTE)
        vote = await (await client.get("/votes/benches")).text()
    for page in (pulses, vote):
        assert "Before you send, on WhatsApp: 2 members on WhatsApp, 2 outside their" in page
        assert "at your limit of 1 a day" in page and "about 0.06 GBP" in page


async def test_without_whatsapp_members_nothing_is_said(app) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        pulses = await (await client.get("/pulses")).text()
    assert "on WhatsApp" not in pulses
