"""Joining by WhatsApp: a wa.me link that opens a chat with "JOIN <code>" typed in."""

from __future__ import annotations

import re

JOIN_WORD = "JOIN"
_JOIN = re.compile(r"^\s*join\s+([A-Za-z0-9]{6,64})\s*$", re.IGNORECASE)
# Words that show the list of what a member can do (WhatsApp has no slash-command menu).
MENU_WORDS = frozenset({"menu", "help", "dewislen", "help!", "?"})


def digits(number: str) -> str:
    """An E.164 number as wa.me wants it: digits only, no + or spaces."""
    return re.sub(r"\D", "", number)


def join_link(business_number: str) -> str:
    """The invite link template; `{token}` is filled in per member."""
    return f"https://wa.me/{digits(business_number)}?text={JOIN_WORD}%20{{token}}"


def join_code(text: str) -> str | None:
    """The invite code in "JOIN <code>", if the text is that."""
    found = _JOIN.match(text)
    return found[1].lower() if found else None


def is_menu_word(text: str) -> bool:
    return text.strip().lower() in MENU_WORDS
