"""A meeting's notice by e-mail, through the real adapter and aiosmtplib against FakeSMTP:
no buttons, so it lists the answers and links to the member's own page (a real link),
where the reply is recorded as the buttons record it, in the member's language."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from handlers.meetings import attendance
from handlers.meetings.admin import create_meeting
from handlers.meetings.notice import notices
from handlers.members import page_links
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.e2e.email.harness import PUBLIC, Running
from tests.handlers.meetings.test_proxies import PROXIES, RULES
from tests.helpers import START
from tests.web.console_harness import served
from tests.web.test_member_page_http import page, post

REAL_PAGE_LINK = page_links.page_link  # the conftest puts a stand-in in its place
AGM = Meeting(
    id="agm-2027",
    title="Annual general meeting 2027",
    starts=START + timedelta(days=30),
    agenda=(AgendaItem("Minutes"),),
    place="Riverside Community Hall",
    online="https://meet.example.org/agm",
)
LINK = re.compile(re.escape(PUBLIC) + r"/m/[A-Za-z0-9_-]{32}")


@pytest.fixture(autouse=True)
def real_links(member_page, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_links, "page_link", REAL_PAGE_LINK)


async def test_the_notice_links_to_the_page_where_the_reply_is_recorded(bot: Running) -> None:
    ctx = bot.app.ctx
    create_meeting(ctx, AGM, "test", rules=RULES.format(proxies=PROXIES))
    bot.post(*notices(ctx, AGM.id))
    await bot.sent()

    (english,) = bot.to("e1")
    plain, html = english.part("plain"), english.part("html")
    assert english.message["Subject"] == "Notice of a general meeting: Annual general meeting 2027"
    for part in (plain, html):
        assert "Where: Riverside Community Hall" in unescape(part)
        assert "Answer on your page" in part
        assert "join online" in part and "come in person" in part
    link = LINK.search(plain)
    assert link is not None and f'href="{link.group(0)}"' in html
    (welsh,) = bot.to("e3")
    assert welsh.message["Content-Language"] == "cy"
    welsh_link = LINK.search(welsh.part("plain"))
    assert welsh_link is not None and welsh_link.group(0) != link.group(0)

    async with served(bot.app) as client:
        path = link.group(0).removeprefix(PUBLIC)
        await post(client, path, {"action": "rsvp", "rsvp": "online"})
        shown = unescape(await page(client, path))
        assert "Your reply: you'll join online." in shown
        welsh_path = welsh_link.group(0).removeprefix(PUBLIC)
        assert "Fyddwch chi'n dod?" in unescape(await page(client, welsh_path))
        await post(client, welsh_path, {"action": "rsvp", "rsvp": "in-person"})
    assert attendance.summary(ctx, AGM.id)["rsvp"] == {"in-person": 1, "online": 1, "no": 0}
