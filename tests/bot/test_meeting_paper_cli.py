"""`mutual-voice meeting paper ID FILE --teller NAME` (two tellers, then --accept) and
`meeting declare ID --pdf FILE --markdown FILE [--json]` on a real database file; the
returning officer's sign-off with the installed command (`--returning-officer --tell-members`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pypdfium2

from storage import audit
from storage.db import open_database
from tests.bot.test_vote_cli import cast, folder, mv
from tests.helpers import ROOT

__all__ = ["folder"]  # the fixture: a folder with a database and a roster of four

ANN = """vote,member,choice,spoilt,origin
agm,t2,For,,paper
agm,t3,against,,post
agm,t1,for,,paper
agm,s1,for,,paper
"""


def mutual_voice(folder, *args: str) -> subprocess.CompletedProcess:
    """The installed `mutual-voice` command, running this checkout's code."""
    command = shutil.which("mutual-voice")
    assert command, "pip install -e . puts mutual-voice on the PATH"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_VOICE")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [command, *args], cwd=folder, capture_output=True, text=True, env=env, timeout=60
    )


def test_tellers_enter_paper_ballots_and_the_declaration_is_made(folder):
    example = (ROOT / "examples" / "rules.toml").read_text()
    (folder / "rules.toml").write_text(example.replace("minimum_membership_days = 28", ""))
    (folder / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    meeting = (ROOT / "examples" / "meeting-agm.toml").read_text()
    (folder / "meeting.toml").write_text(
        meeting.replace("2027-03-20T14:00:00", "2099-03-20T14:00:00")
    )
    assert mv("meeting", "create", "meeting.toml").exit_code == 0
    with (folder / "agm.toml").open("a") as vote_file:
        vote_file.write('meeting = "agm-2027"\n')
    assert mv("vote", "create", "agm.toml").exit_code == 0
    assert mv("vote", "open", "agm").exit_code == 0
    cast(folder, "t1", "Against")  # t1 votes in chat before the papers are counted

    (folder / "ann.csv").write_text(ANN)
    (folder / "bo.csv").write_text(ANN.replace("t3,against", "t3,for"))
    first = mv("meeting", "paper", "agm-2027", "ann.csv", "--teller", "Ann")
    assert first.exit_code == 0 and first.output.startswith("Entered by Ann: 4 paper ballots.")
    differ = mv("meeting", "paper", "agm-2027", "bo.csv", "--teller", "Bo")
    assert differ.exit_code == 1
    assert "  vote agm, member t3: choice differ (line 3 of Ann's entry, line 3 of Bo's)" in (
        differ.output.splitlines()
    )
    early = mv("meeting", "declare", "agm-2027")
    assert early.exit_code == 1 and "entered by Ann and Bo are not counted yet" in early.output
    bad = mv(
        "meeting", "paper", "agm-2027", "ann.csv", "--accept", "Zed", "--returning-officer", "Dee"
    )
    assert bad.exit_code == 1 and "no entry by 'Zed' is waiting (waiting: Ann, Bo)" in bad.output
    accepted = mv(
        "meeting", "paper", "agm-2027", "--accept", "Ann", "--returning-officer", "Dee", "--json"
    )
    assert accepted.exit_code == 0, accepted.output
    done = json.loads(accepted.output)
    assert done["counted"] == {"agm": 2}
    assert done["refused"]["agm"] == {
        "the member had already voted another way, and the first ballot counts": 1,
        "not eligible for this vote (another constituency)": 1,
    }
    assert mv("vote", "close", "agm", "--yes").exit_code == 0

    made = mv(
        "meeting",
        "declare",
        "agm-2027",
        "--pdf",
        "declaration.pdf",
        "--markdown",
        "declaration.md",
        "--returning-officer",
        "Dee Officer",
    )
    assert made.exit_code == 0, made.output
    markdown = (folder / "declaration.md").read_text()
    assert "Electorate: 3. Voted: 3 (100%)." in markdown
    assert "| 1 | 2 | 0 | 3 |" in markdown  # for, against, abstain, votes cast
    document = pypdfium2.PdfDocument(folder / "declaration.pdf")
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    document.close()
    assert "Declaration of results: Annual general meeting 2027" in text
    assert "Refused ballots: 2" in text and "Declared by the returning officer, Dee Officer" in text
    shown = json.loads(mv("meeting", "declare", "agm-2027", "--json").output)
    assert shown["items"][0]["refused"] == done["refused"]["agm"]
    assert shown["signed_off"] is None
    unnamed = mv("meeting", "declare", "agm-2027", "--tell-members")
    assert unnamed.exit_code == 2 and "name them with --returning-officer" in unnamed.output

    # The returning officer signs it off with the installed command: recorded once, and
    # members are told once (of the roll of four, only t1 has a chat linked here).
    sign = ("meeting", "declare", "agm-2027", "--returning-officer", "Dee Officer")
    signed = mutual_voice(folder, *sign, "--tell-members", "--markdown", "signed.md")
    assert signed.returncode == 0, signed.stderr
    assert re.fullmatch(
        r"Signed off by Dee Officer on \d{4}-\d\d-\d\d \d\d:\d\d; 1 result message queued "
        r"\(members who can be reached, each once\)\.\n",
        signed.stdout,
    )
    assert "Signed off by Dee Officer on " in (folder / "signed.md").read_text()
    again = mv(*sign, "--tell-members", "--markdown", "again.md")
    assert again.exit_code == 1 and "it is signed off once" in again.output
    assert "the declaration of agm-2027 was signed off by Dee Officer on " in again.output
    shown = json.loads(mv("meeting", "declare", "agm-2027", "--json").output)
    assert (
        shown["signed_off"]["by"] == "Dee Officer" and shown["returning_officer"] == "Dee Officer"
    )
    assert shown["items"][0]["refused"] == done["refused"]["agm"]
    db = open_database(folder / "mutual-voice.db")
    queued = db.execute("select count(*) from outbox where key like '%:declaration:%'").fetchone()
    [entry] = audit.entries(db, "meeting.declaration.signoff")
    db.close()
    assert queued == (1,)
    assert entry["actor"] == "cli" and json.loads(entry["detail"])["returning_officer"] == (
        "Dee Officer"
    )
    missing = mv("meeting", "declare", "nope")
    assert missing.exit_code == 1 and "no meeting with id 'nope'" in missing.output
