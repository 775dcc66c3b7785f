"""The sending rate: as fast as the platform allows, slowing down when it says so.

The configured rate is a ceiling. A 429 (too many requests) multiplies the rate by
`slow_down`; every message delivered after that climbs it back by `climb_per_second`
per second of sending, up to the ceiling again (additive increase, multiplicative
decrease, as TCP does). A platform whose real limit is below the ceiling is then met
with a 429 now and again rather than on every message.
"""

from __future__ import annotations

FLOOR = 1.0  # messages per second: a slow platform still gets something


class AdaptiveRate:
    def __init__(self, ceiling: float, slow_down: float = 0.75, climb_per_second: float = 1.0):
        if ceiling <= 0:
            raise ValueError("the sending rate must be above 0 messages per second")
        self.ceiling, self.slow_down, self.climb_per_second = ceiling, slow_down, climb_per_second
        self.rate = ceiling
        self.slowed = 0

    @property
    def interval(self) -> float:
        """Seconds between two messages at the current rate."""
        return 1 / self.rate

    def refused(self) -> None:
        """The platform answered 429: slow down."""
        self.rate = max(min(FLOOR, self.ceiling), self.rate * self.slow_down)
        self.slowed += 1

    def delivered(self) -> None:
        """One more message went through: climb (one message took `interval` seconds)."""
        self.rate = min(self.ceiling, self.rate + self.climb_per_second * self.interval)
