"""A meeting's proxies in the console: who holds whom against the rules' cap, the officer
appointing (with instructions) and revoking, each refusal the rules make (cap, self, a
chain, not on the roll, late) in plain words in the red box, member names shown as text,
the audit naming the officer and never the instructions, and a form without its CSRF
token refused."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from handlers.votes.admin import create_vote
from storage import audit
from tests.handlers.votes.test_votes import definition
from tests.helpers import START, add_members
from tests.web.console_harness import served, signed_in
from tests.web.meeting_console import RULES, society

ALERT = re.compile(r'<div class="alert" role="alert"><p><strong>Error:</strong> (.*?)</p>')
PAGE = "/meetings/agm-2027/proxies"


@pytest.fixture
def app(tmp_path, clock):
    started = society(tmp_path, START + timedelta(days=30), clock)
    create_vote(started.ctx, definition(id="adopt", meeting="agm-2027"), "test")
    # Joined after the notice: not on the roll. A name with markup in it is text.
    add_members(started.ctx, "member_id,name,email,constituency\nx1,Al <b>Late</b>,,tenant\n")
    yield started
    started.db.close()


def alert(page: str) -> str:
    found = ALERT.search(page)
    assert found, "no error shown"
    return unescape(found[1])


def alert_source(page: str) -> str:
    """The error box as the page's source has it (escaped)."""
    found = ALERT.search(page)
    assert found, "no error shown"
    return found[1]


async def test_the_officer_appoints_and_revokes_proxies_by_the_rules(app, clock):
    async with served(app) as client:
        token = await signed_in(client, app)

        async def post(action: str, **data: str) -> str:
            answer = await client.post(f"{PAGE}/{action}", data={"csrf": token, **data})
            assert answer.url.path == PAGE
            return await answer.text()

        meeting = await (await client.get("/meetings/agm-2027")).text()
        assert f'<a href="{PAGE}">Proxies</a>' in meeting
        page = unescape(await (await client.get(PAGE)).text())
        assert (
            "Proxies: allowed; a proxy may be another member or the chair of the meeting; " in page
        )
        assert "Proxies can be appointed and revoked until Monday 21 December at 10:00." in page
        assert "None appointed." in page
        forged = await client.post(f"{PAGE}/appoint", data={"member": "t1", "holder": "t2"})
        assert forged.status == 403
        assert "None appointed." in await (await client.get(PAGE)).text()

        assert "t1 appointed Lee Chen as their proxy." in await post(
            "appoint", member="t1", holder="t2"
        )
        said = await post("appoint", member="t3", holder="t2", instructions="\n adopt = for \n")
        assert "t3 appointed Lee Chen as their proxy; instructed: adopt For." in said
        said = await post("appoint", member="t4", holder="CHAIR")
        assert "t4 appointed the chair as their proxy." in said
        for data, reason in (
            ({"member": "t5", "holder": "t2"},
             "Not appointed: No one may hold a proxy for more than 2 members: Lee Chen holds 2."),
            ({"member": "t5", "holder": "t5"},
             "Not appointed: A member cannot be their own proxy."),
            ({"member": "t5", "holder": "t1"},
             "Not appointed: Pat Murphy has appointed a proxy of their own, so cannot hold "
             "one: a proxy cannot be passed on."),
            ({"member": "t2", "holder": "chair"},
             "Not appointed: Lee Chen holds proxies for other members, so cannot appoint a "
             "proxy: a proxy cannot be passed on."),
            ({"member": "x1", "holder": "chair"},
             "Not appointed: Al <b>Late</b> is not on the roll of this meeting, so cannot "
             "appoint a proxy."),
            ({"member": "t5", "holder": "x1"},
             "Not appointed: Al <b>Late</b> is not on the roll of this meeting, so cannot hold "
             "a proxy."),
            ({"member": "t5", "holder": ""},
             "Not appointed: give the member's id and their proxy's (a member's id, or chair)."),
            ({"member": "t5", "holder": "chair", "instructions": "adopt For"},
             "Not appointed: 'adopt For': give each instruction on its own line as "
             "VOTE-ID=CHOICE, e.g. adopt-rules=For"),
            ({"member": "t5", "holder": "chair", "instructions": "budget=For"},
             "Not appointed: There is no vote called budget at this meeting."),
            ({"member": "t5", "holder": "chair", "instructions": "adopt=Maybe"},
             "Not appointed: adopt: Maybe is not on the ballot; choose one of For, Against "
             "and Abstain."),
        ):  # fmt: skip
            assert alert(await post("appoint", **data)) == reason
        assert alert(await post("revoke", member="")) == "Not revoked: give the member's id."
        assert alert(await post("revoke", member="t5")) == (
            "Not revoked: Ann Other has no proxy for this meeting."
        )

        page = await (await client.get(PAGE)).text()
        assert "<caption>3 proxies appointed</caption>" in page
        assert "Lee Chen</span> (t2)</th>\n<td>2 of 2 <strong>(full)</strong></td>" in page
        assert '<th scope="row">The chair</th>\n<td>1 of 2</td>' in page
        assert "Against" not in page and "instructed" not in page  # for the proxy alone
        assert "Al &lt;b&gt;Late&lt;/b&gt;" in alert_source(
            await post("appoint", member="x1", holder="chair")
        )

        assert "t1&#39;s proxy is revoked." in await post("revoke", member="t1")
        assert "<td>1 of 2</td>" in await (await client.get(PAGE)).text()
        entries = [
            (e["action"], e["actor"], e["detail"])
            for e in audit.entries(app.db)
            if e["action"].startswith("meeting.proxy")
        ]
        assert entries == [
            ("meeting.proxy", "member:s1", '{"holder": "t2", "instructed": false, "member": "t1"}'),
            ("meeting.proxy", "member:s1", '{"holder": "t2", "instructed": true, "member": "t3"}'),
            (
                "meeting.proxy",
                "member:s1",
                '{"holder": "chair", "instructed": false, "member": "t4"}',
            ),
            ("meeting.proxy.revoke", "member:s1", '{"member": "t1"}'),
        ]

        # Past the rules' deadline (48 hours before the meeting) nothing changes.
        clock.advance(days=29)
        token = await signed_in(client, app)  # the session ended meanwhile
        assert alert(await post("appoint", member="t5", holder="chair")) == (
            "Not appointed: Too late: proxies had to be appointed by Monday 21 December at 10:00."
        )
        assert alert(await post("revoke", member="t3")) == (
            "Not revoked: Too late: proxies could be revoked until Monday 21 December at 10:00."
        )
        page = unescape(await (await client.get(PAGE)).text())
        assert "<strong>Closed:</strong> proxies could be appointed and revoked until" in page
        assert "Appoint a proxy" not in page and "Revoke" not in page
        assert (await client.get("/meetings/nope/proxies")).status == 404


@pytest.mark.parametrize(
    ("proxies", "said", "label"),
    (
        ("allowed = false", "Proxies: not allowed.", None),
        (
            'allowed = true\nholders = ["chair"]\ninstructions = false',
            "a proxy may be the chair of the meeting;",
            "Their proxy: “chair” (the rules allow only the chair)",
        ),
    ),
)
async def test_the_page_offers_only_what_the_rules_allow(tmp_path, clock, proxies, said, label):
    rules = RULES.replace(RULES[RULES.index("[proxies]") : RULES.index("[nominations]")], "")
    app = society(tmp_path, START + timedelta(days=30), clock, f"{rules}[proxies]\n{proxies}\n")
    try:
        async with served(app) as client:
            await signed_in(client, app)
            page = unescape(await (await client.get(PAGE)).text())
        assert said in page
        assert ("Appoint a proxy" in page) == bool(label)
        assert (f'<label for="proxy-holder">{label}</label>' in page) == bool(label)
        assert "Instructions (optional)" not in page
    finally:
        app.db.close()
