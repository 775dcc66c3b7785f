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
