"""`mutual-voice meeting motion` as a real process, its wall clock in the meeting: the
motion counts the members present by proxy and names who holds them."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.meetings import attendance
from handlers.meetings.admin import create_meeting
from handlers.meetings.proxies import appoint
from handlers.settings import Organisation, Policy
from storage.meetings import queries as meetings
from tests.handlers.meetings.test_proxies import AGM, PROXIES, RULES
from tests.helpers import ROOT, add_members, link, make_context, run_mv

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"t{n},Tenant {n},,tenant\n" for n in range(1, 7)
)


@pytest.mark.skipif(
    not LIBFAKETIME.exists() or not shutil.which("faketime"), reason="needs libfaketime"
)
def test_the_motion_is_put_to_those_present_and_to_the_proxies_they_hold(tmp_path):
    (tmp_path / "rules.toml").write_text(RULES.format(proxies=PROXIES))  # quorum 3
    (tmp_path / "mutual-voice.toml").write_text('[organisation]\nrules = "rules.toml"\n')
    organisation = Organisation(rules=str(tmp_path / "rules.toml"))
    ctx = make_context(path=tmp_path / "mutual-voice.db", policy=Policy(organisation=organisation))
    add_members(ctx, ROSTER)
    create_meeting(ctx, AGM, "test")
    for member_id in ("t1", "t2", "t3"):
        link(ctx, member_id)
    appoint(ctx, AGM.id, "t3", "t2")
    appoint(ctx, AGM.id, "t4", "t2")
    appoint(ctx, AGM.id, "t5", "chair")
    appoint(ctx, AGM.id, "t6", "t1")  # t1 stays away
    ctx.clock.now = AGM.starts + timedelta(minutes=10)
    attendance.check_in(ctx, AGM.id, "t2", "in-person", "teller")
    ctx.db.close()
    moment = AGM.starts + timedelta(minutes=15)
    env = {
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": f"@{moment:%Y-%m-%d %H:%M:%S}",
        "DONT_FAKE_MONOTONIC": "1",
        "TZ": "UTC",
    }
    motion = ROOT / "examples" / "motion-new-rules.toml"
    put = run_mv(tmp_path, "meeting", "motion", AGM.id, str(motion), env=env)
    assert put.returncode == 0, put.stderr
    # 1 checked in is short of 3; with t3, t4 (t2's) and t5 (the chair's) it is quorate.
    assert put.stdout.splitlines() == [
        "Put adopt-new-rules to the 1 member present and 3 members by proxy (t2 holds 2, the "
        "chair holds 1): a special resolution, passed by at least 75% of votes cast For. The "
        "chair closes it with: mutual-voice vote close adopt-new-rules",
        # t2's ballot and the buttons for the two members t2 represents
        "2 messages sent in chat: a ballot to each member present, and to each proxy holder "
        "present the ballots they hold.",
    ]
    ctx = make_context(path=tmp_path / "mutual-voice.db")
    assert meetings.motion(ctx.db, "adopt-new-rules")["by_proxy"] == 3
    (eligible,) = ctx.db.execute(
        "select eligible from votes where vote_id = 'adopt-new-rules'"
    ).fetchone()
    assert eligible == 4
    ctx.db.close()
