"""Turnout per channel (issue 27): how many took part by each chat app, SMS, e-mail or
the member's page, counted at close from the roll of who took part (never from the
ballots or answers), with channels below the anonymity threshold counted as "other"."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.context import Context
from surveys.anonymity import OTHER, merge_small

NAMES = {
    "telegram": "Telegram",
    "slack": "Slack",
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "email": "e-mail",
    "page": "the member's page",
    "web": "the console",
    "console": "the demo console",
    OTHER: "other",
}


def by_channel(ctx: Context, counts: Mapping[str, int]) -> dict[str, int]:
    """`counts` per channel as they may be shown: a channel not noted (before channels
    were) and every group below the threshold are "other"."""
    noted = dict[str, int]()
    for channel, n in counts.items():
        name = channel or OTHER
        noted[name] = noted.get(name, 0) + n
    return merge_small(noted, ctx.policy.privacy.anonymity_threshold)


def line(shown: Mapping[str, int]) -> str:
    """ "By channel: Telegram 12, SMS 6, other 5." (English: officers read it)."""
    parts = ", ".join(f"{NAMES.get(channel, channel)} {n:,}" for channel, n in shown.items())
    return f"By channel: {parts}." if parts else ""
