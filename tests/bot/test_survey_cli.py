"""`mutual-voice survey ...` on a real database file, and `/pulse` in the console demo."""

from __future__ import annotations

import asyncio
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import App
from bot.cli import cli
from bot.cli import survey as survey_cli
from bot.config import load_settings
from bot.runner import run_console
from handlers.context import Context
from storage import members, outbox
from storage.db import open_database
from storage.pulses import queries as pulses
from tests.handlers.pulses.test_pulse_chat import PulseChat, roster
from tests.helpers import FakeClock, link, run_mv

ROOT = Path(__file__).parents[2]
DOCS = (ROOT / "docs" / "officer-guide" / "pulses.md",)
FULL = ["Agree", "Strongly agree", "Agree", "Neither", "9"]


def mv(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """Twelve staff imported through the CLI; ten of them have joined on Telegram."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    (tmp_path / "roster.csv").write_text(roster(staff=12))
    open_database(tmp_path / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
    assert mv("members", "import", "roster.csv").exit_code == 0
    db = open_database(tmp_path / "mutual-voice.db")
    ctx = Context(db)
    for member in members.all_members(db)[:10]:
        link(ctx, member["member_id"])
    db.close()
    return tmp_path


def answer(folder, member_ids):
    """Members answer through the handlers, on the database the CLI uses."""
    ctx = Context(open_database(folder / "mutual-voice.db"))
    chat = PulseChat(ctx)
    for member_id in member_ids:
        chat.answer(member_id, FULL)
    ctx.db.close()


def test_send_queues_invitations_and_results_json_hides_then_shows(folder):
    sent = mv("survey", "send", "staff-pulse")
    assert sent.exit_code == 0, sent.output
    assert "Opened round 1 of staff-pulse (Staff pulse) for 12 members" in sent.output
    assert "Queued 10 invitations" in sent.output
    assert "2 members have not joined yet" in sent.output
    db = open_database(folder / "mutual-voice.db")
    rows = outbox.rows_for(db)
    assert len(rows) == 10 and {r["quiet"] for r in rows} == {1}
    db.close()

    answer(folder, [f"staff-{n:02d}" for n in range(1, 5)])
    four = json.loads(mv("survey", "results", "staff-pulse", "--json").stdout)
    assert (four["respondents"], four["eligible"], four["round"]["status"]) == (4, 12, "open")
    assert four["questions"] == [] and four["still_open"] and four["comments"] is None

    answer(folder, ["staff-05", "staff-06"])
    so_far = mv("survey", "results", "staff-pulse").output
    assert "Answered so far: 6 of 12 (50%)" in so_far and "average" not in so_far
    assert mv("survey", "close", "staff-pulse").exit_code == 0
    six = json.loads(mv("survey", "results", "staff-pulse", "--round", "1", "--json").stdout)
    voice = next(q for q in six["questions"] if q["id"] == "voice")
    assert voice["mean"] == 4.0 and voice["distribution"]["4"] == 6
    assert next(q for q in six["questions"] if q["id"] == "enps")["enps"] == 100
    text = mv("survey", "results", "staff-pulse").output
    assert "Answered: 6 of 12 (50%)" in text and "average 4 out of 5" in text
    assert "By channel: Telegram 6." in text.splitlines()
    assert six["turnout_by_channel"] == {"telegram": 6}


def test_list_close_and_send_again(folder):
    listed = json.loads(mv("survey", "list", "--json").output)
    assert {row["id"] for row in listed} == {"staff-pulse", "tenant-pulse"}
    mv("survey", "send", "staff-pulse")
    again = mv("survey", "send", "staff-pulse")
    assert again.exit_code == 1 and "round 1 of staff-pulse is still open" in again.output
    answer(folder, ["staff-01"])
    table = mv("survey", "list").output
    assert "1: open, 1 of 12 answered" in table
    closed = mv("survey", "close", "staff-pulse")
    assert closed.exit_code == 0 and "Closed round 1 of staff-pulse." in closed.output
    assert mv("survey", "send", "staff-pulse").exit_code == 0
    [staff] = [r for r in json.loads(mv("survey", "list", "--json").output) if r["rounds"]]
    assert [(r["number"], r["status"], r["respondents"]) for r in staff["rounds"]] == [
        (1, "closed", 1),
        (2, "open", 0),
    ]
    unknown = mv("survey", "send", "nope")
    assert unknown.exit_code == 1 and "no survey 'nope' (known: staff-pulse, tenant-pulse" in (
        unknown.output
    )
    missing = mv("survey", "results", "tenant-pulse")
    assert missing.exit_code == 1 and "has no rounds yet" in missing.output


def test_follow_shows_delivery_as_the_running_bot_sends(folder, monkeypatch):
    db = open_database(folder / "mutual-voice.db")

    def bot_sends_some(seconds):  # the running bot, meanwhile, delivers a few more
        outbox.beat(db, "telegram", datetime.now(UTC))
        for row in outbox.claim_due(db, "telegram", datetime.now(UTC), 4):
            outbox.mark_sent(db, row, FakeClock()())

    monkeypatch.setattr(survey_cli.time, "sleep", bot_sends_some)
    outbox.beat(db, "telegram", datetime.now(UTC))  # the bot is running
    result = mv("survey", "send", "staff-pulse", "--follow")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    progress = [line for line in lines if line.startswith("Delivered")]
    assert progress == [
        "Delivered 0 of 10",
        "Delivered 4 of 10",
        "Delivered 8 of 10",
        "Delivered 10 of 10",
    ]
    assert "10 delivered." in lines
    assert pulses.invitation_progress(db, 1) == {"sent": 10}
    db.close()


def test_follow_with_no_bot_running_says_so_and_how_to_start_one(folder, monkeypatch):
    waits = []

    def nobody_sends(seconds):
        waits.append(seconds)
        if len(waits) > 5:
            raise AssertionError("still watching an outbox nobody sends from")

    monkeypatch.setattr(survey_cli.time, "sleep", nobody_sends)
    result = mv("survey", "send", "staff-pulse", "--follow")
    assert result.exit_code == 0, result.output
    assert "No bot is running" in result.output and "mutual-voice run" in result.output
    assert "Queued 10 invitations" in result.output
    assert "Delivered" not in result.output  # no bar, no label without a figure
    assert waits == []


def test_follow_says_a_console_bot_delivers_only_to_its_member(folder, monkeypatch):
    db = open_database(folder / "mutual-voice.db")

    def console_sends_all(seconds):
        platforms = {row["platform"] for row in outbox.rows_for(db) if row["status"] == "pending"}
        for platform in platforms:
            for row in outbox.claim_due(db, platform, datetime.now(UTC) + timedelta(days=1), 100):
                outbox.mark_sent(db, row, FakeClock()())

    monkeypatch.setattr(survey_cli.time, "sleep", console_sends_all)
    outbox.beat(db, "console", datetime.now(UTC))  # only the console demo is running
    result = mv("survey", "send", "staff-pulse", "--follow")
    assert result.exit_code == 0, result.output
    assert survey_cli.CONSOLE_ONLY in result.output
    assert "Delivered 10 of 10" in result.output
    db.close()


async def test_a_console_bot_waiting_for_input_counts_as_a_running_bot(tmp_path):
    """`survey send --follow` in another terminal sees the console demo as a running bot."""
    clock = FakeClock()
    app = App(load_settings(None), clock=clock, db=open_database(tmp_path / "demo.db"))
    assert app.seed_demo()
    reading, writing = os.pipe()
    with os.fdopen(reading) as stdin, os.fdopen(writing, "w") as typing:
        session = asyncio.ensure_future(run_console(app, "demo-tenant-1", stdin, io.StringIO()))
        async with asyncio.timeout(30):  # waits on the session, never on the clock
            while not outbox.live_senders(app.db, clock() - survey_cli.SENDER_SILENCE):
                assert not session.done(), session.result()
                await asyncio.sleep(0.01)
        typing.close()  # Ctrl-D
        await session
    app.db.close()


@pytest.mark.parametrize(
    ("survey", "expected"),
    [
        (
            'id = "x"\ntitle = "X"\naudience = ["staff"]\nthanks = "T"\n[[questions]]\n'
            'id = "q"\nkind = "scale"\ntext = "Q?"\nlabels = ["a", "b"]\n',
            "bad.toml: questions[1].labels: must have 5 labels, lowest first (it has 2)",
        ),
        (
            'id = "x"\ntitle = "X"\naudience = ["board"]\nthanks = "T"\n[[questions]]\n'
            'id = "q"\nkind = "scale"\ntext = "Q?"\n',
            "bad.toml: audience: 'board' is not one of this organisation's constituencies",
        ),
    ],
)
def test_an_invalid_definition_stops_start_up_with_one_line(tmp_path, survey, expected):
    # Not "surveys": `python -m bot` puts the current folder first on sys.path, and with an
    # editable install a folder of that name would shadow the surveys package.
    (tmp_path / "our-surveys").mkdir()
    (tmp_path / "our-surveys" / "bad.toml").write_text(survey)
    (tmp_path / "mutual-voice.toml").write_text('[surveys]\nfolder = "our-surveys"\n')
    open_database(tmp_path / "mutual-voice.db").close()
    for command in (["survey", "list"], ["run"]):
        result = run_mv(tmp_path, *command)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and expected in result.stderr
        assert "Traceback" not in result.stderr


async def test_console_demo_pulse_transcript(tmp_path):
    settings = load_settings(None)
    app = App(settings, clock=FakeClock(), db=open_database(tmp_path / "demo.db"))
    assert app.seed_demo()
    typed = "/pulse\n4\n5\n4\n3\n11\nMore time for training, please\n/pulse\n"
    out = io.StringIO()
    await run_console(app, "demo-staff-2", io.StringIO(typed), out)
    transcript = out.getvalue()
    assert "STAFF PULSE" in transcript
    assert "Question 1 of 6: I feel my voice is heard and acted on." in transcript
    assert "(updated)\nQuestion 1 of 6: I feel my voice is heard and acted on.\n✓ Agree" in (
        transcript
    )
    assert "  11) 10\n  12) Skip" in transcript
    assert (
        "✓ 10" in transcript and "✓ Comment saved, without your name." in transcript
    )  # 11) is the label 10
    assert "reports back in the monthly newsletter" in transcript
    assert transcript.rstrip().endswith(
        "You've answered the Staff pulse: thank you! It is open until 10:00 on Thu 26 Nov; "
        "the combined results are shared after that."
    )
    [tenant_round] = pulses.all_rounds(app.db, "tenant-pulse")
    assert tenant_round["closed_at"] is None


def test_the_guide_explains_pulses():
    text = "\n".join(path.read_text() for path in DOCS)
    for needle in (
        "mutual-voice survey send",
        "mutual-voice survey results",
        "anonymity_threshold",
        "[[questions]]",
        "/pause",
    ):
        assert needle in text, needle


def test_survey_check_lists_the_translations_members_would_miss(folder):
    surveys = folder / "surveys"
    surveys.mkdir()
    (surveys / "wellbeing.toml").write_text(
        'id = "wellbeing"\n'
        'title = { en = "Wellbeing", cy = "Lles" }\n'
        'audience = ["staff"]\n'
        'thanks = "Thank you."\n'
        "[[questions]]\n"
        'id = "load"\n'
        'kind = "scale"\n'
        'text = "My workload is manageable."\n'
    )
    (folder / "mutual-voice.toml").write_text('[surveys]\nfolder = "surveys"\n')
    result = mv("survey", "check")
    assert result.exit_code == 0
    assert "3 surveys are valid. Members read: en." in result.output
    assert "staff-pulse: every text is translated." in result.output
    assert "wellbeing (" in result.output and "2 texts lack a translation:" in result.output
    assert "  questions[1].text: no cy ('My workload is manageable.')" in result.output
