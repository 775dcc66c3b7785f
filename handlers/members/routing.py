"""Which of a member's identities a message goes by: the rule the postman and the
officer's view share.

1. the member's own `prefers` (a platform name), if they are reachable there;
2. else a chat app they joined: the most recently linked one, as before issue 27 (a
   member who links a new account means to be reached there);
3. else the roster channels in `[routing] fallback` order ("sms", then "email").

Only reachable identities count (not blocked, not STOPped), and a roster channel only
while it is switched on. Direct replies never come here: they go where the member wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from handlers.settings import ROSTER_CHANNELS, Routing

# What the roster's `prefers` column may say, besides empty or "auto".
PLATFORMS = ("slack", "telegram", "whatsapp", *ROSTER_CHANNELS)
AUTO = ("", "auto")


def usable(identity: Mapping[str, Any], routing: Routing) -> bool:
    """Whether messages may go by this identity at all (reachable; channel switched on)."""
    if identity.get("unreachable_at"):
        return False
    platform = identity["platform"]
    return platform not in ROSTER_CHANNELS or platform in routing.enabled


def choose(
    identities: Sequence[Mapping[str, Any]], prefers: str | None, routing: Routing
) -> Mapping[str, Any] | None:
    """The identity to write to, from the member's `identities` ordered by when they were
    linked (oldest first); None when nothing reaches them (a letter does)."""
    ready = [i for i in identities if usable(i, routing)]
    by_platform: dict[str, Mapping[str, Any]] = {}
    for identity in ready:  # the newest link of each platform wins
        by_platform[identity["platform"]] = identity
    if prefers and prefers not in AUTO and prefers in by_platform:
        return by_platform[prefers]
    chats = [i for i in ready if i["platform"] not in ROSTER_CHANNELS]
    if chats:
        return chats[-1]
    for platform in routing.fallback:
        if platform in by_platform:
            return by_platform[platform]
    return None
