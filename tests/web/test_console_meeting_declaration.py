"""The declaration in the console: the page (member text escaped), refused while paper
entries wait or a vote is open, the PDF and Markdown downloads, and the returning
officer's sign-off after a confirmation: recorded once, the members told once in their
language (English and Welsh), shown as "Signed off by NAME on DATE"; forms need the CSRF
token."""

from __future__ import annotations

import json
from html import unescape

import pypdfium2
import pytest

from handlers.meetings import attendance, declaration, paper
from handlers.votes.admin import close_vote
from storage import audit
from storage.meetings import signoffs
from tests.handlers.meetings.test_paper import AGM, CSV
from tests.web.console_harness import OFFICER, served
from tests.web.test_console_meeting_paper import SAM, as_officer, meeting_app

PAGE = f"/meetings/{AGM.id}/declaration"
SIGN_OFF = f"{PAGE}/sign-off"


@pytest.fixture
def kit(tmp_path, clock):
    made = meeting_app(tmp_path, clock)
    made.vote("m1", "rules", "For")
    made.vote("m2", "board", "Amber", "Birch", "Done")
    made.app.db.execute("update members set language_chosen = 'cy' where member_id = 'm2'")
    yield made
    made.app.db.close()


def results_sent(app) -> dict[str, dict]:
    rows = app.db.execute(
        "select member_id, payload from outbox where key like 'meeting:%:declaration:%'"
    ).fetchall()
    return {member: json.loads(payload) for member, payload in rows}


async def text_of(answer) -> str:
    return unescape(await answer.text())


async def test_refused_while_paper_waits_or_a_vote_is_open(kit):
    app = kit.app
    ctx = app.ctx
    paper.enter(ctx, AGM.id, "Ann", paper.read_csv(ctx, AGM.id, CSV, "ann.csv"))
    async with served(app) as client:
        for path in (PAGE, f"{PAGE}.md", f"{PAGE}.pdf", SIGN_OFF, f"/meetings/{AGM.id}/paper"):
            assert (await client.get(path)).status == 401  # nobody signed in
        token = await as_officer(client, app, OFFICER)
        page = await text_of(await client.get(PAGE))
        assert (
            "<strong>Not yet:</strong> paper ballots entered by Ann are not counted yet: enter "
            "them again as a second teller, accept one entry, or discard them on the Paper "
            "ballots page, then declare</p>"
        ) in page
        download = await text_of(await client.get(f"{PAGE}.md"))
        assert "Error:</strong> No declaration yet: paper ballots entered by Ann" in download
        paper.accept(ctx, AGM.id, "Ann", "Dee")

        page = await text_of(await client.get(PAGE))
        assert '<p class="figure">Not signed off yet.</p>' in page
        assert "It cannot be signed off yet: vote rules (Adopt the new rules) is still open" in page
        assert 'href="/meetings/agm-2027/declaration/sign-off"' not in page
        asked = await text_of(await client.get(SIGN_OFF))
        assert "Not signed off: vote rules (Adopt the new rules) is still open: close it" in asked
        posted = await client.post(SIGN_OFF, data={"csrf": token, "confirm": "yes"})
        assert "Not signed off: vote rules" in await text_of(posted)
        assert signoffs.get(app.db, AGM.id) is None and results_sent(app) == {}
        missing = await client.get("/meetings/nope/declaration")
        assert missing.status == 404


async def test_signed_off_once_and_members_told_once_in_their_language(kit, clock):
    app = kit.app
    ctx = app.ctx
    paper.enter(ctx, AGM.id, "Ann", paper.read_csv(ctx, AGM.id, CSV, "ann.csv"))
    paper.accept(ctx, AGM.id, "Ann", "Dee")
    close_vote(ctx, "rules", "test")
    close_vote(ctx, "board", "test")
    async with served(app) as client:
        token = await as_officer(client, app, OFFICER)
        raw = await (await client.get(PAGE)).text()
        assert "<h2>Board &amp; &lt;council&gt; (election, board)</h2>" in raw  # text, not markup
        page = unescape(raw)
        assert "<h1>Declaration of results: Annual general meeting 2027</h1>" in page
        assert "<p>Refused ballots: 2 (not on the meeting's roll: 1; the member had" in page
        assert (
            '<th scope="col">Stage</th><th scope="col">Action</th><th scope="col">Amber</th>'
            in (page)
        )
        assert "Not signed off yet: a draft until the returning officer signs it off." in page
        assert '<a class="button" href="/meetings/agm-2027/declaration/sign-off">' in page

        # The downloads are the CLI's declaration.
        markdown = await client.get(f"{PAGE}.md")
        assert markdown.headers["Content-Disposition"] == (
            'attachment; filename="declaration-agm-2027.md"'
        )
        made = declaration.declare(ctx, AGM.id, "", attendance.recorded_quorum)
        assert await markdown.text() == declaration.markdown(made)
        pdf = await client.get(f"{PAGE}.pdf")
        assert pdf.content_type == "application/pdf"
        document = pypdfium2.PdfDocument(await pdf.read())
        printed = "\n".join(page.get_textpage().get_text_range() for page in document)
        document.close()
        assert "Declaration of results: Annual general meeting 2027" in printed

        # A sign-off from another site (no CSRF token), or not confirmed, does nothing.
        forged = await client.post(SIGN_OFF, data={"confirm": "yes"})
        assert forged.status == 403
        unconfirmed = await client.post(SIGN_OFF, data={"csrf": token})
        assert "Not signed off: confirm it on the sign-off page." in await text_of(unconfirmed)
        assert signoffs.get(app.db, AGM.id) is None

        asked = await text_of(await client.get(SIGN_OFF))
        assert "<h1>Sign off the declaration of Annual general meeting 2027?</h1>" in asked
        assert "as the returning officer, <strong>Sam Okafor</strong>, now" in asked
        assert "every member on the roll (8) who can be reached" in asked
        signed = await text_of(await client.post(SIGN_OFF, data={"csrf": token, "confirm": "yes"}))
        when = signoffs.get(app.db, AGM.id)["declaration"]["signed_off"]["when"]
        assert (
            f"Signed off by Sam Okafor on {when}. The results are queued to 5 members on their "
            "channels, each in their language and once (3 on the roll cannot be reached by the "
            "bot)."
        ) in signed
        assert f'<p class="figure">Signed off by Sam Okafor on {when}.</p>' in signed
        assert f"<p>Signed off by Sam Okafor on {when} (the returning officer).</p>" in signed
        assert "sign-off" not in signed.split("</section>")[0].split("Sign-off</h2>")[1]

        sent = results_sent(app)
        assert sorted(sent) == ["m1", "m2", "m3", "m4", "m5"]
        assert sent["m1"]["title"] == "Results: Annual general meeting 2027"
        assert sent["m1"]["text"].startswith("The returning officer has declared the results")
        assert sent["m2"]["title"] == "Canlyniadau: Annual general meeting 2027"
        assert sent["m2"]["text"].startswith("Mae'r swyddog canlyniadau wedi cyhoeddi")

        # Not twice: the page keeps the signed declaration, a second sign-off is refused.
        clock.advance(hours=2)
        again = await text_of(await client.post(SIGN_OFF, data={"csrf": token, "confirm": "yes"}))
        assert (
            f"Not signed off: the declaration of agm-2027 was signed off by Sam Okafor on {when}, "
            "and members were told the results then: it is signed off once"
        ) in again
        asked = await text_of(await client.get(SIGN_OFF))
        assert "Not signed off: the declaration of agm-2027 was signed off" in asked
        assert f"{PAGE}.md" in asked
        later = await (await client.get(f"{PAGE}.md")).text()
        assert f"Signed off by Sam Okafor on {when} (the returning officer)." in later
        assert results_sent(app) == sent
    [entry] = audit.entries(app.db, "meeting.declaration.signoff")
    assert entry["actor"] == f"member:{OFFICER}" and SAM not in entry["detail"]
    assert json.loads(entry["detail"]) == {"members": 8, "returning_officer": "Sam Okafor"}
