"""The officer's console over HTTP: signing in, sessions, CSRF and escaping."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner

from bot.cli import cli
from handlers.console import signin as console
from handlers.messages import unquoted
from handlers.suggestions.council import NOTICES
from storage import audit, members, outbox
from storage.db import open_database
from storage.suggestions import queries as suggestions
from storage.suggestions.queries import NOT_ADOPTED
from tests.web.console_harness import (
    OFFICER,
    console_app,
    csrf_in,
    finished,
    link_path,
    served,
    sign_in,
    signed_in,
    suggestion,
)


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


async def test_a_link_signs_in_once(app) -> None:
    path = link_path(app)
    async with served(app) as client:
        assert await sign_in(client, path) == 303
        page = await client.get("/")
        assert "Signed in as s1" in await page.text()
    async with served(app) as other:
        assert await sign_in(other, path) == 403
        refused = await other.get("/")
        assert refused.status == 401
    assert [e["action"] for e in audit.entries(app.db) if e["action"].startswith("console.")] == [
        "console.link",
        "console.sign_in",
    ]


async def test_opening_a_link_does_not_spend_it(app) -> None:
    """Chat apps fetch links to preview them; only the button press signs in."""
    path = link_path(app)
    async with served(app) as client:
        for _ in range(3):
            assert (await client.get(path)).status == 200
        assert await sign_in(client, path) == 303


async def test_an_expired_link_is_refused(app, clock) -> None:
    path = link_path(app)
    clock.advance(minutes=10, seconds=1)
    async with served(app) as client:
        assert await sign_in(client, path) == 403
        assert (await client.get("/members")).status == 401


def test_only_officers_get_a_link(app) -> None:
    with pytest.raises(console.ConsoleError, match="'t1' is not an officer"):
        console.issue_link(app.ctx, "t1", "test")


def test_the_cli_prints_a_link_for_officers_only(tmp_path) -> None:
    config = tmp_path / "mutual-voice.toml"
    config.write_text(
        '[admin]\nofficers = ["s1"]\n[web]\npublic_url = "https://voice.example.org"\n'
    )
    open_database(tmp_path / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
    runner = CliRunner()
    refused = runner.invoke(cli, ["--config", str(config), "console", "link", "--member", "t1"])
    assert refused.exit_code != 0
    assert "'t1' is not an officer" in refused.output
    issued = runner.invoke(
        cli, ["--config", str(config), "console", "link", "--member", "s1", "--json"]
    )
    assert issued.exit_code == 0, issued.output
    url = json.loads(issued.output)["url"]
    assert url.startswith("https://voice.example.org/signin/") and len(url) > 40


async def test_a_session_ends_after_twelve_idle_hours(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        clock.advance(hours=11)
        assert (await client.get("/votes")).status == 200  # use keeps it alive
        clock.advance(hours=11)
        assert (await client.get("/votes")).status == 200
        clock.advance(hours=12, seconds=1)
        assert (await client.get("/votes")).status == 401


async def test_signing_out_ends_the_session(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["mv_session"]
        out = await client.post("/signout", data={"csrf": token}, allow_redirects=False)
        assert out.status == 303
    async with served(app) as thief:  # the old cookie, replayed, no longer works
        thief.session.cookie_jar.update_cookies({"mv_session": cookie.value})
        assert (await thief.get("/")).status == 401
    assert "console.sign_out" in [e["action"] for e in audit.entries(app.db)]


async def test_an_officer_removed_from_the_config_is_let_out(app) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        app.ctx.policy = app.ctx.policy.__class__(organisation=app.ctx.policy.organisation)
        assert (await client.get("/")).status == 401


async def test_a_post_without_the_csrf_token_changes_nothing(app) -> None:
    async with served(app) as client:
        token = await signed_in(client, app)
        before = audit.entries(app.db)
        for data in ({}, {"csrf": "0" * 64}):
            erase = await client.post("/members/t1/erase", data={**data, "confirm": "t1"})
            assert erase.status == 403
        assert members.get(app.db, "t1")["erased_at"] is None
        assert audit.entries(app.db) == before
        erased = await client.post(
            "/members/t1/erase", data={"csrf": token, "confirm": "t1"}, allow_redirects=False
        )
        assert erased.status == 303
        assert members.get(app.db, "t1")["erased_at"] is not None
        assert audit.entries(app.db, "member.erase")[0]["actor"] == f"member:{OFFICER}"


async def test_member_text_is_shown_as_text(app) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    number = suggestion(app, attack)
    app.db["members"].update("t2", {"name": attack})
    async with served(app) as client:
        await signed_in(client, app)
        for path in (f"/suggestions/{number}", "/suggestions", "/members", "/members?q=%3Cscript"):
            html = await (await client.get(path)).text()
            assert "<script>alert" not in html and "<img src=x" not in html
            assert "&lt;script&gt;alert(" in html


async def test_every_page_sends_the_security_headers(app) -> None:
    async with served(app) as client:
        for response in (await client.get("/"), await client.get("/static/console.css")):
            headers = response.headers
            assert "script-src 'self'" in headers["Content-Security-Policy"]
            assert "unsafe-inline" not in headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"


async def test_the_cookies_are_locked_down(tmp_path, clock) -> None:
    app = console_app(tmp_path, clock, public_url="https://voice.example.org")
    path = link_path(app)
    async with served(app) as client:
        page = await client.get(path)
        pre = page.cookies["mv_signin"]
        # The test client speaks http, so it would not send a Secure cookie back by itself.
        answer = await client.post(
            "/signin",
            data={"csrf": csrf_in(await page.text()), "token": path.rsplit("/", 1)[1]},
            headers={"Cookie": f"mv_signin={pre.value}"},
            allow_redirects=False,
        )
        assert answer.status == 303
        for cookie in (pre, answer.cookies["mv_session"]):
            assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
    app.db.close()


async def test_failed_sign_in_tokens_are_limited_per_address(app, clock) -> None:
    async with served(app) as client:
        previews = [(await client.get(f"/signin/preview{n}")).status for n in range(30)]
        assert previews == [200] * 30  # chat apps previewing links count for nothing
        statuses = [await sign_in(client, f"/signin/guess{n}") for n in range(11)]
        assert statuses == [403] * 10 + [429]
        good = link_path(app)
        assert await sign_in(client, good) == 429
        clock.advance(minutes=1)
        assert await sign_in(client, good) == 303


async def test_a_roster_with_bad_lines_imports_nothing_and_lists_each(app) -> None:
    bad = (
        "member_id,name,email,constituency\n"
        "t9,New Person,,tenant\n"
        "t10,Other,not-an-email,tenant\n"
        "t11,,,tenant\n"
    )
    async with served(app) as client:
        token = await signed_in(client, app)
        preview = await client.post("/members/import", data={"csrf": token, "csv": bad})
        html = await preview.text()
        assert preview.status == 400
        assert "Line 3: malformed email" in html and "Line 4: missing name" in html
        assert "Apply this import" not in html
        assert members.get(app.db, "t9") is None
        applied = await client.post("/members/import/apply", data={"csrf": token, "csv": bad})
        said = await finished(client, applied)
        assert "Error:" in said and "2 lines need fixing, so nothing was imported" in said
        assert members.get(app.db, "t9") is None
        good = "member_id,name,email,constituency\nt9,New Person,,tenant\nt1,Pat M,,tenant\n"
        preview = await client.post("/members/import", data={"csrf": token, "csv": good})
        assert "1 new members, 1 changed, 0 unchanged" in await preview.text()
        assert members.get(app.db, "t9") is None  # a preview writes nothing
        done = await client.post("/members/import/apply", data={"csrf": token, "csv": good})
        assert "Imported 2 members." in await finished(client, done)
        assert members.get(app.db, "t9")["name"] == "New Person"


async def test_a_roster_with_doubled_quotes_reads_as_excel_wrote_it(app) -> None:
    excel = 'member_id,name,email,constituency\nt9,"Pat ""Paddy"" Murphy",,tenant\n'
    async with served(app) as client:
        token = await signed_in(client, app)
        preview = await client.post("/members/import", data={"csrf": token, "csv": excel})
        assert preview.status == 200, await preview.text()
        done = await client.post("/members/import/apply", data={"csrf": token, "csv": excel})
        assert "Imported 1 member." in await finished(client, done)
        assert members.get(app.db, "t9")["name"] == 'Pat "Paddy" Murphy'


async def test_a_vote_from_the_form_is_checked_like_a_file(app) -> None:
    form = {
        "id": "new-chair",
        "title": "Choose the new chair",
        "explanation": "Approve everyone you would be happy with.",
        "method": "approval",
        "options": "Ann\nBen\nCal",
        "closes": "2020-01-01T17:00",
        "reminder_hours": "24",
    }
    async with served(app) as client:
        token = await signed_in(client, app)
        past = await client.post("/votes/new", data={**form, "csrf": token})
        html = await past.text()
        assert past.status == 400
        assert 'id="closes-error">2020-01-01T17:00:00+00:00 is already in the past' in html
        one = await client.post(
            "/votes/new",
            data={**form, "options": "Ann", "closes": "2027-01-01T17:00", "csrf": token},
        )
        assert 'id="options-error">must be 2 to 30 [[options]] tables (found 1)' in await one.text()
        made = await client.post(
            "/votes/new", data={**form, "closes": "2027-01-01T17:00", "csrf": token}
        )
        assert made.status == 200 and "Created vote new-chair" in await made.text()
    assert app.db["votes"].get("new-chair")["method"] == "approval"


async def test_a_status_change_tells_the_member_as_chat_does(app) -> None:
    from storage.members import link_identity

    link_identity(app.db, "telegram", "u-t1", "u-t1", "t1", app.clock())
    number = suggestion(app, "More benches in the park, please")
    async with served(app) as client:
        token = await signed_in(client, app)
        path = f"/suggestions/{number}/status"
        no_reason = await client.post(path, data={"csrf": token, "status": "decline"})
        assert no_reason.status == 400
        assert 'id="reason-error">Write the reason' in await no_reason.text()
        assert suggestions.get(app.db, number)["status"] == "new"
        declined = await client.post(
            path, data={"csrf": token, "status": "decline", "reason": "No budget this year."}
        )
        assert f"Suggestion #{number} is now marked Not adopted" in await declined.text()
    assert suggestions.get(app.db, number)["status"] == NOT_ADOPTED
    (entry,) = audit.entries(app.db, "suggestion.status")
    assert (entry["actor"], entry["subject"]) == (f"member:{OFFICER}", str(number))
    (notice,) = [r for r in outbox.rows_for(app.db, "telegram") if r["chat_id"] == "u-t1"]
    expected = NOTICES[NOT_ADOPTED].format(
        n=number, start="More benches in the park, please", note="No budget this year."
    )
    assert unquoted(notice["payload"]["text"]) == expected  # the member's words are marked


async def test_a_reply_goes_through_the_relay_as_from_chat(app) -> None:
    from storage.members import link_identity

    link_identity(app.db, "telegram", "u-t1", "u-t1", "t1", app.clock())
    number = suggestion(app, "Fix the lift")
    async with served(app) as client:
        token = await signed_in(client, app)
        empty = await client.post(f"/suggestions/{number}/reply", data={"csrf": token})
        assert 'id="words-error">Write your reply first.' in await empty.text()
        sent = await client.post(
            f"/suggestions/{number}/reply", data={"csrf": token, "words": "Booked for Monday."}
        )
        assert f"Reply sent to the suggester of #{number}:" in await sent.text()
    (relayed,) = [r for r in outbox.rows_for(app.db, "telegram") if r["chat_id"] == "u-t1"]
    assert unquoted(relayed["payload"]["text"]).startswith(
        f"The staff council replied about your suggestion #{number} (“Fix the lift”):\n\n"
        "Booked for Monday."
    )
    assert "Sam Okafor" not in str(relayed["payload"])


async def test_an_uploaded_stv_vote_shows_its_stages_and_ballots(app) -> None:
    from handlers.votes.state import new_receipt
    from storage.votes import queries as votes

    toml = (
        Path(__file__).parents[2] / "examples" / "vote-representative-election.toml"
    ).read_bytes()
    async with served(app) as client:
        token = await signed_in(client, app)
        form = aiohttp.FormData()
        form.add_field("csrf", token)
        form.add_field("file", toml, filename="reps.toml")
        made = await client.post("/votes/upload", data=form)
        assert "Created vote tenant-reps-2027" in await made.text()
        opened = await client.post("/votes/tenant-reps-2027/open", data={"csrf": token})
        assert "Opened:" in await opened.text()
        for member_id, choice in (("t1", "0,2,1"), ("t2", "2,0")):
            votes.cast(
                app.db, "tenant-reps-2027", member_id, choice, new_receipt, "test", app.clock()
            )
        closed = await client.post("/votes/tenant-reps-2027/close", data={"csrf": token})
        html = await closed.text()
    assert "Closed:" in html and "Stage 1" in html and "Published ballots (2)" in html
    assert "Pat Murphy" in html and "quota" in html


async def test_a_comments_language_is_noted_where_enough_wrote_in_it(app) -> None:
    from handlers.pulses import definitions as pulse_definitions
    from handlers.pulses import rounds as pulse_rounds
    from storage.pulses import queries as pulses

    definition = pulse_definitions.load(app.ctx)["tenant-pulse"]
    round_row = pulse_rounds.open_round(app.ctx, definition, "test")
    for n in range(12):
        language = "cy" if n < 6 else None
        text = f"{'Gwych' if language else 'Great'} {n:02}"
        pulses.save_comment(
            app.db, round_row["id"], f"r{n:02}", "comment", "tenant", text, None, language
        )
    pulse_rounds.close(app.ctx, pulses.get_round(app.db, round_row["id"]))
    async with served(app) as client:
        await signed_in(client, app)
        html = await (await client.get("/pulses/tenant-pulse/1")).text()
    assert '<span class="member-text">Gwych 00</span><span class="note"> (Welsh)</span>' in html
    assert '<span class="member-text">Great 06</span></li>' in html


async def test_a_closed_rounds_page_shows_turnout_per_channel(app) -> None:
    from handlers.pulses import definitions as pulse_definitions
    from handlers.pulses import rounds as pulse_rounds
    from storage.pulses import queries as pulses

    definition = pulse_definitions.load(app.ctx)["tenant-pulse"]
    round_row = pulse_rounds.open_round(app.ctx, definition, "test")
    for member_id in ("t1", "t2"):
        pulses.set_progress(app.db, round_row["id"], member_id, 1, False, app.clock(), "sms")
    async with served(app) as client:
        await signed_in(client, app)
        html = await (await client.get("/pulses/tenant-pulse/1")).text()
        assert "By channel" not in html  # nothing per channel while open
        pulse_rounds.close(app.ctx, pulses.get_round(app.db, round_row["id"]))
        html = await (await client.get("/pulses/tenant-pulse/1")).text()
    assert "<p>By channel: other 2.</p>" in html  # two by SMS: too few to name


async def test_member_text_is_isolated_from_the_page_around_it(app) -> None:
    rlo, fsi, pdf, pdi = "\u202e", "\u2068", "\u202c", "\u2069"
    number = suggestion(app, f"Fix the lift{rlo} please")
    app.db["members"].update("t2", {"name": f"Lee{pdi} Chen{rlo}"})
    async with served(app) as client:
        await signed_in(client, app)
        page = await (await client.get(f"/suggestions/{number}")).text()
        assert f"{fsi}Fix the lift{rlo} please{pdf}{pdi}" in page
        listing = await (await client.get("/members")).text()
        assert f"{fsi}Lee Chen{rlo}{pdf}{pdi}" in listing  # the stray PDI is gone
