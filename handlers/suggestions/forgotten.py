"""Replies in a conversation about suggestions are forgotten once delivered.

Each reply to the member who wrote gets a key under `suggestion:` (see
`storage.outbox.FORGET_ENTIRELY`), so its row leaves the outbox once delivered: the
times and order of "What is it about?", "Should the council see your name?" and the
thanks would otherwise show who was writing a suggestion just before an anonymous one
arrived.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from handlers.messages import Event, Message

PREFIX = "suggestion:chat:"


def forgotten_once_sent(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def wrapped(ctx: Any, event: Event) -> Any:
        out = handler(ctx, event)
        if isinstance(out, Message):
            return keyed(event, [out])[0]
        if isinstance(out, list):
            return keyed(event, out)
        return out

    return wrapped


def keyed(event: Event, messages: list[Message]) -> list[Message]:
    """`messages`, those to the member who wrote given a key forgotten once delivered."""
    who = event.member.member_id if event.member else None
    return [
        dataclasses.replace(m, key=f"{PREFIX}{event.sender.platform}:{event.event_id}:{i}")
        if m.key is None and who is not None and m.to.member_id == who
        else m
        for i, m in enumerate(messages)
    ]
