"""The filter and page of a console member list, read from and written back to its address.

Every link keeps the filter, so paging works without JavaScript and any page can be
bookmarked or shared with another officer.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from handlers.members.listing import Filter, Page
from storage.member_pages import JOINED_ONLY, LETTER_ONLY, NOT_JOINED

JOINED_CHOICES = (("", "Everyone"), (NOT_JOINED, "Not yet connected"), (JOINED_ONLY, "Connected"))
REACH_CHOICES = (("", "Any way"), (LETTER_ONLY, "Only by letter"))


def filter_of(values: Mapping[str, str]) -> Filter:
    joined = str(values.get("joined", ""))
    return Filter(
        search=str(values.get("q", "")).strip()[:200],
        constituency=str(values.get("constituency", "")),
        joined=joined if joined in (JOINED_ONLY, NOT_JOINED) else "",
        reach=LETTER_ONLY if values.get("reach") == LETTER_ONLY else "",
    )


def number_of(values: Mapping[str, str]) -> int:
    text = str(values.get("page", "1"))
    return int(text) if text.isdigit() and len(text) < 9 else 1


def filter_fields(chosen: Filter) -> list[tuple[str, str]]:
    """The filter as form fields (only those set)."""
    fields = (
        ("q", chosen.search),
        ("constituency", chosen.constituency),
        ("joined", chosen.joined),
        ("reach", chosen.reach),
    )
    return [(name, value) for name, value in fields if value]


def links(path: str, chosen: Filter, shown: Page, anchor: str = "") -> dict[str, str]:
    """The addresses of the first, previous, next and last pages ("" where there is none);
    `anchor` ("#list") brings the list, not the top of the page, into view."""

    def to(number: int) -> str:
        fields = filter_fields(chosen) + ([("page", str(number))] if number > 1 else [])
        return (f"{path}?{urlencode(fields)}" if fields else path) + anchor

    earlier, later = shown.number > 1, shown.number < shown.pages
    return {
        "first": to(1) if earlier else "",
        "previous": to(shown.number - 1) if earlier else "",
        "next": to(shown.number + 1) if later else "",
        "last": to(shown.pages) if later else "",
    }


def values(path: str, chosen: Filter, shown: Page, anchor: str = "") -> dict[str, object]:
    """What the member list templates need to show the filter and the page."""
    return {
        "chosen": chosen,
        "shown": shown,
        "links": links(path, chosen, shown, anchor),
        "anchor": anchor,
        "joined_choices": JOINED_CHOICES,
        "reach_choices": REACH_CHOICES,
        "filter_fields": filter_fields(chosen),
        "filtered": bool(filter_fields(chosen)),
    }
