from handlers.housekeeping import forget
from storage import conversations, outbox


def test_delivery_ids_are_forgotten_after_a_week(ctx, clock):
    assert conversations.first_time(ctx.db, "telegram", "1", ctx.now())
    clock.advance(days=6)
    assert conversations.first_time(ctx.db, "telegram", "2", ctx.now())
    clock.advance(days=2)
    forget(ctx, ctx.now())
    assert [r["event_id"] for r in ctx.db["processed_events"].rows] == ["2"]


def test_old_delivered_messages_lose_their_text_and_member_but_keep_their_key(ctx, clock):
    row = {
        "platform": "telegram",
        "chat_id": "1",
        "member_id": "t1",
        "payload": {"text": "#4 adopted"},
    }
    outbox.enqueue(ctx.db, [{**row, "key": "old"}, {**row, "key": "waiting"}], clock())
    [claimed] = outbox.claim_due(ctx.db, "telegram", clock(), 1)
    outbox.mark_sent(ctx.db, claimed, "ref", clock())
    clock.advance(days=15)
    forget(ctx, ctx.now())
    rows = {r["key"]: r for r in outbox.rows_for(ctx.db)}
    assert rows["old"]["payload"] == {} and rows["old"]["member_id"] is None
    assert rows["waiting"]["payload"] == {"text": "#4 adopted"}
    assert outbox.enqueue(ctx.db, [{**row, "key": "old"}], clock()) == 0
