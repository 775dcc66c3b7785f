"""HELP by text names the meeting words to a member on the roll of a general meeting, in
their language, and the bare words work as the commands do."""

from __future__ import annotations

from datetime import timedelta

from bot.demo import DEMO_RULES
from handlers.meetings.admin import create_meeting
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.e2e.sms.harness import Running


async def test_help_names_the_meeting_words_while_a_meeting_is_coming(bot: Running) -> None:
    bot.link("t1")
    bot.link("t6")  # reads Welsh
    plain = (await bot.say("t1", "HELP")).body
    assert "MEETING" not in plain
    meeting = Meeting(
        id="agm",
        title="Annual general meeting",
        starts=bot.app.ctx.now() + timedelta(days=20),
        agenda=(AgendaItem("Minutes"),),
        place="Riverside Community Hall",
    )
    create_meeting(bot.app.ctx, meeting, "test", DEMO_RULES)
    helped = (await bot.say("t1", "help")).body
    assert helped.startswith(plain)
    assert helped.endswith("For the general meeting, text MEETING, PROXY, NOMINATE or HERE.")
    welsh = (await bot.say("t6", "CYMORTH")).body
    assert welsh.endswith(
        "Ar gyfer y cyfarfod cyffredinol, tecstiwch MEETING, PROXY, NOMINATE neu HERE."
    )
    shown = (await bot.say("t1", "meeting")).body
    assert "Annual general meeting" in shown and "Riverside Community Hall" in shown
    assert "you have no proxy" in (await bot.say("t1", "PROXY")).body
