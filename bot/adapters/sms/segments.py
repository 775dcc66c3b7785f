"""How many SMS segments (parts) a text takes, and what each costs: pure functions.

A text that uses only the GSM 03.38 alphabet goes as GSM-7: 160 characters in one part,
153 a part when it is split (the rest carries the header that joins the parts); a
character of the extension table (`€ [ ] { } ~ ^ | \\` and form feed) is sent as an escape
and a character, so it counts twice, and the two never straddle a part. Any other
character (a Welsh ŵ or ŷ, an emoji) makes the whole text UCS-2: 70 UTF-16 units in one
part, 67 a part when split, a surrogate pair never split.

`gsm_friendly` swaps the typographic marks translators and editors type (’ “ ” – …) for
their plain GSM-7 twins, so that one curly apostrophe does not halve a text's room, as
Twilio's "smart encoding" does; letters are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}
PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": "",
        "\u2022": "-",
        "\u00b7": "-",
    }
)


@dataclass(frozen=True)
class Count:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def gsm_friendly(text: str) -> str:
    return text.translate(PLAIN)


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def _costs(text: str, gsm: bool) -> list[int]:
    """What each character takes: septets, or UTF-16 units."""
    if gsm:
        return [2 if c in GSM_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> Count:
    """The encoding a text goes in, its length in that encoding's units, and its parts."""
    gsm = is_gsm(text)
    encoding = "GSM-7" if gsm else "UCS-2"
    costs = _costs(text, gsm)
    units = sum(costs)
    if units <= SINGLE[encoding]:
        return Count(encoding, units, 1)
    parts, room = 1, PART[encoding]
    for cost in costs:  # an escape pair or a surrogate pair is never split between parts
        if cost > room:
            parts, room = parts + 1, PART[encoding]
        room -= cost
    return Count(encoding, units, parts)


def segments(text: str) -> int:
    return count(text).segments
