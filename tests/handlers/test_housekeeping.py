from handlers.housekeeping import forget_old_events
from storage import conversations


def test_delivery_ids_are_forgotten_after_a_week(ctx, clock):
    assert conversations.first_time(ctx.db, "telegram", "1", ctx.now())
    clock.advance(days=6)
    assert conversations.first_time(ctx.db, "telegram", "2", ctx.now())
    clock.advance(days=2)
    forget_old_events(ctx, ctx.now())
    assert [r["event_id"] for r in ctx.db["processed_events"].rows] == ["2"]
