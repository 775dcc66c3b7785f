"""`/console` in chat, `mutual-voice web`, and the [web] config keys."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from handlers import build_router
from handlers.console.signin import NOT_SERVED
from handlers.messages import Command, Member, Recipient, Sender
from handlers.router import NOT_ALLOWED
from handlers.settings import Admin, Policy
from storage import outbox
from storage.console import queries as console_rows
from tests.helpers import add_members

ROOT = Path(__file__).resolve().parents[2]


def command(member_id: str, name: str = "console") -> Command:
    return Command(
        Sender("telegram", f"u-{member_id}", f"u-{member_id}"),
        Member(member_id, member_id, "staff"),
        f"e-{member_id}",
        name=name,
    )


def test_console_sends_an_officer_a_private_link(ctx) -> None:
    add_members(ctx)
    ctx.policy = dataclasses.replace(Policy(), admin=Admin(officers=("s1",)))
    ctx.console_url = "https://voice.example.org"
    router = build_router()

    (sent,) = router.dispatch(ctx, command("s1"))
    assert sent.to == Recipient.of("s1")
    assert "https://voice.example.org/signin/" in sent.text and "10 minutes" in sent.text
    token = sent.text.rsplit("/signin/", 1)[1]
    assert console_rows.use_link(ctx.db, token, ctx.now()) == "s1"
    stored = str(list(ctx.db["console_links"].rows))
    assert token not in stored  # only its hash is kept

    (refused,) = router.dispatch(ctx, command("t1"))
    assert refused.text == NOT_ALLOWED


def test_console_says_so_when_no_console_is_served(ctx) -> None:
    ctx.policy = dataclasses.replace(Policy(), admin=Admin(officers=("s1",)))
    (sent,) = build_router().dispatch(ctx, command("s1"))
    assert sent.text == NOT_SERVED


def test_a_delivered_link_is_blanked_when_the_next_is_issued(ctx) -> None:
    from handlers.console import signin as console

    add_members(ctx)
    ctx.policy = dataclasses.replace(Policy(), admin=Admin(officers=("s1",)))
    ctx.console_url = "https://voice.example.org"
    first = console.console_command(ctx, command("s1"))
    outbox.enqueue(
        ctx.db,
        [
            {
                "key": first.key,
                "platform": "telegram",
                "chat_id": "u-s1",
                "member_id": "s1",
                "payload": first.to_payload(),
                "quiet": False,
                "timezone": "Europe/London",
            }
        ],
        ctx.now(),
    )
    (row,) = outbox.claim_due(ctx.db, "telegram", ctx.now(), 10)
    outbox.mark_sent(ctx.db, row, ctx.now())
    console.issue_link(ctx, "s1", "test")
    (row,) = outbox.rows_for(ctx.db)
    assert "/signin/" not in str(row["payload"])


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[web]\nport = 0", "web.port: must be a port number from 1 to 65535 (got 0)"),
        ('[web]\nport = "80"', "web.port: must be a whole number"),
        ('[web]\npublic_url = "voice.example.org"', "web.public_url: must be the console's"),
        ('[web]\nlisten = " "', "web.listen: must be an address"),
        ("[web]\nenable = true", "unknown key 'web.enable'"),
    ],
)
def test_bad_web_settings_are_one_clear_line(tmp_path, toml: str, message: str) -> None:
    path = tmp_path / "mutual-voice.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(path, environ={})


def test_web_settings_give_the_console_address(tmp_path) -> None:
    path = tmp_path / "mutual-voice.toml"
    path.write_text("[web]\nenabled = true\nport = 8181\n")
    assert load_settings(path, environ={}).web.base_url == "http://127.0.0.1:8181"
    path.write_text('[web]\npublic_url = "https://voice.example.org/"\n')
    web = load_settings(path, environ={}).web
    assert web.base_url == "https://voice.example.org" and web.secure


def test_mutual_voice_web_serves_on_the_port_given(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from bot.cli import cli
    from bot.cli import web as web_command

    served = {}

    async def serve(console, lines) -> None:
        served["port"] = console.app.settings.web.port
        served["lines"] = lines

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    monkeypatch.setattr(web_command, "_serve", serve)
    result = CliRunner().invoke(cli, ["web", "--port", "8282"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 8282
    assert served["lines"][0].startswith("The officer's console is at http://127.0.0.1:8282/")
    assert served["lines"][2].startswith("http://127.0.0.1:8282/signin/")
    refused = CliRunner().invoke(cli, ["web", "--port", "0"])
    assert refused.exit_code == 2 and "0 is not in the range 1<=x<=65535" in refused.output


@pytest.mark.slow
def test_mutual_voice_web_prints_a_demo_sign_in_link_that_works(tmp_path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0].startswith(f"The officer's console is at http://127.0.0.1:{port}/")
        assert "sign in as demo-staff-1" in lines[1]
        link = lines[2].strip()
        assert link.startswith(f"http://127.0.0.1:{port}/signin/")
        with urllib.request.urlopen(link, timeout=10) as page:
            assert b"Sign in to the console" in page.read()
    finally:
        process.terminate()
        process.wait(timeout=20)
