"""A member on the roll of a general meeting has more to do than one WhatsApp list holds:
"menu" is nine rows and "More…", which shows the rest, all within the fake Graph API's
limits (ten rows, titles of 24 characters, descriptions of 72)."""

from __future__ import annotations

from datetime import timedelta

from bot.demo import DEMO_RULES
from handlers.meetings.admin import create_meeting
from handlers.meetings.nominations import open_nominations
from surveys.meetings.definitions import AgendaItem, Meeting, Seat
from tests.e2e.whatsapp.harness import PHONE, Running, assert_kept_the_rules


async def test_the_menu_of_a_member_called_to_a_meeting_goes_on_after_more(bot: Running) -> None:
    await bot.join("t1")
    await bot.settled()
    plain = await bot.say("t1", "menu")
    assert len(plain.options) == 10 and "More…" not in [t for _, t in plain.options]
    meeting = Meeting(
        id="agm",
        title="Annual general meeting",
        starts=bot.app.ctx.now() + timedelta(days=20),
        agenda=(AgendaItem("Minutes"),),
        place="Riverside Community Hall",
        seats=(Seat("board", "Board", 2),),
    )
    create_meeting(bot.app.ctx, meeting, "test", DEMO_RULES)
    open_nominations(bot.app.ctx, "agm", "test")

    first = await bot.say("t1", "menu")
    rows = first.body["interactive"]["action"]["sections"][0]["rows"]
    assert first.body["interactive"]["type"] == "list" and len(rows) == 10
    titles = [row["title"] for row in rows]
    assert titles[:5] == ["/pulse: answer this", "/vote: vote in open", "/meeting: the general",
                          "/proxy: appoint or", "/nominate: stand for"]  # fmt: skip
    assert titles[-1] == "More…"
    before = len(bot.fake.sent_to(PHONE["t1"]))
    await bot.fake.push_list_reply(PHONE["t1"], rows[-1]["id"], "More…")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PHONE["t1"])) > before)
    rest = bot.fake.sent_to(PHONE["t1"])[before]
    more = [title for _, title in rest.options]
    assert more and "More…" not in more
    every = titles[:-1] + more
    assert len(every) == len(set(every)) == 13  # the ten as before, and three for the meeting
    assert any(t.startswith("/privacy") for t in more)

    before = len(bot.fake.sent_to(PHONE["t1"]))
    meeting_row = rows[2]
    await bot.fake.push_list_reply(PHONE["t1"], meeting_row["id"], meeting_row["title"])
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PHONE["t1"])) > before)
    shown = bot.fake.sent_to(PHONE["t1"])[before]
    assert "Annual general meeting" in shown.text
    assert [t for _, t in shown.options][:3] == ["I'll come in person", "I can't come",
                                                 "Your proxy"]  # fmt: skip
    assert_kept_the_rules(bot)
