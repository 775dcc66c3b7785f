"""The console's roster import never brings back an erased member, and says so."""

from __future__ import annotations

import pytest

from handlers.members import data as member_data
from storage import members
from tests.web.console_harness import (
    console_app,
    csrf_in,
    finished,
    link_path,
    served,
    sign_in,
)


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


async def test_the_consoles_import_leaves_out_an_erased_member_and_says_so(app) -> None:
    member_data.erase(app.ctx, "t1", "officer")
    roster = "member_id,name,email,constituency\nt9,New Person,,tenant\nt1,Pat M,,tenant\n"
    async with served(app) as client:
        await sign_in(client, link_path(app))
        token = csrf_in(await (await client.get("/members/import")).text())
        preview = await client.post("/members/import", data={"csrf": token, "csv": roster})
        html = await preview.text()
        assert "1 left out: erased members" in html and "Line 3: skipped" in html
        done = await client.post("/members/import/apply", data={"csrf": token, "csv": roster})
        assert "Imported 1 member, left out 1 erased member." in await finished(client, done)
    assert members.get(app.db, "t1")["name"] is None
