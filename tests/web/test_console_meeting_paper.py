"""Paper ballots in the console: two tellers enter them under their own logins (a file or
typed), the rows where they differ are shown (never a choice), the returning officer
accepts one entry or discards them; each refusal (not on the roll, a double ballot by
paper and chat as the rules say, spoilt) in the CLI's words; forms need the CSRF token."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from html import unescape

import aiohttp
import pytest

from bot.app import App
from bot.config import Settings, WebSettings
from bot.web.meeting_paper import has_header
from handlers.meetings import paper
from handlers.meetings.admin import create_meeting
from handlers.settings import Admin, Organisation
from handlers.votes.admin import create_vote
from storage import audit
from storage.meetings import paper as paper_store
from storage.votes import queries as store
from tests.handlers.meetings.test_paper import AGM, CSV, RULES
from tests.handlers.meetings.test_paper import ROSTER as TENANTS
from tests.handlers.votes.test_votes import CANDIDATES, Kit, definition, options
from tests.web.console_harness import OFFICER, link_path, served, sign_in

TELLER = "s2"
OFFICERS = "s1,Sam Okafor,,staff\ns2,Kim Teller,,staff\n"
SAM, KIM = "Sam Okafor (s1)", "Kim Teller (s2)"
PAGE = f"/meetings/{AGM.id}/paper"


def meeting_app(
    tmp_path, clock, wins: str = "first", allow_change: bool = False, **web: object
) -> Kit:
    """Two officers (s1, s2), eight tenants (m1-m5 in chat), the meeting and its two votes
    open: a special resolution `rules` and an STV election `board` ("Board & <council>")."""
    (tmp_path / "rules.toml").write_text(RULES.format(wins=wins))
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=(OFFICER, TELLER)),
        organisation=Organisation(rules=str(tmp_path / "rules.toml")),
        web=WebSettings(**web),
    )
    app = App(settings, clock=clock)
    kit = Kit(app.ctx, roster=TENANTS + OFFICERS, linked=("m1", "m2", "m3", "m4", "m5"))
    kit.app = app  # type: ignore[attr-defined]
    create_meeting(app.ctx, AGM, "test")
    window = {"opens": clock.now + timedelta(days=15), "closes": clock.now + timedelta(days=21)}
    common = {"meeting": AGM.id, "reminder_hours": (), "allow_change": allow_change, **window}
    create_vote(app.ctx, definition(id="rules", resolution="special", **common), "test")
    board = {"title": "Board & <council>", "method": "stv", "seats": 2}
    create_vote(
        app.ctx, definition(id="board", options=options(*CANDIDATES), **board, **common), "test"
    )
    clock.advance(days=15)
    kit.tick()
    return kit


@pytest.fixture
def kit(tmp_path, clock):
    made = meeting_app(tmp_path, clock)
    yield made
    made.app.db.close()


async def as_officer(client, app: App, member_id: str) -> str:
    """Sign `member_id` in on this client (anyone signed in before is signed out): their
    CSRF token."""
    client.session.cookie_jar.clear()
    assert await sign_in(client, link_path(app, member_id)) == 303
    page = await client.get(PAGE)
    assert page.status == 200
    text = await page.text()
    return text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def upload(client, token: str, content: str, name: str = "ballots.csv"):
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("file", content.encode(), filename=name, content_type="text/csv")
    return unescape(await (await client.post(PAGE, data=form)).text())


async def typed(client, token: str, text: str) -> str:
    return unescape(await (await client.post(PAGE, data={"csrf": token, "csv": text})).text())


async def test_two_tellers_differ_then_agree_and_each_refusal_is_shown(kit):
    app = kit.app
    kit.vote("m1", "rules", "For")  # m1 votes in chat: their paper ballot is a double
    async with served(app) as client:
        token = await as_officer(client, app, OFFICER)
        page = unescape(await (await client.get(PAGE)).text())
        assert "<h1>Paper ballots: Annual general meeting 2027</h1>" in page
        assert "<td>for, against or abstain</td>" in page
        assert "e.g. 2 > 1 (1 Amber, 2 Birch, 3 Cedar, 4 Dara)" in page
        assert "<h2>Entries waiting</h2>\n<p>None.</p>" in page
        assert "Board &amp; &lt;council&gt;" in await (await client.get(PAGE)).text()

        # A form from another site (no CSRF token) is refused and enters nothing.
        forged = await client.post(PAGE, data={"csv": CSV})
        assert forged.status == 403
        assert paper_store.entries(app.db, AGM.id) == {}

        said = await upload(client, token, CSV)
        assert f"Entered by {SAM}: 8 paper ballots. Nothing is counted until a second" in said
        assert "(or the returning officer accepts this entry with its Accept button)." in said
        assert f"<li>{SAM}: 8 ballots (yours)</li>" in said
        assert store.count_voters(app.db, "rules") == 1  # only m1's chat ballot

        token = await as_officer(client, app, TELLER)
        bad = await typed(client, token, "rules,m5,for,,paper\nboard,m5,Zed,,paper\n")
        assert "Error:</strong> Not entered: the typed ballots: line 3: 'Zed' is not one" in bad
        # Kim types the same ballots, without the header, but m6's choice differs and
        # m5's second board paper is missing.
        other = CSV.split("\n", 1)[1].replace("rules,m6,against", "rules,m6,for")
        said = await typed(client, token, other.replace("board,m5,Amber,,paper\n", ""))
        assert f"The entries of {SAM} and {KIM} differ in 2 rows; nothing is counted." in said
        assert f"<h3>Where {KIM}'s entry differs from {SAM}'s</h3>" in said
        differ = said.split("<h3>Where", 1)[1].split("</div>", 1)[0]
        assert f"<li>vote board, member m5: 2 ballots in {SAM}'s entry (line 7, 9), 1 in " in differ
        assert (
            f"<li>vote rules, member m6: choice differ (line 3 of {SAM}'s entry, line 3 of "
            f"{KIM}'s)</li>"
        ) in differ
        assert "against" not in differ and "Amber" not in differ  # choices are not shown
        assert store.count_voters(app.db, "rules") == 1

        # Kim enters the papers again, now as Sam did: counted, each refusal in words.
        said = await upload(client, token, CSV, "again.csv")
        assert f"Counted the paper ballots entered by {SAM} and {KIM}:" in said
        assert f"board: 2 ballots counted\n– 1 refused: {paper.SECOND_PAPER}\n" in said
        assert "rules: 2 ballots counted\n– 1 spoilt: two crosses\n" in said
        assert f"– 1 refused: {paper.NOT_ON_ROLL}\n– 1 refused: {paper.ALREADY_BY_OTHER}" in said
        table = said.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        assert (
            f"<li>1: {paper.ALREADY_BY_OTHER}</li>" in table and "<li>1: two crosses</li>" in table
        )
        assert "<h2>Entries waiting</h2>\n<p>None.</p>" in said
        assert store.voters_by_channel(app.db, "rules") == {"telegram": 1, "paper": 2, "post": 1}
    [counted] = audit.entries(app.db, "meeting.paper.count")
    assert counted["actor"] == f"{SAM} and {KIM}"


def test_typed_ballots_may_leave_out_the_header_line():
    assert has_header("vote,member,choice\nrules,m1,for")
    assert has_header("\n Vote , member,choice")
    assert not has_header("rules,m1,for\nvote,m2,for")
    assert not has_header("vote-2027,m1,for")  # a vote whose id starts with "vote"


async def test_the_returning_officer_discards_or_accepts_an_entry(tmp_path, clock):
    # The rules say paper wins, and the vote lets a member change their mind: m1's paper
    # replaces their chat ballot.
    kit = meeting_app(tmp_path, clock, wins="paper", allow_change=True)
    app = kit.app
    kit.vote("m1", "rules", "Against")
    async with served(app) as client:
        token = await as_officer(client, app, OFFICER)
        await upload(client, token, CSV)
        forged = await client.post(f"{PAGE}/discard", data={"csrf": "0" * 64})
        assert forged.status == 403 and list(paper_store.entries(app.db, AGM.id)) == [SAM]
        said = unescape(await (await client.post(f"{PAGE}/discard", data={"csrf": token})).text())
        assert f"Discarded the paper ballots waiting (entered by {SAM}); nothing was" in said
        assert paper_store.entries(app.db, AGM.id) == {}

        await upload(client, token, CSV)
        nobody = await client.post(f"{PAGE}/accept", data={"csrf": token, "teller": "Zed"})
        said = unescape(await nobody.text())
        assert f"Not counted: no entry by 'Zed' is waiting (waiting: {SAM})" in said
        accepted = await client.post(f"{PAGE}/accept", data={"csrf": token, "teller": SAM})
        said = unescape(await accepted.text())
        assert f"Counted the paper ballots entered by {SAM}, accepted by {SAM}:" in said
        assert "rules: 3 ballots counted" in said  # m5, m6, and m1 (paper wins)
        assert sorted(store.choice_counts(app.db, "rules")) == [("against", 1), ("for", 2)]
        assert store.voters_by_channel(app.db, "rules") == {"paper": 3, "post": 1}
        missing = await client.get("/meetings/nope/paper")
        assert missing.status == 404
    [discarded] = audit.entries(app.db, "meeting.paper.discard")
    assert discarded["actor"] == SAM
    app.db.close()


async def test_tellers_enter_one_ballot_at_a_time(kit):
    app = kit.app
    spoilt = {"vote": "board", "member": "m6", "choice": "", "spoilt": "torn, unreadable"}
    fields = [
        {"vote": "rules", "member": "m5", "choice": "For", "spoilt": "", "origin": "paper"},
        {**spoilt, "origin": "post"},
    ]
    one = f"{PAGE}/one"
    async with served(app) as client:
        token = await as_officer(client, app, OFFICER)
        assert (await client.post(one, data=fields[0])).status == 403  # no CSRF token
        for ballot in fields:
            said = unescape(await (await client.post(one, data={"csrf": token, **ballot})).text())
        assert "Added vote board, member m6 to your entry.\nEntered by " in said
        assert f"<li>{SAM}: 2 ballots (yours)</li>" in said
        raw = await (await client.get(PAGE)).text()
        assert '<option value="board">board: Board &amp; &lt;council&gt;</option>' in raw

        token = await as_officer(client, app, TELLER)
        said = unescape(await (await client.post(one, data={"csrf": token, **fields[0]})).text())
        assert (
            f"The entries of {SAM} and {KIM} differ in 1 row; nothing is counted. Check these "
            "papers and enter them again (or the returning officer accepts one entry). The rows "
            "that differ are listed on this page."
        ) in said
        assert f"<li>vote board, member m6: 1 ballot in {SAM}'s entry (line 3), 0 in" in said
        wrong = {**fields[0], "vote": "board", "choice": "Zed"}
        said = unescape(await (await client.post(one, data={"csrf": token, **wrong})).text())
        assert "Error:</strong> Not entered: 'Zed' is not one of vote board's options" in said
        said = unescape(await (await client.post(one, data={"csrf": token, **fields[1]})).text())
        assert f"Counted the paper ballots entered by {SAM} and {KIM}:" in said
        assert "<li>1: torn, unreadable</li>" in said  # the comma kept by the CSV row
    assert store.voters_by_channel(app.db, "board") == {"post": 1}
    assert store.choice_counts(app.db, "rules") == [("for", 1)]
