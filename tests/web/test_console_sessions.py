"""The console's sessions over real HTTP: their limits, revocation, and the officer's view."""

from __future__ import annotations

import dataclasses

import pytest

from bot.app import App
from handlers.console import signin as console
from handlers.members import data as member_data
from handlers.settings import Admin
from storage import audit
from tests.web.console_harness import (
    OFFICER,
    console_app,
    csrf_in,
    link_path,
    served,
    sign_in,
    signed_in,
)


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


def _officers(app: App, *officers: str) -> None:
    app.ctx.policy = dataclasses.replace(app.ctx.policy, admin=Admin(officers=officers))


async def test_a_session_ends_a_day_after_it_started_however_busy(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        for _ in range(4):
            clock.advance(hours=5, minutes=59)
            assert (await client.get("/votes")).status == 200
        clock.advance(minutes=5)  # 24 h 1 min after signing in, used 5 minutes ago
        assert (await client.get("/votes")).status == 401


async def test_a_page_refreshing_itself_does_not_keep_the_session_alive(app, clock) -> None:
    async with served(app) as client:
        await signed_in(client, app)
        for _ in range(11):
            clock.advance(hours=1)
            assert (await client.get("/pulses?auto=1")).status == 200
        clock.advance(hours=1, seconds=1)  # 12 h since the officer's own last request
        assert (await client.get("/pulses?auto=1")).status == 401


async def test_erasing_an_officer_ends_their_sessions_and_voids_their_links(app) -> None:
    _officers(app, OFFICER, "t1")
    async with served(app) as officer, served(app) as other:
        unused = link_path(app, "t1")
        await signed_in(officer, app)
        assert await sign_in(other, link_path(app, "t1")) == 303
        assert (await other.get("/")).status == 200
        member_data.erase(app.ctx, "t1", f"member:{OFFICER}")
        assert (await other.get("/")).status == 401
        assert await sign_in(other, unused) == 403
        assert (await officer.get("/")).status == 200  # others are untouched


async def test_an_officer_removed_from_the_config_loses_sessions_and_links(app) -> None:
    _officers(app, OFFICER, "t1")
    async with served(app) as client:
        assert await sign_in(client, link_path(app, "t1")) == 303
        unused = link_path(app, "t1")
        _officers(app, OFFICER)
        assert (await client.get("/")).status == 401
        _officers(app, OFFICER, "t1")  # put back: nothing from before works again
        assert (await client.get("/")).status == 401
        assert await sign_in(client, unused) == 403
    revoked = audit.entries(app.db, "console.revoke")
    assert [e["subject"] for e in revoked] == ["t1"]


def test_at_start_up_former_officers_lose_their_access(tmp_path, clock) -> None:
    first = console_app(tmp_path, clock)
    _officers(first, OFFICER, "t1")
    console.issue_link(first.ctx, "t1", "test")
    first.db.close()
    again = console_app(tmp_path, clock)  # admin.officers is only s1 now
    assert not list(
        again.db.query("select 1 from console_links where used_at is null and member_id = 't1'")
    )
    again.db.close()


async def test_an_officer_sees_their_sessions_and_signs_out_everywhere(app) -> None:
    async with served(app) as laptop, served(app) as phone:
        await signed_in(phone, app)
        csrf = await signed_in(laptop, app)
        unused = link_path(app)
        page = await (await laptop.get("/sessions")).text()
        assert page.count("<tr><td>") == 2 and page.count("this browser") == 1
        out = await laptop.post("/signout/everywhere", data={"csrf": csrf}, allow_redirects=False)
        assert out.status == 303
        assert (await laptop.get("/")).status == 401
        assert (await phone.get("/")).status == 401
        assert await sign_in(phone, unused) == 403


async def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(tmp_path, clock) -> None:
    app = console_app(tmp_path, clock, trusted_proxies=("127.0.0.0/8",))
    async with served(app) as client:
        mallory = {"X-Forwarded-For": "203.0.113.9"}
        for n in range(10):
            page = await client.get(f"/signin/guess{n}", headers=mallory)
            answer = await client.post(
                "/signin",
                data={"csrf": csrf_in(await page.text()), "token": f"guess{n}"},
                headers=mallory,
            )
            assert answer.status == 403
        page = await client.get("/signin/guess", headers=mallory)
        refused = await client.post(
            "/signin", data={"csrf": csrf_in(await page.text()), "token": "x"}, headers=mallory
        )
        assert refused.status == 429
        # The officer behind the same proxy, from elsewhere, is not locked out; nor can
        # Mallory hide behind a made-up earlier address.
        officer = {"X-Forwarded-For": "198.51.100.7"}
        assert await sign_in_from(client, link_path(app), officer) == 303
        spoof = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
        assert await sign_in_from(client, "/signin/nope", spoof) == 429
    app.db.close()


async def sign_in_from(client, path: str, headers: dict) -> int:
    page = await client.get(path, headers=headers)
    answer = await client.post(
        "/signin",
        data={"csrf": csrf_in(await page.text()), "token": path.rsplit("/", 1)[1]},
        headers=headers,
        allow_redirects=False,
    )
    return answer.status


async def test_without_trusted_proxies_the_header_is_ignored(app) -> None:
    async with served(app) as client:
        for n in range(10):
            made_up = {"X-Forwarded-For": f"192.0.2.{n}"}
            assert await sign_in_from(client, f"/signin/guess{n}", made_up) == 403
        assert await sign_in_from(client, "/signin/x", {"X-Forwarded-For": "192.0.2.99"}) == 429


async def test_https_adds_hsts_and_error_pages_carry_the_headers(tmp_path, clock) -> None:
    app = console_app(tmp_path, clock, public_url="https://voice.example.org")
    async with served(app) as client:
        for response in (
            await client.get("/"),
            await client.get("/no/such/page"),
            await client.get("/static/console.css"),
        ):
            headers = response.headers
            assert headers["Strict-Transport-Security"].startswith("max-age=")
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Server"] == "Mutual Voice"
    app.db.close()


async def test_an_unexpected_failure_is_the_consoles_own_page_with_headers(app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    async with served(app) as client:
        await signed_in(client, app)
        monkeypatch.setattr(console, "sessions", broken)
        response = await client.get("/sessions")
        assert response.status == 500
        html = await response.text()
        assert "Something went wrong" in html and "boom" not in html
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "aiohttp" not in response.headers.get("Server", "")


async def test_a_console_on_plain_http_sends_no_hsts(app) -> None:
    async with served(app) as client:
        answer = await client.get("/")
    assert "Strict-Transport-Security" not in answer.headers
    assert answer.headers["Server"] == "Mutual Voice"
