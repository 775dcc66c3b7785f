"""SMS chats in storage/sms.py: a numbered menu answered once, status callbacks on sent
rows, who is reachable by text, and the menu gone with an erased member."""

from __future__ import annotations

from bot.postman import Postman
from handlers.messages import Message, Recipient
from handlers.settings import Routing
from storage import members, outbox, sms
from storage.privacy import erase_member
from tests.helpers import START, add_members, make_context

PHONE = "+447700900123"


def test_a_menu_number_is_read_once() -> None:
    ctx = make_context()
    sms.set_menu(ctx.db, PHONE, [("1", "vote.b|3.0"), ("2", "vote.b|3.1")])
    assert sms.take_from_menu(ctx.db, PHONE, "3") is None
    assert sms.take_from_menu(ctx.db, PHONE, "2") == "vote.b|3.1"
    assert sms.take_from_menu(ctx.db, PHONE, "2") is None and sms.menu(ctx.db, PHONE) == []


def test_a_status_callback_fails_only_a_sent_sms_row() -> None:
    ctx = make_context()
    add_members(ctx)
    members.link_identity(ctx.db, "sms", PHONE, PHONE, "t1", START)
    Postman(ctx.db, ctx.clock, None, "Europe/London", routing=Routing(enabled=("sms",))).post(
        [Message(Recipient.of("t1"), "News", key="a")]
    )
    (row,) = outbox.claim_due(ctx.db, "sms", START, 10)
    assert not sms.delivery_failed(ctx.db, row.id, "failed", "Twilio error 30008")  # not sent
    outbox.mark_sent(ctx.db, row, START)
    assert sms.delivery_failed(ctx.db, row.id, "unreachable", "Twilio error 30006")
    (stored,) = outbox.rows_for(ctx.db, "sms")
    assert (stored["status"], stored["error"]) == ("unreachable", "Twilio error 30006")


def test_reach_counts_reachable_members_by_language_and_erasure_forgets_the_menu() -> None:
    ctx = make_context()
    add_members(
        ctx,
        "member_id,name,email,constituency,language\nt1,A,,tenant,cy\n"
        "t2,B,,tenant,\nt3,C,,tenant,\n",
    )
    for n, member_id in enumerate(("t1", "t2", "t3")):
        number = f"+44770090010{n}"
        members.link_identity(ctx.db, "sms", number, number, member_id, START)
    members.mark_unreachable(ctx.db, "sms", "+447700900102", "texted STOP", START)
    assert sms.reach(ctx.db) == [(None, 1), ("cy", 1)]
    sms.set_menu(ctx.db, "+447700900100", [("1", "x|y")])
    erase_member(ctx.db, "t1", START)
    assert sms.menu(ctx.db, "+447700900100") == []
