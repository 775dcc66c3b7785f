"""`mutual-voice sms estimate`: a dry run of a 1,000-member broadcast printing segments and
cost, and the same figures beside `survey send`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from bot.adapters.sms.estimate import SAMPLE_TOKEN
from bot.cli import cli
from handlers.context import Context
from storage import members
from storage.db import open_database
from tests.fakes.twilio_api import segments_of
from tests.helpers import ROOT, add_members

SID = "AC" + "0123456789abcdef" * 2
CONFIG = f"""[organisation]
name = {{ en = "Riverside Homes", cy = "Tŷ'r Afon" }}
constituencies = ["staff", "tenant"]
[web]
public_url = "https://mv.example"
[sms]
enabled = true
account_sid = "{SID}"
from_number = "+447700900999"
price_per_segment = 0.04
currency = "GBP"
"""
TOKEN = {"MUTUAL_VOICE_TWILIO_AUTH_TOKEN": "twilio-auth-token-for-tests"}
WELSH = 150


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """1,000 tenants reachable by SMS, 150 of them reading Welsh, and one who texted STOP."""
    folder = tmp_path_factory.mktemp("sms-cli")
    (folder / "mutual-voice.toml").write_text(CONFIG)
    db = open_database(folder / "mutual-voice.db")
    ctx = Context(db)
    add_members(
        ctx,
        "member_id,name,email,phone,constituency,language\n"
        + "".join(
            f"t{n:04d},Tenant {n},,+4477009{n:05d},tenant,{'cy' if n <= WELSH else 'en'}\n"
            for n in range(1, 1002)
        ),
    )
    for n in range(1, 1002):  # as the bot links the roster's phones when SMS is on
        number = f"+4477009{n:05d}"
        members.link_identity(db, "sms", number, number, f"t{n:04d}", ctx.now())
    members.mark_unreachable(db, "sms", "+447700901001", "texted STOP", ctx.now())
    db.close()
    return folder


def mutual_voice(folder, *args: str) -> subprocess.CompletedProcess:
    """The installed `mutual-voice` command, running this checkout's code."""
    command = shutil.which("mutual-voice")
    assert command, "pip install -e . puts mutual-voice on the PATH"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_VOICE")}
    env |= TOKEN | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [command, *args], cwd=folder, capture_output=True, text=True, env=env, timeout=60
    )


def test_the_command_is_in_the_help_of_the_installed_entry_point(folder):
    shown = mutual_voice(folder, "--help")
    assert shown.returncode == 0
    assert "sms" in shown.stdout.split() and "estimate a broadcast's segments" in shown.stdout


def test_a_dry_run_of_a_1000_member_broadcast_prints_segments_and_cost(folder, monkeypatch):
    link = f"https://mv.example/m/{SAMPLE_TOKEN}"
    english = segments_of(f"New vote: Riverside Homes\nAnswer on your own page: {link}")
    welsh = segments_of(f"Pleidlais newydd: Tŷ'r Afon\nAtebwch ar eich tudalen eich hun: {link}")
    assert (english, welsh) == (1, 2)  # one ŷ makes the Welsh text UCS-2: 70 a part

    printed = mutual_voice(folder, "sms", "estimate")
    assert printed.returncode == 0, printed.stderr
    total = (1000 - WELSH) * english + WELSH * welsh
    assert printed.stdout.strip() == (
        f"1,000 members by SMS, 1,000 invitations: {total:,} segments (1 segment an "
        f"invitation in English for 850; 2 segments an invitation in Welsh (UCS-2) for 150), "
        f"about {total * 0.04:,.2f} GBP at 0.04 a segment."
    )
    monkeypatch.chdir(folder)  # the same figures as JSON, in this process (a second faster)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    for key, value in TOKEN.items():
        monkeypatch.setenv(key, value)
    as_json = json.loads(CliRunner().invoke(cli, ["sms", "estimate", "--json"]).output)
    assert as_json["members"] == 1000 and as_json["segments"] == total
    assert as_json["cost"] == round(total * 0.04, 2)
    assert {g["language"]: g["encoding"] for g in as_json["languages"]} == {
        "cy": "UCS-2",
        "en": "GSM-7",
    }


def test_a_given_text_and_what_waits_after_survey_send(folder, monkeypatch):
    monkeypatch.chdir(folder)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    for key, value in TOKEN.items():
        monkeypatch.setenv(key, value)
    text = "Your rent statement is ready. " * 6  # 180 characters: two GSM-7 parts
    given = CliRunner().invoke(cli, ["sms", "estimate", "--text", text, "--json"])
    assert json.loads(given.output)["segments"] == 1000 * segments_of(text.strip()) == 2000

    sent = CliRunner().invoke(cli, ["survey", "send", "tenant-pulse"], catch_exceptions=False)
    assert sent.exit_code == 0, sent.output
    line = next(line for line in sent.output.splitlines() if "by SMS" in line)
    assert line.startswith("1,000 members by SMS, 1,000 texts:")
    assert "GBP at 0.04 a segment." in line
    waiting = json.loads(CliRunner().invoke(cli, ["sms", "estimate", "--waiting", "--json"]).output)
    assert waiting["texts"] == 1000 and f"{waiting['cost']:,.2f} GBP" in line
