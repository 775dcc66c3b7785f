"""Reading a suggestion's words: contact details that may identify, and likeness to others."""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{7,}\d(?!\w)")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    but by can could did do does doing for from had has have having he her here hers him his how
    i if in into is it its just me more most my no nor not now of off on once only or other our
    out over own please same she should so some such than that the their them then there these
    they this those through to too under until up very was we were what when where which while
    who why will with would you your yours get got really think like""".split()  # noqa: SIM905
)
SIMILAR_FROM = 0.3
MOST_SIMILAR = 3


def may_identify(text: str) -> bool:
    """True if `text` seems to hold an email address or a phone number."""
    if EMAIL.search(text):
        return True
    return any(9 <= sum(c.isdigit() for c in m.group()) <= 15 for m in PHONE.finditer(text))


def words(text: str) -> list[str]:
    """The distinct meaningful words of `text`, lower-cased and crudely singular."""
    found = set()
    for word in WORD.findall(text.lower()):
        word = word.removesuffix("'s")
        if len(word) < 3 or word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.add(word)
    return sorted(found)


def similar(mine: Iterable[str], earlier: Iterable[tuple[int, str]]) -> list[int]:
    """Numbers of the earlier suggestions most alike (Jaccard over words), in order."""
    own = set(mine)
    if not own:
        return []
    scored = []
    for number, text in earlier:
        theirs = set(text.split())
        shared = len(own & theirs)
        if shared >= 2 and shared / len(own | theirs) >= SIMILAR_FROM:
            scored.append((shared / len(own | theirs), number))
    best = sorted(scored, reverse=True)[:MOST_SIMILAR]
    return sorted(number for _, number in best)


def snippet(text: str, length: int = 50) -> str:
    """The start of `text` on one line, to remind someone which suggestion this is."""
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"
