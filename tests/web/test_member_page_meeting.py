"""A member's reply to a meeting's notice on their page (`/m/<token>` of a "meeting:<id>"
link): the meeting as text, the answers that apply, the reply recorded as the notice's
buttons record it (and counted by `meeting show --json`), refusals in the member's
language, and the link still good after the reply."""

from __future__ import annotations

from dataclasses import replace
from html import unescape

import pytest

from handlers.i18n import translator
from handlers.meetings import attendance
from handlers.meetings.admin import create_meeting
from handlers.meetings.notice import reply_to_notice, stored
from handlers.members import page_links
from storage.meetings import queries as store
from tests.handlers.meetings.test_proxies import AGM
from tests.web.console_harness import served
from tests.web.test_member_page_http import PUBLIC, page, post
from tests.web.test_member_page_proxy import FLOW, path_for, society_app

# A meeting with markup in its words and an online link: all of it shown as text.
HYBRID = replace(
    AGM,
    id="hybrid",
    title="Special <b>meeting</b>",
    place="Hall <script>alert(1)</script>",
    online="https://meet.example/agm?x=<i>",
)


@pytest.fixture
def app(tmp_path, clock):
    made = society_app(tmp_path, clock)
    create_meeting(made.ctx, HYBRID, "test")
    yield made
    made.db.close()


def rsvps(app, meeting_id: str = AGM.id) -> dict[str, int]:
    """The replies as `meeting show --json` gives them."""
    return attendance.summary(app.ctx, meeting_id)["rsvp"]


async def test_a_reply_is_recorded_shown_and_changed_and_the_link_stays_good(app):
    path = path_for(app, "t1")
    async with served(app) as client:
        html = unescape(await page(client, path))
        assert "<h1>Annual general meeting 2027</h1>" in html
        assert "Where: Riverside Community Hall" in html and "1. Minutes" in html
        assert "You haven't replied yet." in html
        # Only the answers that apply: a place but no online link.
        assert 'value="in-person"' in html and 'value="no"' in html
        assert 'value="online"' not in html and "I'll join online" not in html
        await post(client, path, {"action": "rsvp", "rsvp": "in-person"})
        done = unescape(await page(client, path + "?sent=rsvp"))
        assert (
            "Thank you: we've noted you'll come in person to Annual general meeting 2027. "
            "You can change your answer until the meeting starts."
        ) in done
        assert "Your reply: you'll come in person." in done
        assert 'value="in-person" checked' in done
        assert rsvps(app) == {"in-person": 1, "online": 0, "no": 0}
        await post(client, path, {"action": "rsvp", "rsvp": "no"})
        again = unescape(await page(client, path))  # the same link, after two replies
    assert "Your reply: you can't come." in again
    assert rsvps(app) == {"in-person": 0, "online": 0, "no": 1}
    assert store.answer_of(app.db, AGM.id, "t1")["rsvp"] == "no"


async def test_the_meetings_words_are_text_and_online_is_offered_with_a_link(app):
    url = page_links.page_link(app.ctx, "t2", f"meeting:{HYBRID.id}")
    assert url is not None
    path = url.removeprefix(PUBLIC)
    async with served(app) as client:
        raw = await page(client, path)
        assert "<script>" not in raw and "<b>meeting" not in raw and "<i>" not in raw
        assert "&lt;script&gt;" in raw and "&lt;b&gt;meeting&lt;/b&gt;" in raw
        assert 'value="online"' in raw and "Online: https://meet.example/agm?x=&lt;i&gt;" in raw
        await post(client, path, {"action": "rsvp", "rsvp": "online"})
    assert rsvps(app, HYBRID.id)["online"] == 1


async def test_refusals_in_plain_words_at_the_field(app, clock):
    path = path_for(app, "t1")
    async with served(app) as client:
        for form in ({"rsvp": "online"}, {"rsvp": ""}, {}):
            html = unescape(await post(client, path, {"action": "rsvp", **form}, status=400))
            assert 'role="alert"' in html and '<a href="#rsvp">' in html
            assert "Please choose one of the answers offered." in html
        clock.now = AGM.starts
        late = unescape(await post(client, path, {"action": "rsvp", "rsvp": "no"}, status=400))
        assert "Annual general meeting 2027 has started, so replies are closed." in late, late
        # Once it has started the page offers no reply, and still shows the meeting.
        after = unescape(await page(client, path))
        assert 'name="rsvp"' not in after and "Where: Riverside Community Hall" in after
    assert rsvps(app) == {"in-person": 0, "online": 0, "no": 0}
    assert page_links.page_link(app.ctx, "t2", FLOW) is None  # no new link once started


async def test_a_member_not_on_the_roll_is_refused_and_gets_no_link(app):
    found = stored(app.ctx, AGM.id)
    assert found is not None
    recorded, said = reply_to_notice(app.ctx, found, "x1", "no", translator("en"))
    assert not recorded and "You're not on the roll of members for" in said
    assert page_links.page_link(app.ctx, "x1", FLOW) is None
    assert rsvps(app)["no"] == 0


async def test_a_welsh_member_replies_and_is_refused_in_welsh(app, clock):
    path = path_for(app, "t9")
    async with served(app) as client:
        html = unescape(await page(client, path))
        assert '<html lang="cy">' in html and "Fyddwch chi'n dod?" in html
        assert "Dydych chi ddim wedi ateb eto." in html and "Anfon fy ateb" in html
        refused = unescape(await post(client, path, {"action": "rsvp"}, status=400))
        assert "Dewiswch un o'r atebion sydd ar gynnig" in refused
        await post(client, path, {"action": "rsvp", "rsvp": "no"})
        done = unescape(await page(client, path + "?sent=rsvp"))
    assert "Eich ateb: allwch chi ddim dod." in done
    assert rsvps(app)["no"] == 1


async def test_a_reply_needs_the_forms_token(app):
    path = path_for(app, "t1")
    async with served(app) as client:
        forged = await client.post(
            path, data={"action": "rsvp", "rsvp": "no"}, allow_redirects=False
        )
    assert forged.status == 403
    assert rsvps(app)["no"] == 0
