"""The meeting's notice and `/meeting` name the flow `meeting:<id>` (e-mail links to the
member's page for it) and keep their reply buttons for chat; by SMS the notice goes whole
with typed numbers, never swapped for a link."""

from __future__ import annotations

import pytest

from bot.adapters.sms.render import render
from handlers.meetings.admin import create_meeting
from handlers.messages import unquoted
from tests.handlers.meetings.test_attendance import AGM, give_notice, ruled_kit

FLOW = f"meeting:{AGM.id}"


@pytest.fixture
def kit(tmp_path):
    made = ruled_kit(tmp_path)
    create_meeting(made.ctx, AGM, "test")
    yield made
    made.ctx.db.close()


def test_the_notice_and_meeting_name_the_flow_and_keep_their_buttons(kit):
    by = {m.to.member_id: m for m in give_notice(kit)}
    assert {m.flow for m in by.values()} == {FLOW}
    assert [o.action for o in by["t1"].choices] == ["meeting.rsvp"] * 3
    (shown,) = kit.command("t1", "meeting")
    assert shown.flow == FLOW
    assert [o.label for o in shown.choices][:3] == [
        "I'll come in person",
        "I'll join online",
        "I can't come",
    ]
    # Once the meeting starts, /meeting offers check-in, which the page does not take.
    kit.ctx.clock.now = AGM.starts
    (started,) = kit.command("t1", "meeting")
    assert started.flow == "" and "meeting.here" in {o.action for o in started.choices}
    # The flow survives the outbox, where the e-mail adapter reads it.
    (payload,) = kit.ctx.db.execute(
        "select payload from outbox where member_id = 't1' and key like 'meeting:%'"
    ).fetchone()
    assert f'"flow": "{FLOW}"' in payload


def test_by_sms_the_notice_goes_whole_with_typed_numbers_and_no_link(kit):
    by = {m.to.member_id: m for m in give_notice(kit)}
    asked: list[str] = []

    def link(flow: str) -> str:
        asked.append(flow)
        return "https://voice.example/m/" + "x" * 32

    for member in ("t1", "t2"):  # English and Welsh
        rendered = render(by[member], link)
        text = "\n".join(rendered.texts)
        assert not rendered.linked and "/m/" not in text
        assert "Riverside Community Hall" in text and "Adopt the new rules" in text
        assert [n for n, _choice in rendered.menu] == ["1", "2", "3"]
        assert [choice for _n, choice in rendered.menu] == [
            f"meeting.rsvp|{AGM.id}:p",
            f"meeting.rsvp|{AGM.id}:o",
            f"meeting.rsvp|{AGM.id}:n",
        ]
    assert asked == []
    assert "Reply with a number from 1 to 3." in render(by["t1"], link).texts[-1]
    assert unquoted(by["t1"].title) in render(by["t1"], link).texts[0]
