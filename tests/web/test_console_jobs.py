"""Long work in the console (letters for thousands, a big roster) shows its progress on a
page of its own, goes on when the officer leaves it, and ends with a summary."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading

import pypdfium2
import pytest

from bot.config import Settings, TelegramSettings
from bot.invites import files as invite_files
from bot.web.jobs import JOBS
from handlers.settings import Admin, Organisation
from tests.helpers import add_members
from tests.web.console_harness import OFFICER, finished, served, signed_in

TENANTS = 12
ROSTER = "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n" + "".join(
    f"t{n},Tenant {n},,tenant\n" for n in range(1, TENANTS + 1)
)


@pytest.fixture
def app(tmp_path, clock):
    from bot.app import App

    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=(OFFICER,)),
        organisation=Organisation(name="Riverside Homes", contact="Jo at the office"),
        telegram=TelegramSettings(bot_username="riverside_voice_bot"),
    )
    started = App(settings, clock=clock)
    add_members(started.ctx, ROSTER)
    yield started
    started.db.close()


def held_after(monkeypatch, pages: int) -> tuple[threading.Event, threading.Event]:
    """Letters are drawn as usual but stop after `pages` pages until released."""
    reached, release = threading.Event(), threading.Event()
    real = invite_files.write_letters

    def slow(invites, head, path, progress=None):
        drawn = 0

        def step(count: int) -> None:
            nonlocal drawn
            progress(count)
            drawn += count
            if drawn == pages:
                reached.set()
                assert release.wait(10)

        return real(invites, head, path, step)

    monkeypatch.setattr(invite_files, "write_letters", slow)
    return reached, release


def live_invites(app) -> int:
    return app.db.execute("select count(*) from invites where revoked_at is null").fetchone()[0]


async def test_letters_show_how_many_are_drawn_then_a_summary_and_the_file(
    app, monkeypatch
) -> None:
    reached, release = held_after(monkeypatch, 5)
    form = {"constituency": "tenant", "older_than": "", "files": "letters"}
    async with served(app) as client:
        csrf = await signed_in(client, app)
        answer = await client.post("/members/letters", data={**form, "csrf": csrf})
        assert answer.url.path.startswith("/jobs/")
        assert await asyncio.to_thread(reached.wait, 10)
        # The officer goes elsewhere and comes back: the work went on meanwhile.
        assert (await client.get("/members/joining")).status == 200
        page = await (await client.get(answer.url.path)).text()
        assert "5 of 12 letters" in page
        assert '<progress max="12" value="5"' in page
        # Without JavaScript the page refreshes itself, as a page that is not the officer's use.
        assert f'http-equiv="refresh" content="3;url={answer.url.path}?auto=1"' in page
        assert live_invites(app) == 0  # recorded only once the letters exist
        release.set()
        page = await finished(client, answer)
        assert "Issued 12 new invites: invites.pdf holds 12 letters" in page
        assert "http-equiv" not in page and "<progress" not in page
        link = re.search(r'href="(/jobs/[^"]+/download)"', page)[1]
        pdf = await (await client.get(link)).read()
        assert len(pypdfium2.PdfDocument(pdf)) == TENANTS
        assert (await client.get(link)).status == 200  # kept for the session
    assert live_invites(app) == TENANTS


async def test_a_job_is_only_seen_in_the_session_that_started_it(app) -> None:
    form = {"constituency": "tenant", "older_than": "", "files": "qr-codes"}
    async with served(app) as officer, served(app) as other:
        csrf = await signed_in(officer, app)
        answer = await officer.post("/members/letters", data={**form, "csrf": csrf})
        assert "Issued 12 new invites" in await finished(officer, answer)
        await signed_in(other, app)
        assert (await other.get(answer.url.path)).status == 404
        assert (await other.get(f"{answer.url.path}/download")).status == 404


async def test_a_job_that_fails_says_so_as_an_error_and_records_nothing(app, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(invite_files, "write_letters", broken)
    form = {"constituency": "tenant", "older_than": "", "files": "letters"}
    async with served(app) as client:
        csrf = await signed_in(client, app)
        answer = await client.post("/members/letters", data={**form, "csrf": csrf})
        page = await finished(client, answer)
        assert re.search(r'<div class="alert" role="alert"><p><strong>Error:</strong>', page)
        assert "so it was not finished. Nothing half-done was kept" in page
        assert 'class="note"' not in page and "/download" not in page
        assert "disk full" not in page  # details go to the log, not the page
    assert live_invites(app) == 0


async def test_jobs_of_an_ended_day_are_let_go(app, clock) -> None:
    form = {"constituency": "tenant", "older_than": "", "files": "qr-codes"}
    async with served(app) as client:
        csrf = await signed_in(client, app)
        first = await client.post("/members/letters", data={**form, "csrf": csrf})
        await finished(client, first)
        clock.advance(hours=25)
        csrf = await signed_in(client, app)
        second = await client.post(
            "/members/letters", data={**form, "csrf": csrf, "confirm": "yes"}
        )
        await finished(client, second)
        assert list(client.server.app[JOBS]) == [second.url.path.split("/")[2]]


async def test_signing_out_lets_the_files_go_and_a_new_job_replaces_the_last(app) -> None:
    form = {"constituency": "tenant", "older_than": "", "files": "qr-codes"}
    async with served(app) as client:
        csrf = await signed_in(client, app)
        first = await client.post("/members/letters", data={**form, "csrf": csrf})
        await finished(client, first)
        second = await client.post(
            "/members/letters", data={**form, "csrf": csrf, "confirm": "yes"}
        )
        await finished(client, second)
        jobs = client.server.app[JOBS]
        assert list(jobs) == [second.url.path.split("/")[2]]  # one file kept per session
        await client.post("/signout", data={"csrf": csrf})
        assert jobs == {}
        await signed_in(client, app)
        assert (await client.get(second.url.path)).status == 404
