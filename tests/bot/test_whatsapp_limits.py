"""The officer's estimate of a WhatsApp broadcast: days under the daily limit, and cost."""

from __future__ import annotations

from datetime import datetime

from bot.adapters.whatsapp import limits

MONDAY = datetime(2026, 12, 7, 10, 0)


def test_a_broadcast_above_the_daily_limit_is_spread_over_days() -> None:
    e = limits.estimate(1200, 1200, 250, 0, MONDAY, 0.03, "GBP")
    assert (e.days, e.reaches_everyone, e.cost) == (4, "Friday 11 December", 36.0)
    assert limits.sentence(e, "tenants") == (
        "1,200 tenants on WhatsApp, 1,200 outside their 24-hour window: at your limit of "
        "250 a day, invitations reach everyone by Friday 11 December. 1,200 template "
        "messages, about 36.00 GBP."
    )


def test_what_fits_today_goes_today_and_what_was_used_counts() -> None:
    assert limits.estimate(300, 100, 250, 0, MONDAY, 0.0, "GBP").days == 0
    assert limits.estimate(300, 100, 250, 200, MONDAY, 0.0, "GBP").days == 1
    assert "everyone is reached today" in limits.sentence(
        limits.estimate(50, 0, 250, 0, MONDAY, 0.0, "GBP")
    )
