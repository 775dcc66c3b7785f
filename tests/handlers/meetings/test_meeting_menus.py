"""The meeting commands in /help while they apply to the member, and /meeting: the
notice again with the member's reply, the proxy and nomination buttons, check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.demo import DEMO_RULES
from handlers import home, i18n
from handlers.meetings import attendance, proxies
from handlers.meetings.admin import create_meeting
from handlers.meetings.nominations import open_nominations
from handlers.members.identity import member_for
from handlers.messages import unquoted
from handlers.settings import Organisation, Policy
from surveys.meetings.definitions import AgendaItem, Meeting, Seat
from tests.handlers.votes.test_votes import Kit
from tests.helpers import START, make_context

ROSTER = """member_id,name,email,constituency,timezone,language
t1,Pat Murphy,,tenant,,
t2,Lee Chen,,tenant,,cy
t3,Ruth Adeyemi,,tenant,,
s1,Sam Okafor,,staff,,
x1,Alex Fund,,supporter,,
"""
# The demo's rules, for tenants and staff only: supporters are not on the roll.
RULES = DEMO_RULES.replace('roll = "notice-date"', 'constituencies = ["tenant", "staff"]')
AGM = Meeting(
    id="agm-2027",
    title="Annual general meeting 2027",
    starts=START + timedelta(days=20),  # Sunday 13 December 2026, 10:00 in London
    agenda=(AgendaItem("Minutes"),),
    place="Riverside Community Hall",
    online="https://meet.example.org/agm",
    seats=(Seat("board", "Board", 2, ("tenant",)),),
)
MEETING_LINES = {
    "meeting": "/meeting - the general meeting: its notice and your reply",
    "here": "/here - check in at the general meeting, in the room or online",
    "proxy": "/proxy - appoint or revoke your proxy for the general meeting",
    "nominate": "/nominate - stand for election at the general meeting",
}


@pytest.fixture
def kit():
    organisation = Organisation(constituencies=("staff", "tenant", "supporter"))
    made = Kit(
        make_context(policy=Policy(organisation=organisation)),
        ROSTER,
        linked=("t1", "t2", "t3", "s1", "x1"),
    )
    yield made
    made.ctx.db.close()


def call(kit: Kit) -> None:
    create_meeting(kit.ctx, AGM, "test", RULES)
    open_nominations(kit.ctx, AGM.id, "test")  # a week: until 30 November


def listed(kit: Kit, member_id: str) -> set[str]:
    """The meeting commands /help lists for the member."""
    (shown,) = kit.command(member_id, "help")
    lines = shown.text.split("\n")
    return {name for name, line in MEETING_LINES.items() if line in lines}


def test_help_lists_the_meeting_commands_only_while_they_apply(kit):
    assert listed(kit, "t1") == set()  # no meeting called: /help is as short as ever
    call(kit)
    assert listed(kit, "t1") == {"meeting", "proxy", "nominate"}
    assert listed(kit, "s1") == {"meeting", "proxy"}  # the only seat is the tenants'
    assert listed(kit, "x1") == set()  # not on the roll
    kit.ctx.clock.now = AGM.starts - timedelta(days=3)  # nominations closed, proxies open
    assert listed(kit, "t1") == {"meeting", "proxy"}
    proxies.appoint(kit.ctx, AGM.id, "t3", "t1", {}, "t3", i18n.translator("en"))
    kit.ctx.clock.now = AGM.starts - timedelta(hours=47)  # past the proxies' deadline
    assert listed(kit, "s1") == {"meeting"}
    assert listed(kit, "t1") == {"meeting", "proxy"}  # t1 holds t3's proxy: whom they hold
    kit.ctx.clock.now = AGM.starts - timedelta(minutes=30)  # check-in is open
    assert listed(kit, "s1") == {"meeting", "here"}
    kit.ctx.clock.now = AGM.starts + attendance.OPEN_FOR  # over
    assert listed(kit, "t1") == set()


def test_welsh_help_lists_them_in_welsh(kit):
    call(kit)
    (shown,) = kit.command("t2", "help")
    assert "/meeting - y cyfarfod cyffredinol: ei hysbysiad a'ch ateb" in shown.text
    assert "/nominate - sefyll etholiad yn y cyfarfod cyffredinol" in shown.text


def test_meeting_shows_the_notice_the_reply_and_what_the_member_can_do(kit):
    (none,) = kit.command("t1", "meeting")
    assert none.text == "There is no general meeting coming up for you."
    call(kit)
    (shown,) = kit.command("t1", "meeting")
    assert unquoted(shown.title) == "Annual general meeting 2027"
    text = unquoted(shown.text)
    assert text.startswith("When: Sunday 13 December at 10:00\nWhere: Riverside Community Hall")
    assert text.endswith("Will you come? Tap a button to tell us.")
    assert [o.label for o in shown.choices] == [
        "I'll come in person",
        "I'll join online",
        "I can't come",
        "Your proxy",
        "Stand for election",
    ]
    kit.press("t1", "I'll come in person")
    (again,) = kit.command("t1", "meeting")
    assert unquoted(again.text).endswith(
        "Your reply: you'll come in person. You can change your answer until the meeting starts."
    )
    (proxy,) = kit.press("t1", "Your proxy")  # runs /proxy
    assert proxy.title == "Your proxy" and "you have no proxy" in proxy.text
    kit.command("t1", "meeting")
    (stand,) = kit.press("t1", "Stand for election")  # runs /nominate
    assert [o.label for o in stand.choices] == ["Stand: Board"]
    (none,) = kit.command("x1", "meeting")
    assert none.text == "There is no general meeting coming up for you."


def test_meeting_on_the_day_checks_the_member_in(kit):
    call(kit)
    kit.ctx.clock.now = AGM.starts + timedelta(minutes=5)
    (shown,) = kit.command("t1", "meeting")
    assert unquoted(shown.text).endswith(
        "When you're there, in the room or online, tap a button to check in. "
        "You can also send /here."
    )
    assert [o.label for o in shown.choices] == ["I'm in the room", "I'm online"]
    kit.press("t1", "I'm in the room")
    (again,) = kit.command("t1", "meeting")
    assert unquoted(again.text).endswith(
        "You're already checked in to Annual general meeting 2027."
    )
    assert not again.choices
    (welsh,) = kit.command("t2", "meeting")
    assert welsh.choices and welsh.choices[0].action == "meeting.here"


def test_the_home_shows_the_meeting_while_it_applies(kit):
    def section(member_id: str):
        member = member_for(kit.ctx, "telegram", f"u-{member_id}")
        shown = home.summary(kit.ctx, member, kit.router)
        return next((m for m in shown if unquoted(m.title) == AGM.title), None)

    assert section("t1") is None
    call(kit)
    found = section("t1")
    assert found is not None and unquoted(found.text) == "When: Sunday 13 December at 10:00"
    assert [o.label for o in found.choices] == [
        "The notice and my reply",
        "Your proxy",
        "Stand for election",
    ]
    assert [o.value for o in found.choices] == ["meeting", "proxy", "nominate"]
    assert section("x1") is None  # not on the roll
    kit.command("t1", "meeting")
    kit.press("t1", "I can't come")
    replied = section("t1")
    assert replied is not None and unquoted(replied.text).endswith("Your reply: you can't come.")
    welsh = section("t2")
    assert welsh is not None and welsh.choices[0].label == "Yr hysbysiad a fy ateb"
