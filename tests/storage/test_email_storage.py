"""E-mail's unsubscribe tokens and opt-outs in storage/email.py: tokens kept only as
hashes and forgotten when old, opt-outs that a new link does not undo, and erasure."""

from __future__ import annotations

from datetime import timedelta

from storage import email, members
from storage.privacy import erase_member, export_member
from tests.helpers import START, add_members, make_context

ADDRESS = "Pat@Example.org"


def test_a_token_is_kept_only_as_its_hash_and_works_until_it_is_old() -> None:
    ctx = make_context()
    add_members(ctx)
    token = email.new_unsubscribe_link(ctx.db, "t1", ADDRESS, START)
    assert len(token) >= 32 and email.new_unsubscribe_link(ctx.db, "t1", ADDRESS, START) != token
    assert token not in "\n".join(ctx.db.conn.iterdump())
    assert email.unsubscribe_target(ctx.db, token, START + timedelta(days=1)) == ("t1", ADDRESS)
    assert email.unsubscribe_target(ctx.db, token + "x", START) is None
    # Only the day it was made is kept, not the moment.
    assert {r["made_on"] for r in ctx.db["email_unsubscribe_links"].rows} == {"2026-11-23"}
    old = START + email.KEEP + timedelta(days=1)
    assert email.unsubscribe_target(ctx.db, token, old) is None
    assert email.forget_old_links(ctx.db, old) == 2
    assert ctx.db["email_unsubscribe_links"].count == 0


def test_an_opt_out_holds_whatever_case_and_relinking_do() -> None:
    ctx = make_context()
    add_members(ctx)
    members.link_identity(ctx.db, "email", ADDRESS, ADDRESS, "t1", START)
    assert email.opt_out(ctx.db, "t1", ADDRESS, START)
    assert not email.opt_out(ctx.db, "t1", ADDRESS.upper(), START)
    members.link_identity(ctx.db, "email", ADDRESS, ADDRESS, "t1", START)  # a roster import
    assert email.opted_out(ctx.db, "pat@example.org") and email.opted_out(ctx.db, ADDRESS)
    assert not email.opted_out(ctx.db, "lee@example.org")


def test_a_members_tokens_and_opt_out_are_theirs_to_export_and_go_with_them() -> None:
    ctx = make_context()
    add_members(ctx)
    email.new_unsubscribe_link(ctx.db, "t1", ADDRESS, START)
    email.new_unsubscribe_link(ctx.db, "t2", "lee@example.org", START)
    email.opt_out(ctx.db, "t1", ADDRESS, START)
    exported = export_member(ctx.db, "t1")
    assert len(exported["email_unsubscribe_links"]) == 1 and len(exported["email_opt_outs"]) == 1
    erase_member(ctx.db, "t1", START)
    assert [r["member_id"] for r in ctx.db["email_unsubscribe_links"].rows] == ["t2"]
    assert ctx.db["email_opt_outs"].count == 0
