"""Counted nouns in plain English: "1 ballot", "2 ballots", "rounds 1 to 3"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and the noun, singular for exactly one: plural(1, "member") == "1 member"."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def number_range(first: int, last: int, noun: str = "round", many: str | None = None) -> str:
    """ "round 1" for one, "rounds 1 to 3" for several."""
    if first == last:
        return f"{noun} {first}"
    return f"{many or noun + 's'} {first} to {last}"
