"""`mutual-voice digest preview|send` on a real database file, and on the console demo."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from bot.cli import cli
from handlers.context import Context
from storage import members, outbox
from storage.db import open_database
from storage.digests import queries as digests
from tests.handlers.digests.test_digest_council import cast, resolution
from tests.handlers.pulses.test_pulse_chat import roster
from tests.helpers import link, run_mv

ROOT = Path(__file__).parents[2]
DOCS = (ROOT / "docs" / "officer-guide" / "digests.md",)


def mv(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def database(folder) -> Context:
    """The database the CLI uses, on the real clock as the CLI is."""
    return Context(open_database(folder / "mutual-voice.db"))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """Six staff and six tenants imported through the CLI, all joined on Telegram."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    (tmp_path / "roster.csv").write_text(roster(staff=6, tenants=6))
    open_database(tmp_path / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
    assert mv("members", "import", "roster.csv").exit_code == 0
    ctx = database(tmp_path)
    for member in members.all_members(ctx.db):
        link(ctx, member["member_id"])
    ctx.db.close()
    return tmp_path


def busy(folder) -> None:
    """A vote open to everyone, with three ballots in."""
    ctx = database(folder)
    resolution(ctx, "agm", "Approve the AGM minutes", days=5)
    cast(ctx, "agm", ["staff-01", "staff-02", "tenant-01"])
    ctx.db.close()


def nothing_queued(folder) -> None:
    ctx = database(folder)
    assert outbox.rows_for(ctx.db) == [] and digests.runs(ctx.db) == []
    ctx.db.close()


def test_preview_prints_the_digest_writes_the_chart_and_sends_nothing(folder):
    busy(folder)
    result = mv("digest", "preview", "--out", "previews")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("COUNCIL DIGEST: THE WEEK TO ")
    assert "VOTES\nOpen: Approve the AGM minutes: 3 of 12 voted (25%). Closes " in out
    [chart] = (folder / "previews").glob("council-*.png")
    assert f"Chart: {chart.resolve()}" in out
    with Image.open(chart) as image:
        assert image.size == (1000, 420)
    nothing_queued(folder)


def test_preview_json_gives_the_text_and_the_image_path(folder):
    busy(folder)
    data = json.loads(mv("digest", "preview", "--json").stdout)
    assert data["kind"] == "council" and data["messages"] == 1
    assert data["title"].startswith("Council digest: the week to ")
    assert "Approve the AGM minutes" in data["text"]
    image = Path(data["image"])
    assert image.exists() and image.parent == folder / "charts"
    assert datetime.fromisoformat(data["until"]) - datetime.fromisoformat(data["since"]) == (
        timedelta(days=7)
    ) or datetime.fromisoformat(data["until"]) > datetime.fromisoformat(data["since"])
    nothing_queued(folder)


def test_a_quiet_organisation_previews_as_one_line(folder):
    data = json.loads(mv("digest", "preview", "--json").stdout)
    assert data["text"].startswith("A quiet week: no check-ins, suggestions or votes since ")
    assert "\n" not in data["text"] and data["image"] is None
    members_data = json.loads(mv("digest", "preview", "--kind", "members", "--json").stdout)
    assert members_data["messages"] == 0
    assert members_data["text"].endswith("No newsletter would go out.")
    nothing_queued(folder)


def test_preview_a_members_newsletter(folder):
    busy(folder)
    ctx = database(folder)
    members.set_flag(ctx.db, "tenant-02", "newsletter_opt_out", True)
    ctx.db.close()
    first = mv("digest", "preview", "--kind", "members")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("NEWS FROM OUR MUTUAL\nComing up\n• Approve the AGM minutes:")
    # staff-01, the first reader, voted; an officer's preview must not say so while the
    # vote is open (their own copy thanks them): it reads as a non-voter's.
    assert "You've voted" not in first.output
    voter = json.loads(
        mv("digest", "preview", "--kind", "members", "--as", "staff-01", "--json").stdout
    )
    non_voter = json.loads(
        mv("digest", "preview", "--kind", "members", "--as", "staff-03", "--json").stdout
    )
    assert voter["text"] == non_voter["text"] and voter["member_id"] == "staff-01"
    mine = json.loads(
        mv("digest", "preview", "--kind", "members", "--as", "tenant-03", "--json").stdout
    )
    assert mine["member_id"] == "tenant-03" and mine["messages"] == 11 and mine["note"] is None
    assert "You've voted" not in mine["text"] and len(mine["text"]) <= 900
    opted = mv("digest", "preview", "--kind", "members", "--as", "tenant-02")
    assert opted.output.startswith("Tenant Person 2 has opted out of newsletters")
    unknown = mv("digest", "preview", "--kind", "members", "--as", "nobody")
    assert unknown.exit_code == 1 and "no member with id 'nobody'" in unknown.output
    nothing_queued(folder)


def test_send_queues_for_the_running_bot_and_the_next_digest_starts_there(folder):
    busy(folder)
    sent = mv("digest", "send", "--kind", "council")
    assert sent.exit_code == 0 and "Queued the council digest" in sent.output
    letters = mv("digest", "send", "--kind", "members")
    assert letters.exit_code == 0 and "Queued 12 newsletters" in letters.output
    ctx = database(folder)
    rows = outbox.rows_for(ctx.db)
    [council] = [r for r in rows if r["key"].startswith("digest:council:")]
    assert council["chat_id"] == "council" and council["payload"]["image"]
    assert len([r for r in rows if r["key"].startswith("digest:members:")]) == 12
    runs = digests.runs(ctx.db)
    assert [(r["kind"], r["by"]) for r in runs] == [("council", "cli"), ("members", "cli")]
    ctx.db.close()
    after = json.loads(mv("digest", "preview", "--json").stdout)
    assert after["since"] == runs[0]["until"]
    assert mv("digest", "send").exit_code == 2  # --kind is required


def test_the_docs_section_exists_and_covers_the_commands():
    needles = (
        "mutual-voice digest preview",
        "mutual-voice digest send --kind",
        "council_cron",
        "members_cron",
        "/settings",
        "anonymity_threshold",
    )
    texts = [path.read_text(encoding="utf-8") for path in DOCS]
    assert any(all(needle in text for needle in needles) for text in texts)


def test_preview_after_the_console_demo(tmp_path):
    """What the digests guide shows: answer a pulse in the demo, then preview the digest."""

    def run(*args, stdin=""):
        return run_mv(tmp_path, *args, stdin=stdin)

    demo = run("run", stdin="/pulse\n4\n")
    assert demo.returncode == 0, demo.stderr
    preview = run("digest", "preview")
    assert preview.returncode == 0, preview.stderr
    assert "CHECK-INS\nStaff pulse, round 1" in preview.stdout
    assert "VOTES\nOpen: Approve the minutes of last year's AGM" in preview.stdout
    assert "Chart: " in preview.stdout and "nothing was sent" in preview.stderr
    assert "Traceback" not in preview.stdout + preview.stderr
    assert datetime.now(UTC) > datetime(2020, 1, 1, tzinfo=UTC)
