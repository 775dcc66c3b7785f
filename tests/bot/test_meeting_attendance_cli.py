"""`meeting create` gives notice; `meeting checkin` (by id or letter code) and `meeting show`
with replies, attendance and the quorum, on a real database and the wall clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.app import App
from handlers.context import system_clock
from handlers.members.invites import issue
from tests.bot.test_vote_cli import folder, mv
from tests.helpers import ROOT, link, make_context

__all__ = ["folder"]  # the fixture: a folder with a database and a roster of four

RULES = """
[eligibility]
constituencies = ["tenant", "staff"]
[notice]
clear_days = 0
[quorum]
members = 2
counts = ["in-person", "online"]
[proxies]
allowed = false
"""


def meeting_starting_soon(folder) -> None:
    """A meeting starting in half an hour: check-in (from an hour before) is open now."""
    (folder / "rules.toml").write_text(RULES)
    (folder / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    starts = (datetime.now(UTC) + timedelta(minutes=30)).replace(microsecond=0)
    (folder / "egm.toml").write_text(
        f'id = "egm"\ntitle = "Special general meeting"\nkind = "general"\n'
        f"starts = {starts.isoformat().replace('+00:00', 'Z')}\n"
        'place = "The hall"\n[[agenda]]\ntitle = "Adopt the new rules"\nresolution = "special"\n'
    )


def test_create_gives_notice_then_tellers_check_members_in(folder):
    meeting_starting_soon(folder)
    ctx = make_context(path=folder / "mutual-voice.db")
    ctx.clock = system_clock
    link(ctx, "t1")
    link(ctx, "t2")
    (letter,) = issue(ctx, ["t3"], "test")
    ctx.db.close()
    created = mv("meeting", "create", "egm.toml")
    assert created.exit_code == 0, created.output
    assert "Notice queued to 2 members on their channels (2 not connected to the bot yet)." in (
        created.output
    )
    again = mv("meeting", "checkin", "egm", "--member", "t1")
    assert again.output.splitlines() == [
        "Checked in t1 (in person).",
        "Quorum not reached: 1 of 2 needed.",
    ]
    assert mv("meeting", "checkin", "egm", "--member", "t1", "--online").output.startswith(
        "t1 was already checked in (in person)."
    )
    # The link a letter's QR code holds, as a scanner at the door types it, does as well.
    scanned = f"https://t.me/riverside_bot?start={letter.token}"
    by_code = mv("meeting", "checkin", "egm", "--code", scanned, "--online")
    assert by_code.output.splitlines() == [
        "Checked in t3 (online).",
        "Quorum reached: 2 of 2 needed.",
    ]
    stranger = mv("meeting", "checkin", "egm", "--member", "nobody")
    assert stranger.exit_code == 1 and "nobody is not on the roll of egm" in stranger.output
    wrong = mv("meeting", "checkin", "egm", "--code", "ABCD-EFGH-JKMN-PQRS")
    assert wrong.exit_code == 1
    assert mv("meeting", "checkin", "egm").exit_code == 2  # neither --member nor --code
    lines = mv("meeting", "show", "egm").output.splitlines()
    assert lines[-3:] == [
        "Replies: 0 coming in person, 0 online, 0 can't come.",
        "Present: 1 in person, 1 online, 0 by proxy.",
        "Quorum: reached: 2 members counted of 2 needed.",
    ]
    shown = json.loads(mv("meeting", "show", "egm", "--json").output)
    assert shown["present"] == {"in-person": 1, "online": 1, "proxy": 0}
    assert shown["quorum"] == {"needed": 2, "present": 2, "reached": True}


def test_a_motion_is_put_to_a_quorate_meeting_and_the_chair_closes_it(folder, monkeypatch):
    meeting_starting_soon(folder)
    ctx = make_context(path=folder / "mutual-voice.db")
    for member_id in ("t1", "t2"):
        link(ctx, member_id)
    ctx.db.close()
    (folder / "motion.toml").write_text((ROOT / "examples" / "motion-new-rules.toml").read_text())
    assert mv("meeting", "create", "egm.toml").exit_code == 0
    early = mv("meeting", "motion", "egm", "motion.toml")
    assert early.exit_code == 1 and "a motion is put to the meeting once it has started" in (
        early.output
    )
    assert mv("meeting", "checkin", "egm", "--member", "t1").exit_code == 0

    class Later(App):  # the meeting under way: forty minutes on
        def __init__(self, *args, **kwargs) -> None:
            later = datetime.now(UTC) + timedelta(minutes=40)
            super().__init__(*args, **{**kwargs, "clock": lambda: later})

    monkeypatch.setattr("bot.app.App", Later)
    refused = mv("meeting", "motion", "egm", "motion.toml")
    assert refused.exit_code == 1
    assert "egm is not quorate: 1 member counted present, and the society's rules need 2." in (
        refused.output
    )
    assert mv("meeting", "checkin", "egm", "--member", "t2", "--online").exit_code == 0
    put = mv("meeting", "motion", "egm", "motion.toml")
    assert put.exit_code == 0, put.output
    assert put.output.splitlines() == [
        "Put adopt-new-rules to the 2 members present: a special resolution, passed by at "
        "least 75% of votes cast For. The chair closes it with: mutual-voice vote close "
        "adopt-new-rules",
        "2 messages sent in chat: a ballot to each member present, and to each proxy holder "
        "present the ballots they hold.",
    ]
    closed = mv("vote", "close", "adopt-new-rules", "--yes")
    assert closed.exit_code == 0, closed.output
    assert closed.output.splitlines()[:2] == [
        "Closed adopt-new-rules. Special resolution: no votes were cast, so it is not passed.",
        "0 of 2 eligible members voted (0%).",  # the roll: the members present
    ]
