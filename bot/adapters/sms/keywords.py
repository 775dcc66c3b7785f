"""What a whole text means on its own: Twilio's opt-out keywords, HELP, and the commands
members may type without a slash ("RESULTS")."""

from __future__ import annotations

import re

from handlers.i18n import N_

# Twilio's default opt-out handling: a text that is just one of these words (any case)
# opts the number out of everything the account sends, until one of START_WORDS.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
# Twilio opts a number back in on YES too; only from a number that stopped is it read so
# (from anyone else "yes" is an answer like any other).
START_WHEN_STOPPED = START_WORDS | {"YES"}
HELP_WORDS = frozenset({"HELP", "INFO", "HELPU", "CYMORTH"})
# The identity's `unreachable_reason` while the member does not want texts: the officer
# reads it in `mutual-voice members unreachable` and the console.
STOPPED = "texted STOP: does not want texts (texting START undoes it)"
HELP = N_(
    "{organisation}: reply with a number to answer a question, or text VOTE, PULSE, "
    "RESULTS or SUGGEST. Text STOP to stop our texts."
)
# Added to HELP while the member is on the roll of a general meeting still to come or running.
HELP_MEETING = N_("For the general meeting, text MEETING, PROXY, NOMINATE or HERE.")
STARTED = N_("{organisation}: you'll get our texts again. Text STOP to stop them.")
_COMMAND = re.compile(r"^/?([A-Za-z]{2,32})(?:\s+(.*))?$", re.DOTALL)


def word(text: str) -> str:
    return text.strip().upper()


def is_stop(text: str) -> bool:
    return word(text) in STOP_WORDS


def is_start(text: str, stopped: bool = False) -> bool:
    return word(text) in (START_WHEN_STOPPED if stopped else START_WORDS)


def is_help(text: str) -> bool:
    return word(text) in HELP_WORDS


def command(text: str, known: set[str]) -> tuple[str, str] | None:
    """(name, args) when the text is a command: "/name args" always, a bare known word
    ("results", "VOTE 3") when it names one."""
    found = _COMMAND.match(text.strip())
    if not found:
        return None
    name, args = found[1].lower(), (found[2] or "").strip()
    if text.strip().startswith("/") or name in known:
        return name, args
    return None
