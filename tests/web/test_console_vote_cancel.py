"""Cancelling a vote from the console: asked first, with a reason, and with the same effect
and the same notices as `mutual-voice vote cancel`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.votes import admin
from storage import audit, outbox
from surveys.votes.definitions import parse_vote
from tests.helpers import link
from tests.web.console_harness import OFFICER, console_app, csrf_in, served, signed_in

TABLE = {
    "id": "agm",
    "title": "Adopt the new rules",
    "explanation": "For or against.",
    "method": "resolution",
    "constituencies": ["tenant"],
    "closes": "2027-06-01T17:00",
}
REASON = "Created by mistake: the real vote opens next week."
ALERT = re.compile(r'<div class="alert" role="alert"><p><strong>Error:</strong> (.*?)</p></div>')


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


def opened(app, told: tuple[str, ...]) -> None:
    """The vote is open, and its announcement reached the members `told`."""
    for member_id in ("t1", "t2"):
        link(app.ctx, member_id)
    admin.create_vote(app.ctx, parse_vote(TABLE, "test"), "test")
    app.postman.post(admin.open_vote(app.ctx, "agm", "test"))
    for row in outbox.claim_due(app.db, "telegram", app.clock() + timedelta(days=1), 100):
        if row.member_id in told:
            outbox.mark_sent(app.db, row, app.clock())
        else:
            outbox.postpone(app.db, row, app.clock(), "held")


def cancel_rows(app) -> list[str]:
    return sorted(r["key"] for r in outbox.rows_for(app.db) if ":cancelled" in r["key"])


async def test_an_open_vote_is_cancelled_after_asking_and_those_told_are_told(app) -> None:
    opened(app, told=("t1",))
    async with served(app) as client:
        await signed_in(client, app)
        page = await (await client.get("/votes/agm")).text()
        assert 'href="/votes/agm/cancel">Cancel this vote…</a>' in page
        ask = await (await client.get("/votes/agm/cancel")).text()
        assert "The 0 ballots cast so far are deleted, not counted." in ask
        assert app.db["votes"].get("agm")["status"] == "open"  # asking changes nothing
        csrf = csrf_in(ask)
        answer = await client.post(
            "/votes/agm/cancel", data={"csrf": csrf, "reason": REASON, "confirm": "yes"}
        )
        html = await answer.text()
    assert answer.url.path == "/votes/agm"
    note = re.search(r'<p class="note" role="status">(.*?)</p>', html)[1]
    assert note == (
        "Cancelled agm: nothing is counted. Told it is cancelled: the council, and 1 member "
        "who had been told it was open."
    )
    assert "Cancel this vote" not in html
    assert app.db["votes"].get("agm")["status"] == "cancelled"
    assert cancel_rows(app) == ["vote:agm:cancelled", "vote:agm:cancelled:t1"]
    [entry] = audit.entries(app.db, "vote.cancel")
    assert (entry["actor"], entry["subject"]) == (f"member:{OFFICER}", "agm")


async def test_a_cancel_without_a_reason_is_a_form_error_and_changes_nothing(app) -> None:
    opened(app, told=())
    async with served(app) as client:
        csrf = await signed_in(client, app)
        answer = await client.post(
            "/votes/agm/cancel", data={"csrf": csrf, "reason": "  ", "confirm": "yes"}
        )
        html = await answer.text()
    assert answer.status == 400
    assert "<strong>Error:</strong> 1 thing to fix before the vote can be cancelled" in html
    assert '<li><a href="#reason">Reason: give a reason' in html
    assert 'aria-invalid="true" aria-describedby="reason-error reason-hint"' in html
    assert app.db["votes"].get("agm")["status"] == "open" and cancel_rows(app) == []


@pytest.mark.parametrize("form", [{"reason": REASON}, {"reason": REASON, "confirm": "yes"}])
async def test_only_the_confirmation_form_with_its_token_cancels(app, form) -> None:
    opened(app, told=("t1",))
    async with served(app) as client:
        csrf = await signed_in(client, app)
        data = {**form, "csrf": csrf} if "confirm" not in form else form  # no token, or no "yes"
        answer = await client.post("/votes/agm/cancel", data=data)
        assert answer.status in (400, 403)
    assert app.db["votes"].get("agm")["status"] == "open" and cancel_rows(app) == []


async def test_a_scheduled_vote_is_cancelled_and_only_the_council_is_told(app) -> None:
    admin.create_vote(app.ctx, parse_vote(TABLE, "test"), "test")
    async with served(app) as client:
        csrf = await signed_in(client, app)
        html = await (
            await client.post(
                "/votes/agm/cancel", data={"csrf": csrf, "reason": REASON, "confirm": "yes"}
            )
        ).text()
    assert "Told it is cancelled: the council, and 0 members who had been told" in html
    [council] = [r for r in outbox.rows_for(app.db) if r["key"] == "vote:agm:cancelled"]
    assert "It had not opened." in council["payload"]["text"]


async def test_a_vote_already_closed_or_cancelled_cannot_be_cancelled(app) -> None:
    admin.create_vote(app.ctx, parse_vote(TABLE, "test"), "test")
    async with served(app) as client:
        csrf = await signed_in(client, app)
        data = {"csrf": csrf, "reason": REASON, "confirm": "yes"}
        await client.post("/votes/agm/cancel", data=data)
        again = await client.get("/votes/agm/cancel")
        html = await again.text()
    assert again.url.path == "/votes/agm"
    [error] = ALERT.findall(html)
    assert error == (
        "Not cancelled: agm is cancelled: only a scheduled or open vote can be cancelled"
    )
    assert len(audit.entries(app.db, "vote.cancel")) == 1
