"""Every closed vote's page shows its result, whatever its method; a bad file, a clear error."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from handlers.votes.state import new_receipt
from storage.votes import queries as votes
from tests.web.console_harness import console_app, served, signed_in

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def app(tmp_path, clock):
    started = console_app(tmp_path, clock)
    yield started
    started.db.close()


async def upload(client, token: str, content: bytes, name: str = "vote.toml"):
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("file", content, filename=name)
    return await client.post("/votes/upload", data=form)


MADE_UP = {
    "single": "[[options]]\nname = 'Tuesday'\n[[options]]\nname = 'Thursday'\n",
    "approval": "[[options]]\nname = 'Benches'\n[[options]]\nname = 'Pond'\n",
    "irv": "[[candidates]]\nname = 'Amber'\n[[candidates]]\nname = 'Birch'\n",
}


def vote_file(tmp_path: Path, method: str) -> Path:
    path = tmp_path / f"vote-{method}.toml"
    path.write_text(
        f"id = '{method}-vote'\ntitle = 'A {method}'\nexplanation = 'Choose.'\n"
        f"method = '{method}'\nconstituencies = ['tenant']\n"
        "closes = '2030-01-01 12:00'\n" + MADE_UP[method],
        encoding="utf-8",
    )
    return path


def example_votes() -> list[Path | str]:
    return [*sorted(EXAMPLES.glob("vote-*.toml")), *MADE_UP]


@pytest.mark.parametrize("path", example_votes(), ids=lambda p: getattr(p, "stem", p))
async def test_a_closed_vote_of_every_method_shows_its_result(app, path, tmp_path) -> None:
    import tomllib

    if isinstance(path, str):
        path = vote_file(tmp_path, path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    vote_id, method = data["id"], data["method"]
    async with served(app) as client:
        token = await signed_in(client, app)
        made = await upload(client, token, path.read_bytes())
        assert f"Created vote {vote_id}" in await made.text(), await made.text()
        opened = await client.post(f"/votes/{vote_id}/open", data={"csrf": token})
        assert opened.status == 200, await opened.text()
        ballots = {
            "resolution": ["for", "against"],
            "single": ["0", "1"],
            "approval": ["0,1", "1"],
            "budget": ["0", "0,1"],
            "irv": ["0,1", "1,0"],
            "stv": ["0,2,1", "2,0"],
        }[method]
        for member_id, choice in zip(("t1", "t2"), ballots, strict=True):
            votes.cast(app.db, vote_id, member_id, choice, new_receipt, "test", app.clock())
        closed = await client.post(f"/votes/{vote_id}/close", data={"csrf": token})
        html = await closed.text()
        assert closed.status == 200, html
        assert "Closed:" in html and "Published ballots (2)" in html
        assert "By channel: other 2." in html  # too few by any one channel to name it
        page = await client.get(f"/votes/{vote_id}")
        assert page.status == 200 and '<p class="figure">' in await page.text()


async def test_a_vote_file_that_nests_too_deeply_gets_a_clear_error(app) -> None:
    deep = b"id = 'x'\nmethod = 'poll'\nnested = " + b"[" * 5000 + b"]" * 5000 + b"\n"
    async with served(app) as client:
        token = await signed_in(client, app)
        answer = await upload(client, token, deep, "deep.toml")
        html = await answer.text()
    assert answer.status == 400
    assert "deep.toml: not valid TOML: nested too deeply" in html
