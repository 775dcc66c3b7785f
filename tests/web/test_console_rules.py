"""The society's rules in the console: the rules in force in plain words (as `rules
check` says them), an uploaded file checked with every problem listed at once in the
CLI's words, nothing changed by a check, and a form without its CSRF token refused."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from html import unescape

import aiohttp
import pytest
from click.testing import CliRunner

from bot.cli import cli
from handlers.votes.rules import NOT_SET
from surveys.rules import parse_rules
from tests.bot.test_rules_cli import BAD, BAD_PROBLEMS
from tests.helpers import ROOT, START
from tests.web.console_harness import served, signed_in
from tests.web.meeting_console import RULES, society

LISTED = re.compile(r'<li class="member-text">(.*?)</li>')


@pytest.fixture
def app(tmp_path, clock):
    started = society(tmp_path, START + timedelta(days=30), clock)
    yield started
    started.db.close()


async def check(client, token: str | None, text: str, name: str = "new-rules.toml"):
    form = aiohttp.FormData()
    if token:
        form.add_field("csrf", token)
    form.add_field("file", text.encode(), filename=name)
    return await client.post("/rules/check", data=form)


async def test_the_rules_in_force_and_a_file_checked(app, tmp_path):
    in_force = (tmp_path / "rules.toml").read_bytes()
    async with served(app) as client:
        token = await signed_in(client, app)
        page = await (await client.get("/rules")).text()
        assert '<a href="/rules" aria-current="page">Rules</a>' in page
        text = unescape(page)
        for line in parse_rules(RULES).summary():
            assert f"<li>{line}</li>" in text
        assert "Proxies: allowed; a proxy may be another member or the chair" in text

        assert (await check(client, None, BAD)).status == 403

        page = await (await check(client, token, BAD, "bad.toml")).text()
        listed = [unescape(p) for p in LISTED.findall(page)]
        assert listed == [f"bad.toml: {p}" for p in BAD_PROBLEMS]
        assert "<strong>Error:</strong> 3 problems: correct them and check the file again." in page
        # The same words as the command line, in the same order.
        (tmp_path / "bad.toml").write_text(BAD)
        said = CliRunner().invoke(cli, ["rules", "check", str(tmp_path / "bad.toml")]).output
        assert [line.removeprefix(f"mutual-voice: {tmp_path}/") for line in said.splitlines()] == (
            listed
        )

        example = (ROOT / "examples" / "rules.toml").read_text()
        page = unescape(await (await check(client, token, example)).text())
        assert "Riverside Homes Co-operative Ltd: the rules are valid." in page
        for line in parse_rules(example).summary():
            assert f"<li>{line}</li>" in page
        assert (tmp_path / "rules.toml").read_bytes() == in_force  # nothing changed

        page = await (await check(client, token, "x = [")).text()
        assert [unescape(p) for p in LISTED.findall(page)] == [
            "new-rules.toml: not valid TOML: Invalid value (at end of document)"
        ]


async def test_no_rules_set(app):
    app.ctx.policy = dataclasses.replace(
        app.ctx.policy,
        organisation=dataclasses.replace(app.ctx.policy.organisation, rules=""),
    )
    async with served(app) as client:
        await signed_in(client, app)
        page = unescape(await (await client.get("/rules")).text())
        assert NOT_SET[0].upper() + NOT_SET[1:] + "." in page
