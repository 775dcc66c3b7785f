from handlers.housekeeping import EVENT_MEMORY, forget
from handlers.schedule import CHECKPOINT
from storage import conversations, outbox


def test_delivery_ids_are_forgotten_after_a_while(ctx, clock):
    assert conversations.first_time(ctx.db, "telegram", "1", ctx.now())
    clock.advance(EVENT_MEMORY.total_seconds() - 3600)
    assert conversations.first_time(ctx.db, "telegram", "2", ctx.now())
    clock.advance(hours=2)
    assert forget(ctx, ctx.now()) == [CHECKPOINT]  # the log is emptied once it has committed
    assert not conversations.handled(ctx.db, "telegram", "1")
    assert conversations.handled(ctx.db, "telegram", "2")
    assert not conversations.first_time(ctx.db, "telegram", "2", ctx.now())


def test_a_handled_event_is_kept_as_a_keyed_hash_of_its_id_only(ctx, clock):
    event_id = "action:1000042.T0TEAM.8f3a9c"
    assert conversations.first_time(ctx.db, "slack", event_id, ctx.now())
    assert not conversations.first_time(ctx.db, "slack", event_id, ctx.now())
    assert conversations.first_time(ctx.db, "telegram", event_id, ctx.now())  # per platform
    [(digest, at), _] = ctx.db.execute("select digest, at from processed_events").fetchall()
    assert event_id not in digest and "slack" not in digest and len(digest) == 32
    assert at.endswith(":00:00+00:00")  # the hour, not the moment
    # Forgotten with its secret: the same id is new again, under a different hash.
    conversations.forget_events(ctx.db)
    assert ctx.db["processed_events"].count == 0 and ctx.db["dedupe_secret"].count == 1
    assert conversations.first_time(ctx.db, "slack", event_id, ctx.now())
    [(again,)] = ctx.db.execute("select digest from processed_events").fetchall()
    assert again not in {digest, _[0]}


def test_old_delivered_messages_lose_their_text_and_member_but_keep_their_key(ctx, clock):
    row = {
        "platform": "telegram",
        "chat_id": "1",
        "member_id": "t1",
        "payload": {"text": "#4 adopted"},
    }
    outbox.enqueue(ctx.db, [{**row, "key": "old"}, {**row, "key": "waiting"}], clock())
    [claimed] = outbox.claim_due(ctx.db, "telegram", clock(), 1)
    outbox.mark_sent(ctx.db, claimed, clock())
    clock.advance(days=15)
    forget(ctx, ctx.now())
    rows = {r["key"]: r for r in outbox.rows_for(ctx.db)}
    assert rows["old"]["payload"] == {} and rows["old"]["member_id"] is None
    assert rows["waiting"]["payload"] == {"text": "#4 adopted"}
    assert outbox.enqueue(ctx.db, [{**row, "key": "old"}], clock()) == 0
