"""Who has joined, and invite letters to download, in the officer's console over HTTP."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile

import pypdfium2
import pytest

from bot.app import App
from bot.config import Settings, TelegramSettings
from handlers.members import invites
from handlers.messages import Sender
from handlers.settings import Admin, Organisation
from storage import audit
from storage.invites.queries import token_hash
from tests.helpers import add_members
from tests.web.console_harness import OFFICER, downloaded, served, signed_in

ROSTER = """member_id,name,email,constituency,address
s1,Sam Okafor,sam@example.org,staff,
t1,Siân Llŷr,,tenant,Fflat 3|Tŷ Gwyn|Caernarfon LL55 1AB
t2,Zażółć Gęślą,,tenant,ul. Długa 5|Leeds LS2 7AA
t3,Pat Murphy,,tenant,
t4,Lee Chen,,tenant,
"""
CONTACT = "Jo Bloggs at the Riverside office, 01632 960123"


@pytest.fixture
def app(tmp_path, clock):
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=(OFFICER,)),
        organisation=Organisation(name="Riverside Homes", contact=CONTACT),
        telegram=TelegramSettings(bot_username="riverside_voice_bot"),
    )
    started = App(settings, clock=clock)
    add_members(started.ctx, ROSTER)
    yield started
    started.db.close()


def live_tokens(app: App) -> dict[str, str]:
    """Each member's unused, unrevoked invite, by the hash of its token."""
    rows = app.db.execute(
        "select member_id, token_hash from invites where used_at is null and revoked_at is null"
    ).fetchall()
    return dict(rows)


def joined(app: App, member_id: str) -> None:
    """`member_id` is invited and joins by Telegram, as a tenant with the letter would."""
    [invite] = invites.issue(app.ctx, [member_id], actor="test")
    sender = Sender("telegram", f"u-{member_id}", f"u-{member_id}", member_id)
    assert invites.redeem(app.ctx, invite.token, sender) == (member_id, None)


async def test_the_figures_page_counts_each_group_and_shows_each_member(app, clock) -> None:
    joined(app, "t1")
    invites.issue(app.ctx, ["t2"], actor="test")
    invites.issue(app.ctx, ["t3"], actor="test")
    clock.advance(days=15)  # t2's and t3's links expire unused; t2 gets a fresh one
    invites.issue(app.ctx, ["t2"], actor="test")
    async with served(app) as client:
        await signed_in(client, app)
        members_page = await (await client.get("/members")).text()
        assert 'href="/members/joining"' in members_page
        html = await (await client.get("/members/joining")).text()
    # members, invited, joined, waiting, expired unused, never invited
    assert (
        '<th scope="row">tenant</th><td>4</td><td>3</td><td>1</td><td>1</td><td>1</td><td>1</td>'
    ) in html
    assert (
        '<th scope="row">staff</th><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td>'
        in html
    )
    for member_id, status in (
        ("t1", "joined"),
        ("t2", "waiting"),
        ("t3", "expired unused"),
        ("t4", "never invited"),
    ):
        assert f"{member_id}</a></td>" in html
        row = html.split(f'href="/members/{member_id}">', 1)[1].split("</tr>", 1)[0]
        assert f"<td>{status}</td>" in row
    assert "Zażółć Gęślą" in html


async def test_a_post_without_the_csrf_token_issues_nothing(app) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        before = audit.entries(app.db)
        for data in ({}, {"csrf": "0" * 64}):
            refused = await client.post("/members/letters", data={**data, "files": "letters"})
            assert refused.status == 403
            assert (await refused.read())[:4] != b"%PDF"
    assert live_tokens(app) == {}
    assert audit.entries(app.db) == before


async def test_letters_for_a_group_download_as_one_page_per_member(app) -> None:
    joined(app, "t1")
    async with served(app) as client:
        token = await signed_in(client, app)
        started = await client.post(
            "/members/letters",
            data={"csrf": token, "constituency": "tenant", "older_than": "", "files": "letters"},
        )
        answer = await downloaded(client, started)
        assert answer.status == 200
        assert answer.content_type == "application/pdf"
        assert answer.headers["Content-Disposition"] == 'attachment; filename="invites.pdf"'
        pdf = await answer.read()
    tokens = live_tokens(app)
    assert sorted(tokens) == ["t2", "t3", "t4"]  # t1 has joined; staff were not chosen
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == 3
        for member_id, name, page in zip(
            ("t2", "t3", "t4"), ("Zażółć Gęślą", "Pat Murphy", "Lee Chen"), document, strict=True
        ):
            text = " ".join(page.get_textpage().get_text_range().split())
            assert name in text and CONTACT in text
            typed = re.search(r"JOIN ([A-Z0-9-]+)", text)  # the code, grouped for typing
            assert typed and token_hash(invites.typed_token(typed[1])) == tokens[member_id]
    finally:
        document.close()
    issued = audit.entries(app.db, "invite.issued")
    assert [(e["actor"], e["subject"]) for e in issued if e["actor"] != "test"] == [
        (f"member:{OFFICER}", m) for m in ("t2", "t3", "t4")
    ]


async def test_qr_codes_download_as_a_zip_with_a_mail_merge_table(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        started = await client.post(
            "/members/letters", data={"csrf": token, "constituency": "", "files": "qr-codes"}
        )
        answer = await downloaded(client, started)
        assert answer.content_type == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(await answer.read()))
    tokens = live_tokens(app)
    everyone = ["s1", "t1", "t2", "t3", "t4"]  # with Slack off, every group joins by Telegram
    assert sorted(archive.namelist()) == sorted([*(f"{m}.png" for m in everyone), "invites.csv"])
    raw = archive.read("invites.csv")
    assert raw.startswith("\ufeff".encode())  # so that Excel reads it as UTF-8
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["member_id"]: token_hash(r["link"].rsplit("=", 1)[1]) for r in table} == tokens
    assert archive.read("t1.png")[:8] == b"\x89PNG\r\n\x1a\n"


async def test_reminders_wait_until_the_last_invite_is_old_enough(app, clock) -> None:
    form = {"constituency": "tenant", "older_than": "14d", "files": "letters"}
    async with served(app) as client:
        token = await signed_in(client, app)
        first = await downloaded(
            client,
            await client.post("/members/letters", data={**form, "csrf": token, "older_than": ""}),
        )
        assert first.content_type == "application/pdf"
        earlier = live_tokens(app)
        clock.advance(days=10)
        token = await signed_in(client, app)  # the session ended after 12 idle hours
        early = await client.post("/members/letters", data={**form, "csrf": token})
        assert early.status == 200
        assert "Nobody to invite: everyone chosen has joined or was invited more recently." in (
            await early.text()
        )
        assert live_tokens(app) == earlier
        clock.advance(days=4)
        token = await signed_in(client, app)
        reminder = await downloaded(
            client, await client.post("/members/letters", data={**form, "csrf": token})
        )
        assert len(pypdfium2.PdfDocument(await reminder.read())) == 4
    assert set(live_tokens(app).values()).isdisjoint(earlier.values())  # old links revoked


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"older_than": "two weeks"}, "&#39;two weeks&#39; should look like 14d, 2w or 36h"),
        ({"constituency": "board"}, "&#39;board&#39; is not one of staff, tenant"),
        ({"files": "fax"}, "choose letters or QR codes"),
        ({"files": "letters", "contact": ""}, "set organisation.contact"),
    ],
)
async def test_bad_choices_are_one_clear_line_and_issue_nothing(app, form, expected) -> None:
    if "contact" in form:
        app.settings = dataclasses.replace(app.settings, organisation=Organisation())
    data = {"files": "letters", **{k: v for k, v in form.items() if k != "contact"}}
    async with served(app) as client:
        token = await signed_in(client, app)
        answer = await client.post("/members/letters", data={**data, "csrf": token})
        assert answer.status == 400
        html = await answer.text()
        said = re.search(r'<div class="alert" role="alert".*?</div>', html, re.S)
        assert said and expected in said[0]
        assert '<p class="note"' not in html  # never the success box
    assert live_tokens(app) == {}


async def test_every_mistake_in_the_letters_form_is_reported_at_once(app) -> None:
    data = {"constituency": "board", "older_than": "two weeks", "files": "fax"}
    async with served(app) as client:
        token = await signed_in(client, app)
        answer = await client.post("/members/letters", data={**data, "csrf": token})
        html = await answer.text()
    assert answer.status == 400
    assert "3 things to fix before the letters can be made" in html
    for field in ("constituency", "older_than", "files"):
        assert f'<a href="#{field}">' in html and f'id="{field}-error"' in html
    assert 'value="two weeks"' in html  # what was typed is kept
    assert 'aria-invalid="true" aria-describedby="older_than-error older_than-hint"' in html
    assert live_tokens(app) == {}


async def test_letters_again_say_how_many_posted_letters_stop_and_ask_first(app) -> None:
    form = {"constituency": "tenant", "older_than": "", "files": "letters"}
    async with served(app) as client:
        token = await signed_in(client, app)
        first = await downloaded(
            client, await client.post("/members/letters", data={**form, "csrf": token})
        )
        assert first.content_type == "application/pdf"  # nobody held a link: nothing to ask
        posted = live_tokens(app)
        again = await client.post("/members/letters", data={**form, "csrf": token})
        page = await again.text()
        assert again.content_type == "text/html" and again.status == 200
        assert (
            "4 earlier invites not yet used (letters already posted, QR codes or links already "
            "sent) will stop working." in page
        )
        assert live_tokens(app) == posted  # asking issues nothing
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
        assert hidden == {**form, "csrf": token, "confirm": "yes"}
        confirmed = await downloaded(client, await client.post("/members/letters", data=hidden))
        assert len(pypdfium2.PdfDocument(await confirmed.read())) == 4
    assert set(live_tokens(app).values()).isdisjoint(posted.values())


async def test_issue_invites_with_nobody_ticked_issues_nothing(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        members_page = await (await client.get("/members")).text()
        assert "for everyone not yet connected if none is ticked" not in members_page
        answer = await client.post("/members/invite", data={"csrf": token})
        assert answer.status == 400
        assert "Nobody was ticked, so no invites were issued." in await answer.text()
    assert live_tokens(app) == {}
    assert audit.entries(app.db, "invite.issued") == []


async def test_ticked_members_holding_a_link_are_counted_and_asked_for(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        first = await client.post("/members/invite", data={"csrf": token, "member": "t1"})
        page = await first.text()
        assert first.status == 200 and "1 one-time invites" in page
        assert "replaces nothing" not in page
        assert "Any earlier invite of theirs not yet used no longer works" in page
        held = live_tokens(app)
        data = [("csrf", token), ("member", "t1"), ("member", "t2")]
        asked = await client.post("/members/invite", data=data)
        page = await asked.text()
        assert "1 earlier invite not yet used" in page and "will stop working" in page
        assert live_tokens(app) == held
        confirmed = await client.post("/members/invite", data=[*data, ("confirm", "yes")])
        assert "2 one-time invites" in await confirmed.text()
    now = live_tokens(app)
    assert sorted(now) == ["t1", "t2"] and now["t1"] != held["t1"]
