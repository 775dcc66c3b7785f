"""`mutual-voice vote open` of an election put to a general meeting: the eligible figure
is the meeting's roll fixed on the notice date, as `vote list` shows it too."""

from __future__ import annotations

import json

from tests.bot.test_vote_cli import folder, mv
from tests.helpers import ROOT, run_mv

__all__ = ["folder"]  # the fixture: a folder with a database and a roster of four

# t3 is a staff member now; t8 and t9 joined after the notice.
LATER = """member_id,name,email,constituency
t1,Pat Murphy,,tenant
t2,Lee Chen,,tenant
t3,Ruth Adeyemi,,staff
s1,Sam Okafor,,staff
t8,Siân Llŷr,,tenant
t9,Dara Kelly,,tenant
"""
ELECTION = """
id = "tenant-seat"
title = "Tenant council seat"
explanation = "One seat on the tenant council."
method = "stv"
seats = 1
constituencies = ["tenant"]
meeting = "{meeting}"
closes = 2099-03-14T17:00:00
[[candidates]]
name = "Pat Murphy"
[[candidates]]
name = "Lee Chen"
"""


def test_vote_open_counts_the_tenants_on_the_meetings_roll(folder):
    example = (ROOT / "examples" / "rules.toml").read_text()
    (folder / "rules.toml").write_text(example.replace("minimum_membership_days = 28", ""))
    (folder / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    agm = (ROOT / "examples" / "meeting-agm.toml").read_text()
    (folder / "agm.toml").write_text(agm.replace("2027-03-20T14:00:00", "2099-03-20T14:00:00"))
    (folder / "seat.toml").write_text(ELECTION.format(meeting="agm-2099"))
    unknown = mv("vote", "create", "seat.toml")
    assert unknown.exit_code == 1
    assert "seat.toml: meeting: there is no general meeting 'agm-2099'" in unknown.output

    assert mv("meeting", "create", "agm.toml").exit_code == 0
    (folder / "roster.csv").write_text(LATER)
    assert mv("members", "import", "roster.csv").exit_code == 0
    (folder / "seat.toml").write_text(ELECTION.format(meeting="agm-2027"))
    created = mv("vote", "create", "seat.toml")
    assert created.exit_code == 0, created.output
    assert (
        "Under the society's rules: an election by single transferable vote; the roll: the "
        "members on the roll of agm-2027, fixed when its notice was given."
    ) in created.output.splitlines()

    opened = run_mv(folder, "vote", "open", "tenant-seat")
    assert opened.returncode == 0, opened.stderr
    # t1, t2 and t3 (a tenant on the roll); not t8 or t9, who joined after the notice.
    assert ": 3 eligible members, " in opened.stdout
    # A process again: this one's connections from `mv` would not see its writes rightly.
    listed = run_mv(folder, "vote", "list", "--json")
    [row] = json.loads(listed.stdout)
    assert (row["vote"], row["status"], row["eligible"]) == ("tenant-seat", "open", 3)
