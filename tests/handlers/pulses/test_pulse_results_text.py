"""How a round's results read: the real close date, and a plain word when nobody commented."""

from __future__ import annotations

from handlers.pulses import results as pulse_results
from handlers.pulses import rounds as pulse_rounds
from storage.pulses import queries as pulses
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round


def test_a_round_closed_early_shows_when_it_closed_not_when_it_was_due(ctx, clock):
    join(ctx, staff=6)
    round_row = open_round(ctx)  # Mon 23 Nov 10:00 UTC, due to close Thu 26 Nov
    clock.advance(days=1, hours=2)  # Tue 24 Nov 12:00 UTC
    assert pulse_rounds.close(ctx, round_row)
    closed = pulses.latest_round(ctx.db, "staff-pulse")
    text = pulse_results.render(ctx, closed, pulse_results.results_of(ctx, closed))
    assert "(closed 12:00 on Tue 24 Nov)" in text
    assert "Thu 26 Nov" not in text


def test_no_comments_says_so_in_text_and_data(ctx):
    join(ctx, staff=6)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    for member_id in ("staff-01", "staff-02", "staff-03", "staff-04", "staff-05"):
        chat.answer(member_id, ["Agree", "Agree", "Agree", "Agree", "8", "Skip"])
    assert pulse_rounds.close(ctx, round_row)  # an open round shows no comments at all
    round_row = pulses.latest_round(ctx.db, "staff-pulse")
    results = pulse_results.results_of(ctx, round_row)
    assert not any(results.comments.values())
    assert results.comments_suppressed_reason == "No comments."
    text = pulse_results.render(ctx, round_row, results)
    assert "Positive:" not in text and "Negative:" not in text
    assert text.endswith("Comments: No comments.")
