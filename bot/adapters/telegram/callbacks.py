"""Button data for Telegram: (action, value) packed into the 64 bytes `callback_data` allows.

Each action gets a 4-character code derived from its name (not from its position in a
list), so a button sent last month still means the same action after a release adds new
ones. The value follows the code verbatim, leaving 60 bytes for it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

CALLBACK_DATA_MAX_BYTES = 64
CODE_LENGTH = 4
VALUE_MAX_BYTES = CALLBACK_DATA_MAX_BYTES - CODE_LENGTH


class CallbackDataTooLong(ValueError):
    """A handler offered a choice whose value does not fit a Telegram button."""


def action_code(action: str) -> str:
    digest = hashlib.blake2b(action.encode("utf-8"), digest_size=3).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def encode(action: str, value: str) -> str:
    if len(value.encode("utf-8")) > VALUE_MAX_BYTES:
        raise CallbackDataTooLong(
            f"the value of a {action!r} choice is {len(value.encode('utf-8'))} bytes; "
            f"Telegram buttons allow {VALUE_MAX_BYTES} (keep values short ids, not text)"
        )
    return action_code(action) + value


def decode(data: str, actions: Iterable[str]) -> tuple[str, str]:
    """(action, value) of a pressed button; the action is "" if no registered one matches."""
    code, value = data[:CODE_LENGTH], data[CODE_LENGTH:]
    return next((a for a in actions if action_code(a) == code), ""), value


def check_codes(actions: Iterable[str]) -> None:
    """Refuse to start if two registered actions would share a code."""
    seen: dict[str, str] = {}
    for action in actions:
        other = seen.setdefault(action_code(action), action)
        if other != action:
            raise ValueError(f"actions {other!r} and {action!r} share a Telegram button code")
