"""Creating a meeting in the console, as `meeting create FILE`: the preview's figures (the
roll by constituency, whom the notice reaches on which channel) equal what creating it
does, and nothing is kept by a preview; the rules' refusal (too little notice), a file
with a mistake, and a form without its CSRF token refused in plain words; the meeting's
own text escaped."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import aiohttp
import pytest

from storage import audit
from storage.meetings import queries as store
from tests.helpers import START, link
from tests.web.console_harness import served, signed_in
from tests.web.meeting_console import society
from tests.web.test_console_meeting_proxies import alert

SGM = """
id = "sgm-2027"
title = "Special meeting <on the rules>"
kind = "general"
starts = {starts}
place = "Riverside Community Hall"

[[agenda]]
title = "Adopt the new rules"
resolution = "special"
"""
ROW = re.compile(r'<tr><th scope="row">([^<]+)</th><td>([\d,]+)</td></tr>')


def table(page: str, caption: str) -> dict[str, int]:
    """A two-column table of the page (by its caption) as {row: number}."""
    start = page.index(f"<caption>{caption}</caption>")
    part = page[start : page.index("</table>", start)]
    return {unescape(name): int(n.replace(",", "")) for name, n in ROW.findall(part)}


@pytest.fixture
def app(tmp_path, clock):
    started = society(tmp_path, START + timedelta(days=30), clock)
    link(started.ctx, "t1")
    link(started.ctx, "t2")
    link(started.ctx, "t3", "slack")
    yield started
    started.db.close()


async def upload(client, token: str, text: str, name: str = "sgm.toml"):
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("file", text.encode(), filename=name)
    return await client.post("/meetings/preview", data=form)


async def test_the_preview_is_what_creating_the_meeting_does(app):
    async with served(app) as client:
        token = await signed_in(client, app)
        listing = await (await client.get("/meetings")).text()
        assert 'action="/meetings/preview" enctype="multipart/form-data"' in listing

        answer = await upload(client, token, SGM.format(starts="2027-01-10T14:00:00"))
        assert answer.status == 200 and answer.url.path == "/meetings/preview"
        page = await answer.text()
        assert "Special meeting &lt;on the rules&gt;" in page and "<on the rules>" not in page
        text = unescape(page)
        assert "Sunday 10 January at 14:00" in text
        assert (
            "Notice given</dt><dd>2026-11-23: 47 clear days before the meeting (14 needed)" in text
        )
        assert "6 members will be on the roll, fixed on the notice date." in text
        by_group = table(page, "On the roll by constituency")
        reach = table(page, "The notice, by channel")
        assert by_group == {"staff": 1, "tenant": 5}
        assert reach == {"Slack": 1, "Telegram": 2, "Not connected to the bot yet": 3}
        # A preview keeps nothing: no meeting, no roll, no audit.
        assert store.get(app.db, "sgm-2027") is None
        assert not [
            e for e in audit.entries(app.db, "meeting.create") if e["subject"] == "sgm-2027"
        ]

        kept = re.search(r'name="meeting" value="([^"]*)"', page)
        assert kept
        forged = await client.post(
            "/meetings/create", data={"meeting": unescape(kept[1]), "source": "sgm.toml"}
        )
        assert forged.status == 403 and store.get(app.db, "sgm-2027") is None

        answer = await client.post(
            "/meetings/create",
            data={"csrf": token, "meeting": unescape(kept[1]), "source": "sgm.toml"},
        )
        assert answer.url.path == "/meetings/sgm-2027"
        assert (
            "Created meeting sgm-2027; its roll is fixed on the notice date. Notice queued to "
            "3 members on their channels (3 not connected to the bot yet)."
        ) in unescape(await answer.text())
        assert store.roll_sizes(app.db, "sgm-2027") == by_group
        sent = dict(
            app.db.execute(
                "select platform, count(*) from outbox where key like 'meeting:sgm-2027:%' "
                "group by platform"
            ).fetchall()
        )
        assert {"Slack": sent["slack"], "Telegram": sent["telegram"]} == {
            k: v for k, v in reach.items() if k != "Not connected to the bot yet"
        }
        [made] = [e for e in audit.entries(app.db, "meeting.create") if e["subject"] == "sgm-2027"]
        assert made["actor"] == "member:s1"

        # Created twice (the preview's form sent again): refused as the CLI does.
        again = await client.post(
            "/meetings/create",
            data={"csrf": token, "meeting": unescape(kept[1]), "source": "sgm.toml"},
        )
        assert alert(await again.text()) == (
            "Not created: sgm.toml: id: a meeting 'sgm-2027' already exists"
        )


async def test_refusals_in_plain_words(app):
    async with served(app) as client:
        token = await signed_in(client, app)
        forged = aiohttp.FormData()
        forged.add_field("file", SGM.format(starts="2027-01-10T14:00:00").encode(), filename="a")
        assert (await client.post("/meetings/preview", data=forged)).status == 403

        late = await (await upload(client, token, SGM.format(starts="2026-12-01T14:00:00"))).text()
        assert alert(late) == (
            "Not created: sgm.toml: starts: the society's rules ask for 14 clear days' notice "
            "of a general meeting; notice given on 2026-11-23 and the meeting on 2026-12-01 "
            "gives 7. Hold it on 2026-12-08 or later."
        )
        assert "Give notice and create" not in late and store.get(app.db, "sgm-2027") is None

        wrong = await upload(
            client, token, SGM.format(starts="2027-01-10T14:00:00") + "\nkind2 = 1\n"
        )
        assert wrong.url.path == "/meetings"
        assert alert(await wrong.text()) == (
            "Not created: sgm.toml: agenda[1].kind2: unknown key (expected one of title, "
            "explanation, resolution)"
        )
        none = await client.post("/meetings/preview", data={"csrf": token})
        assert alert(await none.text()) == "Not created: choose the meeting's file (TOML)."
