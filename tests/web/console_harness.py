"""The console in tests: a real App on a real SQLite file, served by aiohttp's test server."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.config import Settings, WebSettings
from bot.web.jobs import JOBS
from bot.web.server import build
from handlers.console import signin as console
from handlers.settings import Admin
from storage.suggestions import queries as suggestions
from tests.helpers import FakeClock, add_members

OFFICER = "s1"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def console_app(tmp_path, clock: FakeClock, **web: object) -> App:
    settings = dataclasses.replace(
        Settings(),
        folder=tmp_path,
        admin=Admin(officers=(OFFICER,)),
        web=WebSettings(**web),
    )
    app = App(settings, clock=clock)
    add_members(app.ctx)
    return app


@asynccontextmanager
async def served(app: App) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build(app))) as client:
        yield client


def csrf_in(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def link_path(app: App, member_id: str = OFFICER) -> str:
    url = console.issue_link(app.ctx, member_id, "test").url
    return url.removeprefix(app.settings.web.base_url)


async def sign_in(client: TestClient, path: str) -> int:
    """Open a sign-in link and press its button; the status of the answer."""
    page = await client.get(path)
    token = path.rsplit("/", 1)[1]
    answer = await client.post(
        "/signin",
        data={"csrf": csrf_in(await page.text()), "token": token},
        allow_redirects=False,
    )
    return answer.status


async def finished(client: TestClient, answer: ClientResponse) -> str:
    """The page of a job (bot/web/jobs.py) that `answer` was sent to, once it is finished."""
    assert answer.url.path.startswith("/jobs/"), f"not a job: {answer.url.path}"
    job_id = answer.url.path.split("/")[2]
    task = client.server.app[JOBS][job_id].task
    await task  # the work itself: no waiting on the wall clock
    page = await client.get(f"/jobs/{job_id}")
    assert page.status == 200
    return await page.text()


async def downloaded(client: TestClient, answer: ClientResponse) -> ClientResponse:
    """The file a finished job offers."""
    page = await finished(client, answer)
    found = re.search(r'href="(/jobs/[^"/]+/download)"', page)
    assert found, f"no download on the job's page: {page}"
    return await client.get(found[1])


async def signed_in(client: TestClient, app: App) -> str:
    """Sign the officer in; the CSRF token of their session."""
    assert await sign_in(client, link_path(app)) == 303
    home = await client.get("/")
    assert home.status == 200
    return csrf_in(await home.text())


def suggestion(app: App, text: str, member_id: str = "t1") -> int:
    return suggestions.create(
        app.db,
        member_id=member_id,
        text=text,
        topic="services",
        named=False,
        sentiment="neutral",
        polarity=0.0,
        words=[],
        similar=[],
        now=app.clock(),
    )
