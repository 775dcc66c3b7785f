"""A big roster upload never holds up the console: checked in a thread, written in parts."""

from __future__ import annotations

import asyncio
import re
import threading

import pytest

from handlers.members import roster
from storage import audit, members
from tests.web.console_harness import console_app, finished, served, signed_in

ROWS = "".join(f"n{n},Person {n},,tenant\n" for n in range(1200))
CSV = "member_id,name,email,constituency\n" + ROWS


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


def held_up(monkeypatch, name: str) -> tuple[threading.Event, threading.Event]:
    """Make `roster.<name>` wait until released; (started, release)."""
    started, release = threading.Event(), threading.Event()
    real = getattr(roster, name)

    def waiting(*args, **kwargs):
        started.set()
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(roster, name, waiting)
    return started, release


async def answered_meanwhile(client, started: threading.Event, release: threading.Event, upload):
    task = asyncio.create_task(upload)
    assert await asyncio.to_thread(started.wait, 10)
    page = await client.get("/sessions")  # another request while the check is under way
    assert page.status == 200 and not task.done()
    release.set()
    return await task


async def test_the_preview_is_checked_off_the_event_loop(app, monkeypatch) -> None:
    started, release = held_up(monkeypatch, "preview")
    async with served(app) as client:
        csrf = await signed_in(client, app)
        answer = await answered_meanwhile(
            client,
            started,
            release,
            client.post("/members/import", data={"csrf": csrf, "csv": CSV}),
        )
        page = await answer.text()
        assert answer.status == 200 and "1200 new members" in page
        assert len(page) < 20_000  # the page carries an id for Apply, not the whole file
        [upload] = re.findall(r'name="upload" value="([0-9a-f]+)"', page)
        applied = await client.post("/members/import/apply", data={"csrf": csrf, "upload": upload})
        assert "Imported 1,200 members." in await finished(client, applied)
    assert members.count(app.db) == 1200 + 3


async def test_apply_checks_off_the_loop_and_writes_in_parts(app, monkeypatch) -> None:
    started, release = held_up(monkeypatch, "check_roster")
    async with served(app) as client:
        csrf = await signed_in(client, app)
        answer = await client.post("/members/import/apply", data={"csrf": csrf, "csv": CSV})
        assert await asyncio.to_thread(started.wait, 10)
        # The officer sees the job's page at once, and the console answers meanwhile.
        assert answer.url.path.startswith("/jobs/")
        assert "Checking the file…" in await answer.text()
        assert (await client.get("/sessions")).status == 200
        assert members.count(app.db) == 3
        release.set()
        assert "Imported 1,200 members." in await finished(client, answer)
    assert members.count(app.db) == 1200 + 3
    [entry] = audit.entries(app.db, "roster.import")[-1:]
    assert '"imported": 1200' in entry["detail"]


async def test_an_upload_id_works_only_in_its_own_session(app) -> None:
    async with served(app) as officer, served(app) as other:
        csrf = await signed_in(officer, app)
        page = await (await officer.post("/members/import", data={"csrf": csrf, "csv": CSV})).text()
        [upload] = re.findall(r'name="upload" value="([0-9a-f]+)"', page)
        other_csrf = await signed_in(other, app)
        refused = await other.post(
            "/members/import/apply", data={"csrf": other_csrf, "upload": upload}
        )
        assert refused.status == 400 and "expired" in await refused.text()
    assert members.count(app.db) == 3


def test_apply_in_parts_yields_between_parts_and_audits_once_at_the_end(ctx) -> None:
    checked, problems = roster.check_roster(ctx, __import__("io").StringIO(CSV))
    assert not problems
    good, erased = roster.leave_out_erased(ctx, checked)
    assert not erased
    parts = 0
    for _ in roster.apply_in_parts(ctx, good, 0, "test"):
        parts += 1
        assert not audit.entries(ctx.db, "roster.import")  # not before every part is in
    assert parts == -(-1200 // roster.PART)
    assert members.count(ctx.db) == 1200
    assert len(audit.entries(ctx.db, "roster.import")) == 1


async def test_a_long_fan_out_is_posted_in_parts_with_others_answered_between(app) -> None:
    from bot.web.pages import PART, post_in_parts
    from handlers.messages import Message, Recipient
    from handlers.schedule import Pause

    log: list[str] = []

    def fan_out():
        for n in range(PART * 2 + 10):
            if n == PART // 2:
                yield Pause(checkpoint=True)
            log.append("drawn")
            yield Message(Recipient(platform="telegram", chat_id=f"c{n}"), "hello", key=f"k{n}")

    async def other() -> None:
        while len(log) < 3 * PART // 4:  # once the fan-out is under way
            await asyncio.sleep(0)
        log.append("other")

    waiting = asyncio.create_task(other())
    queued = await post_in_parts(app, fan_out())
    await waiting
    assert queued == PART * 2 + 10 == app.db["outbox"].count
    assert PART // 2 < log.index("other") < len(log) - 1  # answered before the end


async def test_an_upload_with_phones_links_sms_and_reports_a_bad_phone_by_line(app) -> None:
    import dataclasses

    from handlers.settings import Routing

    app.ctx.policy = dataclasses.replace(app.ctx.policy, routing=Routing(enabled=("sms",)))
    header = "member_id,name,email,constituency,phone,prefers\n"
    async with served(app) as client:
        csrf = await signed_in(client, app)
        bad = await client.post(
            "/members/import", data={"csrf": csrf, "csv": header + "p1,Pat,,tenant,0770,\n"}
        )
        text = await bad.text()
        assert "<li>Line 2: phone &#39;0770&#39; has the wrong number of digits for GB" in text
        good = header + "p1,Pat,,tenant,07700 900123,sms\np2,Lee,,tenant,,\n"
        applied = await client.post("/members/import/apply", data={"csrf": csrf, "csv": good})
        assert "Imported 2 members." in await finished(client, applied)
    [sms] = members.identities_of(app.db, "p1")
    assert (sms["platform"], sms["chat_id"]) == ("sms", "+447700900123")
    assert members.get(app.db, "p1")["prefers"] == "sms"
    assert members.identities_of(app.db, "p2") == []
