"""The console's meetings: the list, one meeting live (replies, attendance, quorum) refreshing
itself without JavaScript, and the tellers' check-in form by member id or letter code."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from html import unescape

import aiohttp
import pytest

from bot.app import App
from bot.config import Settings
from handlers.meetings.admin import create_meeting
from handlers.members.invites import grouped, issue
from handlers.settings import Admin, Organisation
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.helpers import START, add_members, link
from tests.web.console_harness import OFFICER, served, signed_in

RULES = """
[notice]
clear_days = 14
[quorum]
members = 2
counts = ["in-person", "online"]
[proxies]
allowed = false
"""
AGM = Meeting(
    id="agm-2027",
    title="Annual general meeting 2027",
    starts=START + timedelta(days=20),
    agenda=(AgendaItem("Adopt the new rules", resolution="special"),),
    place="Riverside Community Hall",
)


MOTION_FILE = b"""
id = "adopt"
title = "Adopt the new rules"
explanation = "That the society adopts the new rules."
method = "resolution"
resolution = "special"
"""


async def put(client, token: str, content: bytes):
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("file", content, filename="motion.toml")
    return await client.post("/meetings/agm-2027/motion", data=form)


@pytest.fixture
def app(tmp_path, clock):
    (tmp_path / "rules.toml").write_text(RULES)
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=(OFFICER,)),
        organisation=Organisation(rules=str(tmp_path / "rules.toml")),
    )
    started = App(settings, clock=clock)
    add_members(started.ctx)
    create_meeting(started.ctx, AGM, "test")
    yield started
    started.db.close()


async def test_the_meeting_page_shows_quorum_live_and_checks_members_in(app, clock):
    (letter,) = issue(app.ctx, ["t2"], "test")
    link(app.ctx, "t1")
    link(app.ctx, "t2")
    clock.now = AGM.starts - timedelta(minutes=10)
    async with served(app) as client:
        token = await signed_in(client, app)
        listing = unescape(await (await client.get("/meetings")).text())
        assert '<a href="/meetings/agm-2027">Annual general meeting 2027</a>' in listing
        page = unescape(await (await client.get("/meetings/agm-2027")).text())
        assert '<meta http-equiv="refresh" content="15;url=/meetings/agm-2027?auto=1">' in page
        assert "<strong>Not reached</strong>: 0 counted of 2 needed (in person, online)" in page
        one = await client.post("/meetings/agm-2027/checkin", data={"csrf": token, "member": "t1"})
        assert "Checked in t1 (in person)." in unescape(await one.text())
        two = await client.post(
            "/meetings/agm-2027/checkin",
            data={"csrf": token, "member": grouped(letter.token), "how": "online"},
        )
        assert "Checked in t2 (online)." in unescape(await two.text())
        again = await client.post(
            "/meetings/agm-2027/checkin", data={"csrf": token, "member": "t1"}
        )
        assert "t1 was already checked in (in person)." in unescape(await again.text())
        stranger = await client.post(
            "/meetings/agm-2027/checkin", data={"csrf": token, "member": "nobody"}
        )
        said = unescape(await stranger.text())
        assert "Not checked in: nobody is not on the roll of agm-2027" in said
        page = unescape(await (await client.get("/meetings/agm-2027")).text())
        assert "1 in person, 1 online, 0 by proxy" in page
        assert "<strong>Reached</strong>: 2 counted of 2 needed" in page
        assert "<h2>Motions put in the room</h2>\n<p>None yet.</p>" in page
        early = await put(client, token, MOTION_FILE)
        assert "Not put: agm-2027 starts " in unescape(await early.text())
        clock.now = AGM.starts
        put_ = unescape(await (await put(client, token, MOTION_FILE)).text())
        assert "Put adopt to the members present: 2 messages sent in chat (a ballot" in put_
        assert '<a href="/votes/adopt">adopt</a>: put ' in put_ and " to 2 present</li>" in put_
        again = unescape(await (await put(client, token, MOTION_FILE)).text())
        assert "Not put: id: a vote 'adopt' already exists, open" in again
        missing = await client.get("/meetings/nope")
        assert missing.status == 404
