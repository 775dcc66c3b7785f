"""`mutual-voice meeting create FILE` and `meeting show ID [--json]` on a real database."""

from __future__ import annotations

import json

from tests.bot.test_vote_cli import folder, mv
from tests.helpers import ROOT

__all__ = ["folder"]  # the fixture: a folder with a database and a roster of four


def test_create_and_show_a_meeting_by_the_example_rules(folder):
    example = (ROOT / "examples" / "rules.toml").read_text()
    # The roster was imported just now: no minimum length of membership, for this test.
    (folder / "rules.toml").write_text(example.replace("minimum_membership_days = 28", ""))
    (folder / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    agm = (ROOT / "examples" / "meeting-agm.toml").read_text()
    (folder / "agm.toml").write_text(agm.replace("2027-03-20T14:00:00", "2099-03-20T14:00:00"))
    created = mv("meeting", "create", "agm.toml")
    assert created.exit_code == 0, created.output
    lines = created.output.splitlines()
    assert lines[0] == "Created meeting agm-2027; its roll is fixed on the notice date."
    assert "Roll: 4 members eligible (staff 1, tenant 3), fixed on the notice date." in lines
    assert "Quorum: 10 members present (in person, online or by proxy)." in lines
    assert mv("meeting", "create", "agm.toml").exit_code == 1
    shown = json.loads(mv("meeting", "show", "agm-2027", "--json").output)
    assert [m["member_id"] for m in shown["roll"]] == ["s1", "t1", "t2", "t3"]
    assert shown["online"] == "https://meet.example.org/riverside-agm-2027"
    assert shown["agenda"][3] == {
        "title": "Adopt the new rules",
        "explanation": "That the society adopts the new rules circulated with this notice.",
        "resolution": "special",
        "needs": "at least 75%",
    }
    assert mv("meeting", "show", "agm-2027").output.splitlines()[0] == (
        "Annual general meeting 2027 (agm-2027, annual general meeting)"
    )
    missing = mv("meeting", "show", "nope")
    assert missing.exit_code == 1 and "no meeting with id 'nope'" in missing.output


def test_nominations_candidates_and_an_election_counted_from_the_command_line(folder):
    from handlers.context import system_clock
    from tests.handlers.meetings.test_nominations import say
    from tests.handlers.votes.test_votes import Kit
    from tests.helpers import make_context, run_mv

    rules = (ROOT / "examples" / "rules.toml").read_text()
    rules = rules.replace("minimum_membership_days = 28", "").replace(
        "seconder = true", "seconder = false"
    )
    (folder / "rules.toml").write_text(rules)
    (folder / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    agm = (ROOT / "examples" / "meeting-agm.toml").read_text()
    agm = agm.replace("2027-03-20T14:00:00", "2099-03-20T14:00:00").replace(
        "places = 3", "places = 1"
    )
    (folder / "agm.toml").write_text(agm)
    assert mv("meeting", "create", "agm.toml").exit_code == 0
    opened = mv("meeting", "nominations", "agm-2027", "--open")
    assert opened.exit_code == 0, opened.output
    # Tenants may stand for the board, the staff member for the staff council.
    assert "; 4 members who may stand are told." in opened.output.splitlines()[0]
    assert "Board (board, 1 place):" in opened.output

    ctx = make_context(path=folder / "mutual-voice.db")
    ctx.clock = system_clock
    kit = Kit(ctx, roster="", linked=("t1", "t2", "t3"))
    for member, statement in (("t1", "Twenty years a tenant."), ("t2", "Fix the lifts.")):
        kit.command(member, "nominate")
        kit.press(member, "Stand: Board")
        say(kit, member, statement)

    early = mv("meeting", "candidates", "agm-2027", "--confirm", "t1")
    assert early.exit_code == 1 and "are not closed" in early.output
    closed = mv("meeting", "nominations", "agm-2027", "--close")
    assert closed.exit_code == 0 and "Nominations for agm-2027: closed." in closed.output
    assert "  t1 Pat Murphy: nominated: waiting for the officer (4 words)" in closed.output
    no_reason = mv("meeting", "candidates", "agm-2027", "--reject", "t2")
    assert no_reason.exit_code == 1 and "give the reason" in no_reason.output
    for member in ("t1", "t2"):
        confirmed = mv("meeting", "candidates", "agm-2027", "--confirm", member)
        assert confirmed.exit_code == 0, confirmed.output
    shown = json.loads(mv("meeting", "candidates", "agm-2027", "--json").output)
    board = shown["seats"][0]["nominations"]
    assert [(n["member_id"], n["status"]) for n in board] == [
        ("t2", "confirmed"),
        ("t1", "confirmed"),
    ]

    created = mv(
        "meeting", "election", "agm-2027", "--seat", "board", "--closes", "2099-03-01T17:00"
    )
    assert created.exit_code == 0, created.output
    assert created.output.startswith(
        "Created vote agm-2027-board: stv for 1 of 2 candidates (Lee Chen, Pat Murphy)"
    )
    assert (
        mv("meeting", "election", "agm-2027", "--seat", "board", "--closes", "soon").exit_code == 2
    )
    assert mv("vote", "open", "agm-2027-board").exit_code == 0
    for member, first in (("t1", "Pat"), ("t2", "Lee"), ("t3", "Pat")):
        kit.vote(member, "agm-2027-board", first, "Done")
    ctx.db.close()
    counted = mv("vote", "close", "agm-2027-board", "--yes")
    assert counted.exit_code == 0, counted.output
    result = json.loads(mv("vote", "results", "agm-2027-board", "--json").output)
    assert result["count"]["elected"] == ["Pat Murphy"]

    helped = run_mv(folder, "meeting", "--help")
    assert helped.returncode == 0
    for command in ("nominations", "candidates", "election"):
        assert f"  {command} " in helped.stdout
