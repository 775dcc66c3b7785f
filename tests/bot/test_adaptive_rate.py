"""The sender slows down when a platform answers 429 and climbs back afterwards.

The platform here is a token bucket on the injected clock, like Telegram's flood limit;
nothing waits for the wall clock.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from bot.adaptive_rate import AdaptiveRate
from bot.outbox import Outcome, Pace, Sender
from storage import outbox
from tests.bot.test_outbox import rows
from tests.helpers import FakeClock, make_context


def test_a_refusal_slows_down_and_deliveries_climb_back_to_the_ceiling() -> None:
    rate = AdaptiveRate(30, slow_down=0.5, climb_per_second=2)
    rate.refused()
    assert rate.rate == 15
    rate.refused()
    assert rate.rate == 7.5
    seconds = 0.0
    while rate.rate < 30:
        seconds += rate.interval
        rate.delivered()
    # From 7.5 to 30 messages/s at 2 more each second of sending: about 11 seconds.
    assert 10.5 <= seconds <= 12 and rate.rate == 30
    rate.delivered()
    assert rate.rate == 30  # never above the ceiling


def test_the_rate_never_falls_to_nothing() -> None:
    rate = AdaptiveRate(30)
    for _ in range(100):
        rate.refused()
    assert rate.rate == 1.0 and rate.slowed == 100
    with pytest.raises(ValueError, match="above 0"):
        AdaptiveRate(0)


class Bucket:
    """A platform that allows `limit` messages a second (and a burst of as many), else 429."""

    def __init__(self, clock: FakeClock, limit: float) -> None:
        self.clock, self.limit = clock, limit
        self.tokens, self.stamp = limit, clock().timestamp()
        self.accepted: Counter[str] = Counter()
        self.refusals = 0

    async def __call__(self, row, message) -> Outcome:
        now = self.clock().timestamp()
        self.tokens = min(self.limit, self.tokens + (now - self.stamp) * self.limit)
        self.stamp = now
        if self.tokens < 1:
            self.refusals += 1
            return Outcome(retry_after=math.ceil((1 - self.tokens) / self.limit))
        self.tokens -= 1
        self.accepted[row.key] += 1
        return Outcome(ref=row.key)


async def send_all(limit: float, **pace: float) -> tuple[Bucket, Sender]:
    """Send 600 messages to a platform allowing `limit` a second; time moves by itself."""
    clock = FakeClock()
    ctx = make_context(clock)
    outbox.enqueue(ctx.db, rows(600), clock())
    platform = Bucket(clock, limit)
    sender = Sender(
        ctx.db, "telegram", platform, clock, Pace(per_chat_seconds=0, **pace), sleep=clock.sleep
    )
    try:
        while outbox.waiting(ctx.db, "telegram"):
            await sender.drain()
            clock.advance(0.05)
    finally:
        ctx.db.close()
    return platform, sender


async def test_a_platform_slower_than_the_ceiling_slows_the_sender_down() -> None:
    platform, sender = await send_all(limit=20, rate_per_second=30)
    assert sorted(platform.accepted) == sorted(f"m{n}" for n in range(600))
    assert set(platform.accepted.values()) == {1}  # none lost, none doubled
    assert sender.rate.slowed == platform.refusals >= 1  # once per 429 (none here in flight)


async def test_adapting_at_least_halves_the_refusals_of_a_fixed_rate() -> None:
    adaptive, _ = await send_all(limit=20, rate_per_second=30)
    fixed, _ = await send_all(limit=20, rate_per_second=30, slow_down=1.0)
    assert sum(fixed.accepted.values()) == sum(adaptive.accepted.values()) == 600
    assert adaptive.refusals * 2 <= fixed.refusals


async def test_a_platform_at_the_ceiling_sends_without_refusals() -> None:
    platform, sender = await send_all(limit=30, rate_per_second=30)
    assert platform.refusals == 0 and sender.rate.slowed == 0
    assert sum(platform.accepted.values()) == 600
