"""A meeting's notice to the roll, RSVPs in chat, check-in (teller and /here), quorum live."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from handlers.meetings import attendance
from handlers.meetings.admin import create_meeting
from handlers.meetings.notice import notices
from handlers.members.identity import member_for
from handlers.messages import Choice, unquoted
from handlers.schedule import Pause
from handlers.settings import Organisation, Policy
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.handlers.votes.test_votes import Kit
from tests.helpers import START, make_context

RULES = """
[eligibility]
constituencies = ["tenant", "staff"]
[notice]
clear_days = 14
[quorum]
members = 2
percent = 50
counts = ["in-person", "online", "proxy"]
[proxies]
allowed = false
"""
ROSTER = """member_id,name,email,constituency,timezone,language
t1,Pat Murphy,,tenant,,
t2,Lee Chen,,tenant,,cy
t3,Ruth Adeyemi,,tenant,America/New_York,
s1,Sam Okafor,,staff,,
x1,Alex Fund,,supporter,,
"""
AGM = Meeting(
    id="agm-2027",
    title="Annual general meeting 2027",
    starts=START + timedelta(days=20),  # 13 December 2026, 10:00 UTC
    agenda=(AgendaItem("Minutes"), AgendaItem("Adopt the new rules", resolution="special")),
    place="Riverside Community Hall",
    online="https://meet.example.org/agm",
)


def ruled_kit(tmp_path, rules: str = RULES) -> Kit:
    (tmp_path / "rules.toml").write_text(rules)
    organisation = Organisation(
        rules=str(tmp_path / "rules.toml"), constituencies=("staff", "tenant", "supporter")
    )
    ctx = make_context(policy=Policy(organisation=organisation))
    return Kit(ctx, ROSTER, linked=("t1", "t2", "t3", "s1", "x1"))


@pytest.fixture
def kit(tmp_path):
    made = ruled_kit(tmp_path)
    create_meeting(made.ctx, AGM, "test")
    yield made
    made.ctx.db.close()


def give_notice(kit: Kit) -> list:
    messages = list(notices(kit.ctx, AGM.id))
    kit.postman.post(messages)
    for message in messages:
        kit.last[message.to.member_id] = message
    return messages


def test_the_notice_goes_to_the_roll_in_each_members_language_and_zone_once(kit):
    messages = give_notice(kit)
    assert sorted(m.to.member_id for m in messages) == ["s1", "t1", "t2", "t3"]  # not x1
    by = {m.to.member_id: m for m in messages}
    english = unquoted(by["t1"].text)
    assert unquoted(by["t1"].title) == "Notice of a general meeting: Annual general meeting 2027"
    assert "When: Sunday 13 December at 10:00" in english
    assert "Where: Riverside Community Hall" in english
    assert "Online: https://meet.example.org/agm" in english
    assert "2. Adopt the new rules (special resolution)" in english
    assert english.endswith(
        "On the day, send /here when you arrive (or join online) to check in.\n"
        "Send /meeting to see this notice again."
    )
    assert "/proxy" not in english  # the rules here allow no proxies
    assert "When: Sunday 13 December at 05:00" in unquoted(by["t3"].text)  # New York
    assert [o.label for o in by["t1"].choices] == [
        "I'll come in person",
        "I'll join online",
        "I can't come",
    ]
    assert unquoted(by["t2"].title).startswith("Hysbysiad o gyfarfod cyffredinol")
    assert "Bydda i'n dod yn bersonol" in [o.label for o in by["t2"].choices]
    assert all(m.quiet_hours for m in messages)
    assert len({m.key for m in messages}) == 4
    # Giving the notice again (a re-run) sends nobody a second copy.
    assert kit.postman.post(list(notices(kit.ctx, AGM.id))).queued == 0
    (rows,) = kit.ctx.db.execute("select count(*) from outbox").fetchone()
    assert rows == 4


def test_members_reply_in_chat_and_may_change_until_the_start(kit):
    give_notice(kit)
    said = kit.press("t1", "I'll come in person")
    assert "come in person" in unquoted(said[0].text)
    kit.press("t2", "Bydda i'n ymuno")  # Welsh: online
    kit.press("t3", "I can't come")
    kit.press("t3", "I'll join online")  # changed their mind
    summary = attendance.summary(kit.ctx, AGM.id)
    assert summary["rsvp"] == {"in-person": 1, "online": 2, "no": 0}
    kit.ctx.clock.now = AGM.starts
    late = kit.press("s1", "I can't come")
    assert "has started, so replies are closed" in unquoted(late[0].text)
    assert attendance.summary(kit.ctx, AGM.id)["rsvp"]["no"] == 0


def test_a_member_not_on_the_roll_cannot_reply(kit):
    who = kit.sender("x1")
    member = member_for(kit.ctx, who.platform, who.platform_user_id)
    event = Choice(who, member, uuid.uuid4().hex, action="meeting.rsvp", value=f"{AGM.id}:p")
    (said,) = kit.router.dispatch(kit.ctx, event)
    assert "You're not on the roll of members" in said.text
    assert attendance.summary(kit.ctx, AGM.id)["rsvp"]["in-person"] == 0


def test_check_in_in_chat_during_the_window_and_by_a_teller(kit):
    kit.ctx.clock.now = AGM.starts - timedelta(hours=2)
    (early,) = kit.command("t1", "here")
    assert early.text == "There's no meeting you can check in to just now."
    with pytest.raises(attendance.CheckInProblem, match="check-in for agm-2027 is open from"):
        attendance.check_in(kit.ctx, AGM.id, "t2", "in-person", "teller")
    kit.ctx.clock.now = AGM.starts - timedelta(minutes=30)
    (asked,) = kit.command("t1", "here")
    assert [o.label for o in asked.choices] == ["I'm in the room", "I'm online"]
    (done,) = kit.press("t1", "I'm online")
    assert (
        unquoted(done.text) == "You're checked in to Annual general meeting 2027, online. Welcome!"
    )
    (again,) = kit.press("t1", "I'm in the room")
    assert unquoted(again.text) == "You're already checked in to Annual general meeting 2027."
    assert attendance.summary(kit.ctx, AGM.id)["quorum"] == {
        "needed": 2,  # 2 members, or 50% of 4 (2)
        "present": 1,
        "reached": False,
    }
    assert attendance.check_in(kit.ctx, AGM.id, "s1", "in-person", "teller") == (
        True,
        "in-person",
    )
    assert attendance.check_in(kit.ctx, AGM.id, "s1", "online", "teller") == (False, "in-person")
    with pytest.raises(attendance.CheckInProblem, match="x1 is not on the roll of agm-2027"):
        attendance.check_in(kit.ctx, AGM.id, "x1", "in-person", "teller")
    summary = attendance.summary(kit.ctx, AGM.id)
    assert summary["present"] == {"in-person": 1, "online": 1, "proxy": 0}
    assert summary["quorum"] == {"needed": 2, "present": 2, "reached": True}
    assert attendance.describe(summary)[-1] == "Quorum: reached: 2 members counted of 2 needed."
    kit.ctx.clock.now = AGM.starts + attendance.OPEN_FOR
    (closed,) = kit.command("t3", "here")
    assert closed.text == "There's no meeting you can check in to just now."


def test_only_the_kinds_the_rules_count_make_the_quorum(tmp_path):
    made = ruled_kit(tmp_path, RULES.replace('"in-person", "online", "proxy"', '"in-person"'))
    create_meeting(made.ctx, replace(AGM, starts=START + timedelta(days=20)), "test")
    made.ctx.clock.now = AGM.starts
    for member_id, how in (("t1", "online"), ("t2", "online"), ("t3", "in-person")):
        attendance.check_in(made.ctx, AGM.id, member_id, how, "teller")
    found = attendance.stored(made.ctx, AGM.id)
    assert found is not None
    assert attendance.quorum(made.ctx, found, by_proxy=5).present == 1
    assert not attendance.quorum(made.ctx, found).reached
    made.ctx.db.close()


def test_proxies_count_when_the_rules_say(kit):
    kit.ctx.clock.now = AGM.starts
    attendance.check_in(kit.ctx, AGM.id, "t1", "in-person", "teller")
    found = attendance.stored(kit.ctx, AGM.id)
    assert found is not None
    assert attendance.quorum(kit.ctx, found, by_proxy=1).reached
    assert attendance.summary(kit.ctx, AGM.id, by_proxy=1)["present"]["proxy"] == 1


def test_at_the_start_those_coming_get_the_check_in_buttons_once(kit):
    give_notice(kit)
    kit.press("t1", "I'll come in person")
    kit.press("t2", "Bydda i'n ymuno")
    kit.press("t3", "I can't come")
    kit.ctx.clock.now = AGM.starts - timedelta(minutes=30)
    attendance.check_in(kit.ctx, AGM.id, "t2", "online", "teller")  # here already
    assert list(attendance.reminders(kit.ctx, kit.ctx.now())) == []  # not started yet
    kit.ctx.clock.now = AGM.starts + timedelta(minutes=1)
    drawn = list(attendance.reminders(kit.ctx, kit.ctx.now()))
    messages = [m for m in drawn if not isinstance(m, Pause)]
    assert [m.to.member_id for m in messages] == ["t1"]  # t2 is in, t3 is not coming
    (reminder,) = messages
    assert unquoted(reminder.title) == "Starting now: Annual general meeting 2027"
    assert not reminder.quiet_hours  # they said they would come: at any hour
    kit.postman.post(messages)
    kit.last["t1"] = reminder
    (done,) = kit.press("t1", "I'm in the room")
    assert "in the room. Welcome!" in done.text
    assert list(attendance.reminders(kit.ctx, kit.ctx.now())) == []  # once
    assert [job.id for job in attendance.jobs(kit.ctx)] == ["meetings"]


def test_an_erased_member_leaves_their_count_not_their_name(kit):
    from storage.privacy import erase_member

    give_notice(kit)
    kit.press("t1", "I'll come in person")
    kit.ctx.clock.now = AGM.starts
    attendance.check_in(kit.ctx, AGM.id, "t1", "in-person", "teller")
    erase_member(kit.ctx.db, "t1", kit.ctx.now())
    summary = attendance.summary(kit.ctx, AGM.id)
    assert summary["rsvp"]["in-person"] == 1 and summary["present"]["in-person"] == 1
    rows = list(kit.ctx.db.query("select member_id from meeting_attendance"))
    assert rows == [{"member_id": None}]
