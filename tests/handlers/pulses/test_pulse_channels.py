"""Pulse rounds answered by several channels: turnout per channel at close, and no
reminder for whoever answered on another channel (issue 27)."""

from __future__ import annotations

import uuid

from handlers.members.identity import member_for
from handlers.messages import Sender
from handlers.pulses import rounds as pulse_rounds
from handlers.pulses.results import render, results_of
from handlers.settings import Policy, Routing
from storage import outbox
from storage.pulses import queries as pulses
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.helpers import link

ALL = ["Agree", "Agree", "Agree", "Agree", "8", "Skip"]


class ChannelChat(PulseChat):
    """Members answering by the platform `via` gives them (Telegram unless told); each
    member's chat id is `u-<member>` on every platform, so `messages` finds them all."""

    def __init__(self, ctx, via: dict[str, str]) -> None:
        super().__init__(ctx)
        self.via = via
        for member_id, platform in via.items():
            link(ctx, member_id, platform, f"u-{member_id}")

    def _send(self, member_id: str, event_type, **fields) -> list[dict]:
        platform = self.via.get(member_id, "telegram")
        sender = Sender(platform, f"u-{member_id}", f"u-{member_id}")
        member = member_for(self.ctx, platform, sender.platform_user_id)
        before = len(self.messages(member_id))
        self.engine.handle(event_type(sender, member, uuid.uuid4().hex, **fields))
        return self.messages(member_id)[before:]


def test_turnout_per_channel_at_close_under_the_threshold(ctx):
    staff = join(ctx, staff=12)
    via = {m: "sms" for m in staff[6:11]} | {staff[11]: "email"}
    round_row = open_round(ctx)
    chat = ChannelChat(ctx, via)
    for member_id in staff:
        chat.answer(member_id, ALL)
    assert pulses.channel_turnout(ctx.db, round_row) == {}  # nothing while open
    assert pulse_rounds.close(ctx, round_row)
    closed = pulses.get_round(ctx.db, round_row["id"])
    # e-mail's one answer could be worked out from the total, so SMS's five join it.
    assert pulses.channel_turnout(ctx.db, closed) == {"telegram": 6, "other": 6}
    text = render(ctx, closed, results_of(ctx, closed))
    assert "By channel: Telegram 6, other 6." in text.splitlines()
    # The roll of who took part keeps no channel once closed.
    assert {r[0] for r in ctx.db.execute("select channel from pulse_participation")} == {None}


def test_channels_big_enough_are_shown_by_name(ctx):
    staff = join(ctx, staff=10)
    round_row = open_round(ctx)
    chat = ChannelChat(ctx, {m: "sms" for m in staff[5:]})
    for member_id in staff:
        chat.answer(member_id, ALL[:1])  # one answer is taking part
    assert pulse_rounds.close(ctx, round_row)
    closed = pulses.get_round(ctx.db, round_row["id"])
    assert pulses.channel_turnout(ctx.db, closed) == {"sms": 5, "telegram": 5}


def test_no_reminder_for_someone_who_answered_on_another_channel(ctx, clock):
    ctx.policy = Policy(routing=Routing(enabled=("sms",)))
    join(ctx, staff=3)
    # staff-01 reads Telegram but answers by text; staff-02 has only a phone.
    via = {"staff-01": "sms", "staff-02": "sms"}
    ctx.db.execute("delete from identities where member_id = 'staff-02'")
    open_round(ctx)
    chat = ChannelChat(ctx, via)
    chat.postman.routing = ctx.policy.routing
    chat.tick()
    invites = {
        r["member_id"]: r["platform"] for r in outbox.rows_for(ctx.db) if ":invite:" in r["key"]
    }
    assert invites == {"staff-01": "telegram", "staff-02": "sms", "staff-03": "telegram"}
    chat.answer("staff-01", ALL)  # finished, by SMS, though invited on Telegram
    chat.answer("staff-02", ALL[:2])  # started by SMS, not finished
    clock.advance(hours=48)
    chat.tick()
    reminded = {
        r["member_id"]: r["platform"] for r in outbox.rows_for(ctx.db) if ":remind:" in r["key"]
    }
    assert reminded == {"staff-02": "sms", "staff-03": "telegram"}
