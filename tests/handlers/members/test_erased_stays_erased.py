"""Re-importing a roster never brings back an erased member's personal data; the import
says which rows it left out and why, and the database keeps no personal data to know."""

from __future__ import annotations

import io
import json

from handlers.members import data as member_data
from handlers.members.roster import import_roster, preview
from storage import members
from storage.db import open_database
from tests.helpers import add_members, link, make_context, run_mv

ROSTER = """member_id,name,email,constituency,slack_user_id
t1,Pat Murphy,pat@example.org,tenant,
t2,Lee Chen,,tenant,
s1,Sam Okafor,sam@example.org,staff,U0SAM0001
"""


def reimport(ctx, text: str = ROSTER, skip_bad: bool = False):
    return import_roster(ctx, io.StringIO(text), skip_bad=skip_bad, actor="test")


def test_the_same_roster_again_leaves_the_erased_member_erased():
    ctx = make_context()
    add_members(ctx, ROSTER)
    member_data.erase(ctx, "t1", "officer")
    report = reimport(ctx)
    assert report.applied and report.imported == 2
    assert [(p.line, p.reason[:40]) for p in report.skipped] == [
        (2, "skipped: member_id 't1' belongs to a mem")
    ]
    assert "erased on 2026-11-23" in report.skipped[0].reason
    t1 = members.get(ctx.db, "t1")
    assert t1["erased_at"] and t1["name"] is None and t1["email"] is None
    assert members.get(ctx.db, "t2")["name"] == "Lee Chen"


def test_a_new_member_id_with_an_erased_members_email_or_slack_id_is_left_out():
    ctx = make_context()
    add_members(ctx, ROSTER)
    link(ctx, "s1", "slack", "U0SAM0002")  # linked by Slack, not by the roster's column
    member_data.erase(ctx, "t1", "officer")
    member_data.erase(ctx, "s1", "officer")
    again = (
        "member_id,name,email,constituency,slack_user_id\n"
        "t9,Pat Murphy,PAT@example.org,tenant,\n"  # the same address, other case
        "s9,Sam Okafor,,staff,U0SAM0001\n"
        "s8,Sam O.,,staff,U0SAM0002\n"
        "t3,Ann Other,ann@example.org,tenant,\n"
    )
    report = reimport(ctx, again)
    assert [p.line for p in report.skipped] == [2, 3, 4]
    assert "this email belongs to a member erased" in report.skipped[0].reason
    assert "this slack_user_id belongs to a member erased" in report.skipped[1].reason
    assert report.imported == 1
    assert {m["member_id"] for m in members.all_members(ctx.db)} == {"t2", "t3"}


def test_the_database_keeps_no_personal_data_of_an_erased_member(tmp_path):
    ctx = make_context(path=tmp_path / "mv.db")
    add_members(ctx, ROSTER)
    member_data.erase(ctx, "s1", "officer")
    ctx.db.close()
    raw = (tmp_path / "mv.db").read_bytes()
    wal = tmp_path / "mv.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    for personal in (b"Sam Okafor", b"sam@example.org", b"U0SAM0001"):
        assert personal not in raw


def test_the_preview_shows_the_rows_left_out_and_changes_nothing():
    ctx = make_context()
    add_members(ctx, ROSTER)
    member_data.erase(ctx, "t2", "officer")
    found = preview(ctx, io.StringIO(ROSTER))
    assert [p.line for p in found.skipped] == [3]
    assert [row["member_id"] for row, _ in found.changed] == []
    assert members.get(ctx.db, "t2")["name"] is None


def test_a_member_erased_before_the_hashes_existed_stays_erased_too():
    ctx = make_context()
    add_members(ctx, ROSTER)
    member_data.erase(ctx, "t1", "officer")
    ctx.db.execute("delete from erased_keys")  # as a database erased by an older version
    report = reimport(ctx)
    assert [p.line for p in report.skipped] == [2]
    assert members.get(ctx.db, "t1")["name"] is None


def test_the_cli_says_which_rows_it_skipped(tmp_path):
    (tmp_path / "mutual-voice.toml").write_text(
        '[organisation]\nname = "R"\nconstituencies = ["staff", "tenant"]\n'
        '[storage]\ndatabase = "mv.db"\n'
    )
    (tmp_path / "roster.csv").write_text(ROSTER)
    open_database(tmp_path / "mv.db").close()
    assert run_mv(tmp_path, "members", "import", "roster.csv").returncode == 0
    assert run_mv(tmp_path, "members", "erase", "t1", "--yes").returncode == 0
    again = run_mv(tmp_path, "members", "import", "roster.csv")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "Imported 2 members, skipped 1 erased member."
    assert again.stderr.startswith("roster.csv: line 2: skipped: member_id 't1' belongs")
    as_json = json.loads(run_mv(tmp_path, "members", "import", "roster.csv", "--json").stdout)
    assert as_json["imported"] == 2 and [s["line"] for s in as_json["skipped"]] == [2]
