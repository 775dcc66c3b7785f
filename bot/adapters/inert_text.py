"""Member text that shows as typed but links, mentions and commands nothing.

Telegram and Slack turn `@name`, `#tag`, `$USD`, `/command`, URLs (with or without a
scheme), `tg://` links and e-mail addresses in plain text into live entities: a
notification to that person, a tappable link, a command sent on a tap. A word joiner
(U+2060, invisible and zero-width) after `@ # $ /`, inside `://` and before the dots of
a name breaks each pattern while the text reads, and copies, the same.
"""

from __future__ import annotations

import re

from surveys.bidi import isolate

WORD_JOINER = "\u2060"

_LIVE = re.compile(
    r"""
      (?<=[@#$/])(?=\w)         # a mention, hashtag, cashtag or bot command
    | (?<=:)(?=//)              # a scheme: https://, tg://
    | (?<=\w)(?=[.。．｡]\w)     # the dots of a domain or an e-mail address
    """,
    re.VERBOSE,
)


def inert(text: str) -> str:
    """Linking nothing, and isolated from the words around it (surveys/bidi.py)."""
    return _LIVE.sub(WORD_JOINER, isolate(text))
