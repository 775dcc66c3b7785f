"""The Members and "Who has joined" pages a page at a time, filtered, and the bulk action bar."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import timedelta

import pytest

from bot.app import App
from bot.config import Settings
from bot.web import members as members_page
from handlers.digests import chart as charts
from handlers.members import data as member_data
from handlers.members import invites
from handlers.members.listing import PAGE
from handlers.settings import Admin
from storage import audit, member_pages
from storage.digests import queries as digests
from storage.member_pages import Filter
from tests.helpers import add_members, link
from tests.web.console_harness import OFFICER, served, signed_in

# s1 (the officer), then 60 tenants and 70 staff: 131 members, three pages of 50.
ROSTER = (
    "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n"
    + "".join(f"t{n:03},Tenant {n:03},,tenant\n" for n in range(1, 61))
    + "".join(f"w{n:03},Worker {n:03},w{n}@example.org,staff\n" for n in range(1, 71))
)
ROW = re.compile(r'<td><a href="/members/([\w.-]+)">')


@pytest.fixture
def app(tmp_path, clock):
    settings = dataclasses.replace(Settings(), folder=tmp_path, admin=Admin(officers=(OFFICER,)))
    started = App(settings, clock=clock)
    add_members(started.ctx, ROSTER)
    for n in range(1, 61, 3):  # every third tenant has joined: t001, t004, ... t058
        link(started.ctx, f"t{n:03}")
    yield started
    started.db.close()


def listed(html: str) -> list[str]:
    return ROW.findall(html)


def caption(html: str) -> str:
    """The member table's caption (the joining page's figures table comes first)."""
    return re.findall(r"<caption>(.*?)</caption>", html, re.S)[-1]


def live_tokens(app: App) -> dict[str, str]:
    rows = app.db.execute(
        "select member_id, token_hash from invites where used_at is null and revoked_at is null"
    ).fetchall()
    return dict(rows)


async def test_members_come_a_page_at_a_time_with_links_that_keep_the_filter(app) -> None:
    everyone = sorted(
        ["s1", *(f"t{n:03}" for n in range(1, 61)), *(f"w{n:03}" for n in range(1, 71))]
    )
    async with served(app) as client:
        await signed_in(client, app)
        first = await (await client.get("/members")).text()
        assert listed(first) == everyone[:PAGE]
        assert caption(first) == "Showing 1–50 of 131 members"
        assert "Page 1 of 3" in first and 'href="/members?page=2" rel="next"' in first
        second = await (await client.get("/members?page=2")).text()
        assert listed(second) == everyone[PAGE : 2 * PAGE]
        assert caption(second) == "Showing 51–100 of 131 members"
        assert 'href="/members" rel="prev"' in second
        last = await (await client.get("/members?page=3")).text()
        assert listed(last) == everyone[2 * PAGE :]
        assert caption(last) == "Showing 101–131 of 131 members"
        assert 'rel="next"' not in last
        past = await (await client.get("/members?page=99")).text()  # the last page instead
        assert listed(past) == everyone[2 * PAGE :]
        for bad in ("page=-1", "page=x", "page=99999999999999"):
            assert listed(await (await client.get(f"/members?{bad}")).text()) == everyone[:PAGE]
        staff = await (await client.get("/members?constituency=staff&page=2")).text()
        assert listed(staff) == [f"w{n:03}" for n in range(50, 71)]
        assert caption(staff) == "Showing 51–71 of 71 members in staff"
        assert 'href="/members?constituency=staff" rel="prev"' in staff


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=tenant+00", [f"t00{n}" for n in range(1, 10)]),  # inside the name, any case
        ("q=W07", ["w070"]),  # the id
        ("q=w7%40example", ["w007"]),  # the email: w007's "w7@example.org", not "w70@"
        ("q=100%25", []),  # % and _ are letters, not wildcards
        ("q=t_0", []),
        ("joined=yes&constituency=tenant", [f"t{n:03}" for n in range(1, 61, 3)]),
        ("joined=no&q=tenant+00", ["t002", "t003", "t005", "t006", "t008", "t009"]),
        ("joined=yes&constituency=staff", []),
        ("constituency=board", []),
    ],
)
async def test_filters_by_name_id_email_constituency_and_joined(app, query, expected) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        for path in ("/members", "/members/joining"):
            html = await (await client.get(f"{path}?{query}")).text()
            assert listed(html) == expected, (path, query)


async def test_the_joining_page_shows_each_members_status_a_page_at_a_time(app, clock) -> None:
    invites.issue(app.ctx, ["t002"], actor="test")
    invites.issue(app.ctx, ["t003"], actor="test")
    invites.issue(app.ctx, ["t004"], actor="test")  # connected already: joined, and invited
    clock.advance(days=15)  # both expire unused; t002 gets a fresh one
    invites.issue(app.ctx, ["t002"], actor="test")
    async with served(app) as client:
        await signed_in(client, app)
        html = await (await client.get("/members/joining?constituency=tenant")).text()
        later = await (await client.get("/members/joining?constituency=tenant&page=2")).text()
    assert caption(html).startswith("Showing 1–50 of 60 members in tenant")
    # Paging and filtering bring the list into view, not the figures at the top again.
    assert 'href="/members/joining?constituency=tenant&amp;page=2#each" rel="next"' in html
    assert '<form method="get" action="/members/joining#each"' in html
    assert listed(later) == [f"t{n:03}" for n in range(51, 61)]
    for member_id, status in (
        ("t001", "joined"),
        ("t002", "waiting"),
        ("t003", "expired unused"),
        ("t005", "never invited"),
    ):
        row = html.split(f'href="/members/{member_id}">', 1)[1].split("</tr>", 1)[0]
        assert f"<td>{status}</td>" in row
    # members, invited, joined, waiting, expired unused, never invited: for every member,
    # not only those on the page
    assert (
        '<th scope="row">tenant</th><td>60</td><td>3</td><td>20</td><td>1</td><td>1</td><td>38</td>'
    ) in html
    assert (
        '<th scope="row">staff</th><td>71</td><td>0</td><td>0</td><td>0</td><td>0</td><td>71</td>'
    ) in html


def test_the_page_queries_read_through_indexes_without_sorting(app) -> None:
    def plan(chosen: Filter) -> tuple[str, str]:
        """The plan of the query choosing the page's members, and of the whole page."""
        sql, params = member_pages.page_sql(chosen, PAGE, PAGE)
        rows = app.db.execute(f"explain query plan {sql}", params).fetchall()
        [page] = [row[0] for row in rows if row[3] == "CO-ROUTINE p"]
        choosing = "\n".join(row[3] for row in rows if row[1] == page)
        return choosing, "\n".join(row[3] for row in rows)

    for chosen in (Filter(), Filter(joined="no"), Filter(constituency="tenant", joined="yes")):
        choosing, whole = plan(chosen)
        # Members in id order through an index, stopping after the page: never all of
        # them sorted for one page.
        assert "TEMP B-TREE" not in choosing, choosing
        assert re.search(r"(SCAN|SEARCH) m USING (COVERING )?INDEX", choosing), choosing
        assert "SCAN identities" not in whole and "SCAN invites" not in whole, whole
        assert "SCAN w" not in whole, whole
    assert "members_constituency_member_id" in plan(Filter(constituency="tenant"))[0]
    assert "invites_member_id_created_at" in plan(Filter())[1]


async def test_the_bar_invites_the_members_ticked_with_the_csrf_token_only(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        page = await (await client.get("/members?constituency=tenant")).text()
        boxes = re.findall(r'<input type="checkbox" name="member" value="([\w.-]+)"', page)
        assert boxes == [f"t{n:03}" for n in range(1, 51) if n % 3 != 1]  # joined: no box
        for refused in ({}, {"csrf": "0" * 64}):
            answer = await client.post("/members/invite", data={**refused, "member": "t002"})
            assert answer.status == 403
        assert live_tokens(app) == {}
        data = [("csrf", token), ("scope", "ticked"), ("member", "t002"), ("member", "t003")]
        answer = await client.post("/members/invite", data=data)
        assert answer.status == 200 and "2 one-time invites" in await answer.text()
    assert sorted(live_tokens(app)) == ["t002", "t003"]


async def test_all_matching_asks_with_the_count_then_invites_only_the_unconnected(
    app, monkeypatch
) -> None:
    monkeypatch.setattr(members_page, "INVITE_PART", 7)  # several parts, each its own transaction
    invites.issue(app.ctx, ["t002"], actor="test")
    held = live_tokens(app)
    form = {"scope": "all", "constituency": "tenant", "q": "Tenant"}
    async with served(app) as client:
        token = await signed_in(client, app)
        for refused in ({}, {"csrf": "0" * 64}):
            answer = await client.post("/members/invite", data={**form, **refused})
            assert answer.status == 403
        asked = await client.post("/members/invite", data={**form, "csrf": token})
        page = await asked.text()
        assert "Replace earlier invites?" in page
        assert "1 earlier invite not yet used" in page and "40 new one-time invites" in page
        assert live_tokens(app) == held
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
        assert hidden == {**form, "csrf": token, "confirm": "yes"}
        confirmed = await client.post("/members/invite", data=hidden)
        assert "40 one-time invites" in await confirmed.text()
    tokens = live_tokens(app)
    assert sorted(tokens) == [f"t{n:03}" for n in range(1, 61) if n % 3 != 1]
    assert tokens["t002"] != held["t002"]
    issued = [e["subject"] for e in audit.entries(app.db, "invite.issued") if e["actor"] != "test"]
    assert sorted(issued) == sorted(tokens)


async def test_all_matching_is_always_asked_first_and_many_come_as_a_table(
    app, monkeypatch
) -> None:
    monkeypatch.setattr(members_page, "SHOWN_INVITES", 10)
    async with served(app) as client:
        token = await signed_in(client, app)
        asked = await client.post(
            "/members/invite", data={"scope": "all", "constituency": "staff", "csrf": token}
        )
        page = await asked.text()
        assert "Issue 71 new invites?" in page and "71 new one-time invites" in page
        assert live_tokens(app) == {}
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
        answer = await client.post("/members/invite", data=hidden)
        assert answer.headers["Content-Disposition"] == 'attachment; filename="invites.csv"'
        raw = await answer.read()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["member_id"] for r in table] == sorted(["s1", *(f"w{n:03}" for n in range(1, 71))])
    assert {r["member_id"] for r in table} == set(live_tokens(app))
    assert all(r["link"].startswith("send the bot: JOIN ") for r in table)


async def test_all_matching_with_nobody_waiting_issues_nothing(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        data = {"scope": "all", "joined": "yes", "csrf": token, "confirm": "yes"}
        answer = await client.post("/members/invite", data=data)
        assert answer.status == 400
        assert "No member matching this filter is waiting to connect" in await answer.text()
    assert live_tokens(app) == {}


async def test_the_overview_counts_members_and_connections_without_the_erased(app) -> None:
    member_data.erase(app.ctx, "t001", actor="test")  # was connected
    member_data.erase(app.ctx, "t002", actor="test")  # was not
    async with served(app) as client:
        await signed_in(client, app)
        html = await (await client.get("/")).text()
    assert '<tr><th scope="row">tenant</th><td>58</td><td>19</td></tr>' in html
    assert '<tr><th scope="row">staff</th><td>71</td><td>0</td></tr>' in html


async def test_the_overview_shows_the_last_digests_chart_kept_in_the_charts_folder(
    app, clock
) -> None:
    folder = charts.chart_dir(app.ctx)
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / "council.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    outside = folder.parent / "elsewhere.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n")
    async with served(app) as client:
        await signed_in(client, app)
        assert "/digest-chart" not in await (await client.get("/")).text()
        assert (await client.get("/digest-chart")).status == 404
        for n, chart in enumerate((outside, png)):  # the last one counts
            now = clock() + timedelta(days=n)
            digests.record(
                app.db,
                "council",
                due=now,
                since=now,
                until=now,
                messages=1,
                chart=str(chart),
                by="test",
            )
        assert '<img src="/digest-chart"' in await (await client.get("/")).text()
        answer = await client.get("/digest-chart")
        assert answer.status == 200 and await answer.read() == png.read_bytes()
        now = clock() + timedelta(days=2)
        digests.record(
            app.db,
            "council",
            due=now,
            since=now,
            until=now,
            messages=1,
            chart=str(outside),
            by="test",
        )
        assert "/digest-chart" not in await (await client.get("/")).text()
        assert (await client.get("/digest-chart")).status == 404


async def test_members_show_how_they_are_reached_and_who_only_a_letter_reaches(app, clock) -> None:
    from handlers.settings import Routing
    from storage import members

    app.ctx.policy = dataclasses.replace(app.ctx.policy, routing=Routing(enabled=("sms",)))
    link(app.ctx, "t002", "sms", "+447700900002")  # a phone only
    link(app.ctx, "t003", "sms", "+447700900003")
    members.mark_unreachable(app.db, "sms", "+447700900003", "STOP", clock())  # texted STOP
    members.mark_unreachable(app.db, "telegram", "u-t004", "blocked by the user", clock())
    link(app.ctx, "t005", "email", "t5@example.org")  # e-mail is switched off
    joined = {f"t{n:03}" for n in range(1, 61, 3)} - {"t004"}
    letter_only = [f"t{n:03}" for n in range(1, 61) if f"t{n:03}" not in joined | {"t002"}]
    async with served(app) as client:
        await signed_in(client, app)
        everyone = await (await client.get("/members?constituency=tenant")).text()
        only = await (await client.get("/members?constituency=tenant&reach=letter")).text()
        joining = await (await client.get("/members/joining?reach=letter")).text()
        page = await (await client.get("/members/t003")).text()
    reached = {
        member_id: everyone.split(f'href="/members/{member_id}">', 1)[1].split("</tr>", 1)[0]
        for member_id in ("t001", "t002", "t003", "t004", "t005")
    }
    assert reached["t001"].endswith("<td>Telegram</td>\n")
    assert reached["t002"].endswith("<td>SMS</td>\n")
    assert reached["t003"].endswith("<td>letter only (SMS unreachable: STOP)</td>\n")
    assert reached["t004"].endswith(
        "<td>letter only (Telegram unreachable: blocked by the user)</td>\n"
    )
    assert reached["t005"].endswith("<td>letter only</td>\n")
    assert "<dt>Reached by</dt><dd>letter only (SMS unreachable: STOP)</dd>" in page
    assert listed(only) == letter_only and len(letter_only) == 40
    assert 'href="/members?constituency=tenant&amp;reach=letter"' not in only  # one page
    # "Who has joined" counts them per constituency: members, invited, joined (connected
    # somewhere, reachable or not), waiting, expired, never invited, only by letter.
    assert (
        '<th scope="row">tenant</th><td>60</td><td>0</td><td>23</td><td>0</td><td>0</td>'
        "<td>37</td><td>40</td></tr>"
    ) in joining
    assert listed(joining)[:3] == ["s1", "t003", "t004"]
