"""Messages that ask a member about a vote or a round name it (`Message.flow`), in the
outbox too, so that a channel without buttons can link to the member's page for it."""

from __future__ import annotations

from datetime import timedelta

from storage import outbox
from storage.timestamps import parse
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.handlers.votes.test_votes import Kit
from tests.helpers import START


def flows(ctx, key_part: str) -> set[str]:
    """The flows named by the outbox rows whose key holds `key_part` (None when unnamed)."""
    return {r["payload"].get("flow") for r in outbox.rows_for(ctx.db) if key_part in r["key"]}


def test_vote_announcements_reminders_and_ballots_name_their_vote(ctx, clock):
    kit = Kit(ctx)
    closes = START + timedelta(days=2)
    kit.create(closes=closes, constituencies=("tenant",), reminder_hours=(20,))
    kit.tick()
    assert flows(ctx, ":open:") == {"vote:agm"}
    ballot = kit.command("t1", "vote", "agm")
    assert [m.flow for m in ballot] == ["vote:agm"]
    assert {m.flow for m in kit.press("t1", "For")} == {"vote:agm"}
    clock.now = closes - timedelta(hours=20)
    kit.tick()
    assert flows(ctx, ":remind:") == {"vote:agm"}


def test_round_invitations_questions_and_reminders_name_their_round(ctx, clock):
    join(ctx, staff=2)
    round_row = open_round(ctx, "staff-pulse")
    chat = PulseChat(ctx)
    chat.tick()
    flow = f"pulse:{round_row['id']}"
    assert flows(ctx, ":invite:") == {flow}
    first = chat.last_with_buttons("staff-01")
    following = chat.tap("staff-01", first["payload"]["choices"][0]["label"])
    assert following[-1]["payload"]["flow"] == flow  # the next question
    assert chat.command("staff-02", "pulse")[-1]["payload"]["flow"] == flow
    clock.now = parse(round_row["remind_at"]) + timedelta(minutes=1)
    chat.tick()
    assert flows(ctx, ":remind:") == {flow}


def test_a_message_that_asks_about_no_flow_names_none(ctx):
    kit = Kit(ctx)
    assert [m.flow for m in kit.command("t1", "help")] == [""]
    assert all("flow" not in r["payload"] for r in outbox.rows_for(ctx.db))
