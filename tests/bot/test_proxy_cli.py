"""`mutual-voice meeting proxy ID --member A --holder B` (and `--revoke`), `meeting
proxy-vote`, and the proxies in `meeting show --json`, on a real database file."""

from __future__ import annotations

import json

from tests.bot.test_cli import mv as run_process
from tests.bot.test_vote_cli import AGM, folder, mv
from tests.helpers import ROOT

__all__ = ["folder"]  # the fixture: a folder with a database and a roster of four


def test_proxies_appointed_refused_revoked_and_cast(folder):
    example = (ROOT / "examples" / "rules.toml").read_text()
    (folder / "rules.toml").write_text(example.replace("minimum_membership_days = 28", ""))
    (folder / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    meeting = (ROOT / "examples" / "meeting-agm.toml").read_text()
    (folder / "meeting.toml").write_text(
        meeting.replace("2027-03-20T14:00:00", "2099-03-20T14:00:00")
    )
    assert mv("meeting", "create", "meeting.toml").exit_code == 0
    (folder / "agm.toml").write_text(AGM + 'meeting = "agm-2027"\n')
    assert mv("vote", "create", "agm.toml").exit_code == 0
    assert mv("vote", "open", "agm").exit_code == 0

    appointed = mv(
        "meeting", "proxy", "agm-2027", "--member", "t1", "--holder", "t2",
        "--instruction", "agm=against",
    )  # fmt: skip
    assert appointed.exit_code == 0, appointed.output
    assert appointed.output == (
        "t1 appointed Lee Chen as their proxy for agm-2027; instructed: agm Against.\n"
    )
    assert mv("meeting", "proxy", "agm-2027", "--member", "t3", "--holder", "chair").exit_code == 0
    chain = mv("meeting", "proxy", "agm-2027", "--member", "t2", "--holder", "s1")
    assert chain.exit_code == 1
    assert chain.output.strip() == (
        "Error: Lee Chen holds proxies for other members, so cannot appoint a proxy: a proxy "
        "cannot be passed on."
    )
    bad = mv(
        "meeting", "proxy", "agm-2027", "--member", "s1", "--holder", "t3", "--instruction", "agm"
    )
    assert bad.exit_code == 2 and "give an instruction as VOTE-ID=CHOICE" in bad.output
    shown = json.loads(mv("meeting", "show", "agm-2027", "--json").output)
    assert shown["proxies"] == {
        "appointed": 2,
        "holders": [
            {"holder": "chair", "count": 1, "members": ["t3"]},
            {"holder": "t2", "count": 1, "members": ["t1"]},
        ],
    }
    assert "agm=" not in json.dumps(shown)  # instructions are for the proxy alone

    # Casting: an instructed proxy only as instructed; the chair's proxies at the desk.
    args = ("meeting", "proxy-vote", "agm-2027", "--vote", "agm")
    wrong = mv(*args, "--holder", "t2", "--member", "t1", "--choice", "For")
    assert wrong.exit_code == 1 and "Pat Murphy asked you to vote Against" in wrong.output
    two = mv(*args, "--holder", "t2", "--member", "t1", "--choice", "For", "--choice", "Against")
    assert two.exit_code == 2 and "agm takes one choice, not 2" in two.output
    cast = mv(*args, "--holder", "t2", "--member", "t1", "--choice", "Against", "--json")
    assert cast.exit_code == 0, cast.output
    assert json.loads(cast.output)["outcome"] == "cast"
    assert mv(*args, "--holder", "chair", "--member", "t3", "--choice", "For").exit_code == 0
    not_held = mv(*args, "--holder", "t2", "--member", "t3", "--choice", "For")
    assert "You do not hold a proxy for Ruth Adeyemi in Adopt the new rules." in not_held.output
    assert mv("meeting", "proxy", "agm-2027", "--member", "t3", "--revoke").exit_code == 0
    # The proxy ballots' replacement keys came from a secret kept beside the database
    # while the vote was open; the close forgets it.
    keys = folder / "mutual-voice.db.keys"
    assert "vote:agm" in json.loads(keys.read_text())
    assert mv("vote", "close", "agm", "--yes").exit_code == 0
    assert "vote:agm" not in json.loads(keys.read_text())
    result = json.loads(mv("vote", "results", "agm", "--json").output)
    assert (result["voted"], result["count"]["for"], result["count"]["against"]) == (2, 1, 1)
    ballots = json.loads(mv("vote", "ballots", "agm", "--json").output)["ballots"]
    assert sorted(b["raw"] for b in ballots) == ["against", "for"]


def test_the_installed_command_lists_the_proxy_commands(tmp_path):
    shown = run_process(tmp_path, "meeting", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "proxy " in shown.stdout and "proxy-vote" in shown.stdout
    help_text = mv("meeting", "proxy", "--help").output
    assert "--instruction VOTE-ID=CHOICE" in help_text and "--revoke" in help_text
