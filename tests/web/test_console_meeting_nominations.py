"""A meeting's nominations in the console: the period opened and closed, the statements
shown as text, each nomination confirmed or rejected, the seat's election created, every
refusal in the red box in plain words, and a form without its CSRF token refused."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from storage import audit, outbox
from tests.helpers import START, link
from tests.web.console_harness import served, signed_in
from tests.web.meeting_console import nominate, society

ALERT = re.compile(r'<div class="alert" role="alert"><p><strong>Error:</strong> (.*?)</p>')
MARKUP = '<script>alert("x")</script> & fix the lifts'


@pytest.fixture
def app(tmp_path, clock):
    started = society(tmp_path, START + timedelta(days=30), clock)
    for member in ("t1", "t2", "t3", "t4"):
        link(started.ctx, member)
    yield started
    started.db.close()


def alert(page: str) -> str:
    """The text of the page's error box (the red one, role=alert)."""
    found = ALERT.search(page)
    assert found, "no error shown"
    return unescape(found[1])


async def test_nominations_from_the_period_to_the_election(app, clock):
    async with served(app) as client:
        token = await signed_in(client, app)
        meeting = await (await client.get("/meetings/agm-2027")).text()
        assert '<a href="/meetings/agm-2027/nominations">Nominations</a>' in meeting
        page = unescape(await (await client.get("/meetings/agm-2027/nominations")).text())
        assert "Not opened yet: the society's rules keep nominations open 7 days." in page
        assert "Opened now, they close 30 Nov 2026 10:00." in page
        forged = await client.post("/meetings/agm-2027/nominations/open", data={"csrf": "0" * 64})
        assert forged.status == 403
        assert "Not opened yet" in await (await client.get("/meetings/agm-2027/nominations")).text()

        opening = await client.post("/meetings/agm-2027/nominations/open", data={"csrf": token})
        opened = unescape(await opening.text())
        assert (
            "Nominations are open until Monday 30 November at 10:00; the notice is queued to "
            "4 members who may stand." in opened
        )
        assert "<strong>Open</strong> since" in opened
        again = await client.post("/meetings/agm-2027/nominations/open", data={"csrf": token})
        assert (
            alert(await again.text()) == "Not opened: nominations for agm-2027 were opened already."
        )
        early = await client.post(
            "/meetings/agm-2027/nominations/decide",
            data={"csrf": token, "member": "t1", "seat": "board", "decision": "confirm"},
        )
        assert alert(await early.text()) == (
            "Not confirmed: nominations for agm-2027 are not closed, until Monday 30 November "
            "at 10:00: confirm candidates once they close."
        )

        nominate(app, "t1", "Twenty years a tenant; I will listen.", seconder="t3")
        nominate(app, "t2", MARKUP, seconder="t4")
        nominate(app, "t5", "More green space.", seconder="t1")
        nominate(app, "t4", "Unfinished.", seconder=None)  # lapses at the close
        closed = await client.post("/meetings/agm-2027/nominations/close", data={"csrf": token})
        page = await closed.text()
        assert "Nominations are closed. Confirm or reject each nomination below." in unescape(page)
        # The statement is text: escaped, never the page's markup.
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; fix the lifts" in page
        assert "<script>alert" not in page
        assert "Ruth Adeyemi</span>: seconded" in unescape(page)
        assert "not finished when nominations closed" in page

        for data, said in (
            ({"member": "t2", "seat": "board", "decision": "reject"},
             "Not rejected: give the reason for rejecting a nomination; the member is told it."),
            ({"member": "t2", "seat": "board"},
             "Not decided: choose a nomination and Confirm or Reject."),
            ({"member": "t4", "seat": "board", "decision": "confirm"},
             "Not confirmed: t4 has no nomination to decide for agm-2027 (board)."),
            ({"member": "t1", "seat": "council", "decision": "confirm"},
             "Not confirmed: t1 has no nomination to decide for agm-2027 (council)."),
        ):  # fmt: skip
            answer = await client.post(
                "/meetings/agm-2027/nominations/decide", data={"csrf": token, **data}
            )
            assert alert(await answer.text()) == said
        waiting = await client.post(
            "/meetings/agm-2027/nominations/election",
            data={"csrf": token, "seat": "board", "closes": "2026-12-20T17:00"},
        )
        assert alert(await waiting.text()) == (
            "Election not created: confirm or reject every nomination for board first; "
            "waiting: t5, t2, t1."
        )

        rejected = await client.post(
            "/meetings/agm-2027/nominations/decide",
            data={"csrf": token, "member": "t5", "seat": "board", "decision": "reject",
                  "reason": "Papers <late>"},
        )  # fmt: skip
        page = await rejected.text()
        assert "Rejected t5; they are told." in page
        assert 'rejected: <span class="member-text">Papers &lt;late&gt;</span>' in page
        for member in ("t1", "t2"):
            confirmed = await client.post(
                "/meetings/agm-2027/nominations/decide",
                data={"csrf": token, "member": member, "seat": "board", "decision": "confirm"},
            )
            assert f"Confirmed {member}; they are told." in await confirmed.text()
        told = [r for r in outbox.rows_for(app.db, "telegram") if r["chat_id"] == "u-t1"]
        assert any("You are a candidate" in r["payload"]["text"] for r in told)
        audited = [(e["action"], e["actor"]) for e in audit.entries(app.db)]
        assert [a for a in audited if a[0].startswith("meeting.nomination")] == [
            ("meeting.nominations.open", "member:s1"),
            ("meeting.nominations.close", "member:s1"),
            ("meeting.nomination.reject", "member:s1"),
            ("meeting.nomination.confirm", "member:s1"),
            ("meeting.nomination.confirm", "member:s1"),
        ]

        for data, said in (
            ({"seat": "board", "closes": "soon"},
             "Election not created: closes: 'soon' is not a date and time like 2027-03-18T17:00."),
            ({"seat": "board", "closes": ""},
             "Election not created: give the date and time voting closes."),
            ({"seat": "council", "closes": "2026-12-20T17:00"},
             "Election not created: agm-2027 has no seat 'council' (its seats: board)."),
        ):  # fmt: skip
            answer = await client.post(
                "/meetings/agm-2027/nominations/election", data={"csrf": token, **data}
            )
            assert alert(await answer.text()) == said
        created = await client.post(
            "/meetings/agm-2027/nominations/election",
            data={"csrf": token, "seat": "board", "closes": "2026-12-20T17:00"},
        )
        assert created.url.path == "/votes/agm-2027-board"
        said = unescape(await created.text())
        assert (
            "Created agm-2027-board: 2 candidates for 1 place; open it below when voting "
            "should start, and it closes Sunday 20 December at 17:00." in said
        )
        page = await (await client.get("/meetings/agm-2027/nominations")).text()
        assert 'Election: <a href="/votes/agm-2027-board">agm-2027-board</a> (scheduled).' in page
        assert "Create the election" not in page and 'value="confirm"' not in page
        assert (await client.get("/meetings/nope/nominations")).status == 404
