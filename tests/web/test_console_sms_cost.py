"""Before a broadcast is sent from the console, the officer sees what it costs by SMS:
members reachable by text, segments per invitation and the estimated cost."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import SmsSettings
from storage import members
from tests.web.console_harness import console_app, served, signed_in
from tests.web.test_console_vote_results import upload
from tests.web.test_console_whatsapp_cost import VOTE

SMS = SmsSettings(
    enabled=True,
    account_sid="AC" + "0123456789abcdef" * 2,
    from_number="+447700900999",
    price_per_segment=0.05,
    currency="GBP",
)


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


async def test_the_send_and_open_buttons_say_what_texts_will_cost(app) -> None:
    app.settings = dataclasses.replace(app.settings, sms=SMS)
    for n, member_id in enumerate(["t1", "t2", "s1"]):
        phone = f"+44770090030{n}"
        members.link_identity(app.db, "sms", phone, phone, member_id, app.clock())
    members.mark_unreachable(app.db, "sms", "+447700900302", "texted STOP", app.clock())
    async with served(app) as client:
        token = await signed_in(client, app)
        pulses = await (await client.get("/pulses")).text()
        await upload(client, token, VOTE)
        vote = await (await client.get("/votes/benches")).text()
    for page in (pulses, vote):
        assert "Before you send, by SMS: 2 members by SMS, 2 invitations: 2 segments" in page
        assert "about 0.10 GBP at 0.05 a segment." in page


async def test_without_sms_nothing_is_said(app) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        pulses = await (await client.get("/pulses")).text()
    assert "by SMS" not in pulses
