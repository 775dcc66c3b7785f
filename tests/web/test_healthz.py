"""GET /healthz needs no sign-in, says what `status --json` says, and is 503 when no bot
runs on the console's database."""

from __future__ import annotations

import pytest

from storage.db import file_of
from storage.lock import RunLock
from tests.web.console_harness import console_app, served


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


async def test_healthz_without_a_running_bot_is_503(app) -> None:
    async with served(app) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        found = await response.json()
    assert found["alive"] is False and found["pid"] is None
    assert {"platforms", "jobs", "closes_waiting", "recent_errors", "database"} <= set(found)
    assert "Set-Cookie" not in response.headers


async def test_healthz_sees_the_bot_that_holds_the_database(app) -> None:
    with RunLock(file_of(app.db)):  # as `mutual-voice run` holds it
        async with served(app) as client:
            response = await client.get("/healthz")
            assert response.status == 200
            found = await response.json()
    assert found["alive"] is True and found["pid"] > 0
    assert found["database"]["path"] == str(file_of(app.db))
