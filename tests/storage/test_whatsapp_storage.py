"""WhatsApp's windows, invitations and held rows in storage/whatsapp.py, and their erasure."""

from __future__ import annotations

from datetime import timedelta

from bot.postman import Postman
from handlers.messages import Message, Recipient
from storage import members, outbox, whatsapp
from storage.privacy import erase_member
from tests.helpers import START, add_members, make_context

PHONE = "447700900123"


def test_the_window_opens_from_the_hour_they_wrote_and_never_later() -> None:
    ctx = make_context()
    assert whatsapp.window_closes(ctx.db, PHONE) is None
    whatsapp.wrote(ctx.db, PHONE, START + timedelta(minutes=59, seconds=59))
    # Kept to the hour, rounded down: the window is taken to close up to an hour early.
    assert whatsapp.window_closes(ctx.db, PHONE) == START + timedelta(hours=24)
    row = ctx.db.execute("select * from whatsapp_chats").fetchone()
    assert row == (PHONE, "2026-11-23T10:00:00+00:00", None, None)
    whatsapp.close_window(ctx.db, PHONE)
    assert whatsapp.window_closes(ctx.db, PHONE) is None


def test_held_rows_are_released_when_the_member_writes_and_others_are_not() -> None:
    ctx = make_context()
    add_members(ctx)
    members.link_identity(ctx.db, "whatsapp", PHONE, PHONE, "t1", START)
    postman = Postman(ctx.db, ctx.clock, None, "Europe/London")
    postman.post(
        [Message(Recipient.of("t1"), "News", key="a"), Message(Recipient.of("t1"), "More", key="b")]
    )
    later = START + timedelta(days=1)
    held, quiet = outbox.claim_due(ctx.db, "whatsapp", START, 10)
    outbox.postpone(ctx.db, held, later, whatsapp.HELD)
    outbox.postpone(ctx.db, quiet, later, None)  # waiting for quiet hours, not for them
    assert whatsapp.release_held(ctx.db, PHONE, START) == 1
    rows = {r["key"]: r for r in outbox.rows_for(ctx.db, "whatsapp")}
    assert rows[held.key]["not_before"] == "2026-11-23T10:00:00+00:00"
    assert rows[quiet.key]["not_before"] == "2026-11-24T10:00:00+00:00"


def test_invitations_count_members_reached_in_the_last_day() -> None:
    ctx = make_context()
    for n in range(3):
        whatsapp.invited(ctx.db, f"44770090010{n}", START + timedelta(hours=n))
    since = START + timedelta(hours=1)
    assert len(whatsapp.invitations_since(ctx.db, since)) == 2
    whatsapp.invited(ctx.db, "447700900100", None)  # an invitation undone
    assert len(whatsapp.invitations_since(ctx.db, START)) == 2


def test_erasure_forgets_when_they_wrote_and_their_menu() -> None:
    ctx = make_context()
    add_members(ctx)
    members.link_identity(ctx.db, "whatsapp", PHONE, PHONE, "t1", START)
    whatsapp.wrote(ctx.db, PHONE, START)
    whatsapp.set_menu(ctx.db, PHONE, [("1", "vote.pick|a")])
    erase_member(ctx.db, "t1", START)
    assert ctx.db.execute("select count(*) from whatsapp_chats").fetchone()[0] == 0
    assert whatsapp.menu(ctx.db, PHONE) == []


def test_people_who_wrote_without_joining_are_forgotten_once_their_window_closed() -> None:
    ctx = make_context()
    add_members(ctx)
    members.link_identity(ctx.db, "whatsapp", PHONE, PHONE, "t1", START)
    for chat in (PHONE, "447700900999"):
        whatsapp.wrote(ctx.db, chat, START)
    assert whatsapp.forget_strangers(ctx.db, START + timedelta(hours=23)) == 0
    assert whatsapp.forget_strangers(ctx.db, START + timedelta(hours=25)) == 1
    assert [r[0] for r in ctx.db.execute("select chat_id from whatsapp_chats")] == [PHONE]
