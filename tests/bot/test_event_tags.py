"""Outbox keys carry a keyed hash of the platform's event id (storage/conversations.py,
`event_tag`), as the dedupe table does, never the raw id: a Slack trigger id in a
ballot's key (`vote:agm:b:action:<trigger>:0`) would outlive the press it names."""

from __future__ import annotations

from dataclasses import replace

from bot.engine import Engine
from storage import conversations
from tests.handlers.votes.test_vote_secrecy import _confirm_event
from tests.handlers.votes.test_votes import Kit

TRIGGER = "action:7231984410.1234567890.4f1c2a9b0d3e"  # as the Slack adapter names a press


def test_outbox_keys_carry_a_keyed_hash_of_the_event_never_its_raw_id(ctx):
    kit = Kit(ctx)
    kit.create()
    kit.tick()
    kit.command("t1", "vote")
    kit.press("t1", "For")  # the draft waits for Confirm
    engine = Engine(ctx, kit.router, kit.postman)  # as the bot handles every event
    press = replace(_confirm_event(kit, "t1"), event_id=TRIGGER)
    before = {k for (k,) in ctx.db.execute("select key from outbox")}
    assert engine.handle(press) >= 1
    keys = {k for (k,) in ctx.db.execute("select key from outbox")} - before
    tag = conversations.event_tag(ctx.db, "telegram", TRIGGER)
    assert any(k.startswith(f"vote:agm:b:{tag}:") for k in keys)  # the ballot's reply
    assert not any(part in k for k in keys for part in ("7231984410", "4f1c2a9b0d3e", "action"))
    # Nor is it the dedupe table's digest of the same event: the two rows don't join.
    digests = {d for (d,) in ctx.db.execute("select digest from processed_events")}
    assert digests and not any(d in k for d in digests for k in keys)
    assert engine.handle(press) == 0  # a re-delivery is still recognised, nothing twice
    conversations.forget_events(ctx.db)  # a close: the secret changes, and the tags with it
    assert conversations.event_tag(ctx.db, "telegram", TRIGGER) != tag
