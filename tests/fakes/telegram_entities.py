"""The entities Telegram finds by itself in a message's plain text.

Telegram's servers (TDLib's `find_entities`) turn mentions, hashtags, cashtags, bot
commands, URLs and e-mail addresses into entities whatever the parse mode; a mention
notifies that user, a URL or `tg://` link is tappable. This finder errs on the side of
finding more than Telegram does (any alphabetic top-level domain makes a URL), so that
a test passing here would pass against the real server.
"""

from __future__ import annotations

import re
from typing import Any

# \w is Unicode-aware; format characters such as the word joiner U+2060 are not word
# characters, so they break every pattern below, as they do Telegram's.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_URL_WITH_SCHEME = re.compile(r"(?i)(?<![\w])(?:https?|ftp|tg|ton|tonsite)://[^\s<>\"]+")
_BARE_URL = re.compile(r"(?<![\w@.:/-])(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])(?::\d+)?(?:/[^\s<>\"]*)?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,32}(?![\w])")
_HASHTAG = re.compile(r"(?<![\w#&])#\w*[^\W\d]\w*")
_CASHTAG = re.compile(r"(?<![\w$])\$[A-Z]{1,8}(?![\w])")
_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")

# In the order Telegram gives them precedence where they would overlap.
_FINDERS = (
    ("email", _EMAIL),
    ("url", _URL_WITH_SCHEME),
    ("url", _BARE_URL),
    ("mention", _MENTION),
    ("hashtag", _HASHTAG),
    ("cashtag", _CASHTAG),
    ("bot_command", _BOT_COMMAND),
)
# Text inside these is never searched.
_OPAQUE = frozenset({"code", "pre", "text_link", "url", "email"})
_TRAILING = ".,;:!?)'\""


def find_entities(text: str, explicit: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The auto-detected entities of `text` (UTF-16 offsets), around the `explicit` ones."""
    taken = [
        (e["offset"], e["offset"] + e["length"]) for e in explicit or () if e["type"] in _OPAQUE
    ]
    found: list[dict[str, Any]] = []
    for kind, pattern in _FINDERS:
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "url":
                value = value.rstrip(_TRAILING)
            start = _utf16(text[: match.start()])
            end = start + _utf16(value)
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            found.append({"offset": start, "length": end - start, "type": kind})
    return sorted(found, key=lambda e: e["offset"])


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
