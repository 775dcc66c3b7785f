"""Text someone wrote, isolated from the words around it whatever direction it runs in.

A name or a suggestion may hold right-to-left letters or bidirectional controls
(U+202A–U+202E, U+2066–U+2069). Unisolated, an override such as U+202E would reverse
the words after it ("… from Pat: ‮gnirts‬" showing as text that was never written), and a
stray U+2069 would close an isolate opened by the text around it. `isolate` closes
whatever the text opens, drops closers it never opened, and wraps each line in
FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so that it reads as written and
nothing around it moves. Plain left-to-right text without controls is left as it is.
"""

from __future__ import annotations

import unicodedata

EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE RLE LRO RLO
ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI
PDF, PDI, FSI = "\u202c", "\u2069", "\u2068"
MARKS = frozenset("\u200e\u200f\u061c")  # LRM RLM ALM
CONTROLS = EMBEDDINGS | ISOLATES | MARKS | {PDF, PDI}
RIGHT_TO_LEFT = frozenset(("R", "AL", "AN"))


def needs_isolation(text: str) -> bool:
    return any(c in CONTROLS or unicodedata.bidirectional(c) in RIGHT_TO_LEFT for c in text)


def balanced(line: str) -> str:
    """`line` with every embedding, override and isolate it opens closed at its end, and
    every closer it did not open taken out."""
    out, open_ = [], []  # open_: the openers not closed yet, innermost last
    for c in line:
        if c in EMBEDDINGS or c in ISOLATES:
            open_.append(c)
        elif c == PDF:
            if not open_ or open_[-1] not in EMBEDDINGS:
                continue  # closes nothing of its own (or would close an isolate)
            open_.pop()
        elif c == PDI:
            if not any(o in ISOLATES for o in open_):
                continue
            while open_.pop() not in ISOLATES:  # a PDI closes embeddings inside it too
                pass
        out.append(c)
    closers = [PDF if o in EMBEDDINGS else PDI for o in reversed(open_)]
    return "".join(out + closers)


def isolate(text: str) -> str:
    """Each line of `text` isolated (see the module's docstring); plain text unchanged."""
    if not text or not needs_isolation(text):
        return text
    return "\n".join(f"{FSI}{balanced(line)}{PDI}" if line else line for line in text.split("\n"))


def without_controls(text: str) -> str:
    """`text` without bidirectional controls: for output that has no bidi algorithm (PDF)."""
    return "".join(c for c in text if c not in CONTROLS)
