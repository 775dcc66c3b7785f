"""The console demo's general meeting, through the installed `mutual-voice` command: a
newcomer who types /help finds /meeting, replies to the notice, appoints a proxy and
stands for the board; on the day (the process under `faketime`) /help offers /here and
they check in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import ROOT

STATEMENT = "I have lived at Oak House for ten years and chair the residents' group."


def mutual_voice(folder, *args: str, stdin: str = "", at: datetime | None = None):
    """The installed command running this checkout's code; `at`: the process's clock."""
    command = shutil.which("mutual-voice")
    assert command, "pip install -e . puts mutual-voice on the PATH"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_VOICE")}
    env |= {"PYTHONPATH": str(ROOT), "TZ": "UTC"}
    prefix = []
    if at is not None:
        # Not inside the suite's own faketime (CI's): nested, the two offsets would add up.
        env = {k: v for k, v in env.items() if not k.startswith("FAKETIME")}
        env.pop("LD_PRELOAD", None)
        prefix = ["faketime", f"{at:%Y-%m-%d %H:%M:%S}"]
    done = subprocess.run(
        [*prefix, command, *args],
        cwd=folder,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_demo_meeting_from_help_to_check_in(tmp_path):
    said = mutual_voice(
        tmp_path,
        "run",
        stdin="\n".join(
            [
                "/help",
                "/meeting",
                "1",  # I'll come in person
                "/proxy Lee Chen",
                "/nominate",
                "1",  # Stand: Board
                STATEMENT,
                "Lee Chen",  # the seconder
                "",
            ]
        ),
    )
    helped = said.split("> /help")[1].split("> /meeting")[0]
    assert "/meeting - the general meeting: its notice and your reply" in helped
    assert "/proxy - appoint or revoke your proxy for the general meeting" in helped
    assert "/nominate - stand for election at the general meeting" in helped
    assert "/here - " not in helped  # not till the day
    notice = said.split("> /meeting")[1].split("> 1")[0]
    assert "ANNUAL GENERAL MEETING" in notice
    assert "4. Adopt the new rules (special resolution)" in notice
    assert "1) I'll come in person" in notice and "5) Stand for election" in notice
    assert "we've noted you'll come in person to Annual general meeting" in said
    assert "Done: Lee Chen is your proxy at Annual general meeting." in said
    assert "I've asked Lee Chen to second your nomination" in said

    shown = json.loads(mutual_voice(tmp_path, "meeting", "show", "demo-agm", "--json"))
    assert shown["eligible"] == 12 and shown["rsvp"]["in-person"] == 1
    assert shown["proxies"]["holders"] == [
        {"count": 1, "holder": "demo-tenant-2", "members": ["demo-tenant-1"]}
    ]
    starts = datetime.fromisoformat(shown["starts"]).astimezone(UTC)
    on_the_day = mutual_voice(
        tmp_path, "run", stdin="/help\n/here\n1\n", at=starts + timedelta(minutes=5)
    )
    helped = on_the_day.split("> /help")[1].split("> /here")[0]
    assert "/here - check in at the general meeting, in the room or online" in helped
    assert "/nominate - " not in helped  # nominations closed a week in
    assert "You're checked in to Annual general meeting, in the room. Welcome!" in on_the_day
