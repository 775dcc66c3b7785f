"""Keeps secrets out of logs and error messages, whatever a library puts in them: the
bot's tokens (`Redactor`), and what members typed and pressed (`Withhold`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable


class Redactor(logging.Filter):
    """Replaces every known secret with *** in log records and in text it is given."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


# Loggers of the libraries the bot runs on. At DEBUG they log every API call's parameters
# and every update (python-telegram-bot), request and response bodies (slack_sdk,
# httpcore): what members typed and pressed, next to their chat.
LIBRARIES = (
    "telegram",
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "hpack",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "websockets",
    "apscheduler",
    "twilio",
    "aiohttp_retry",
)
WITHHELD = "…"
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,40}")
PHRASE = re.compile(r"[A-Za-z][A-Za-z0-9_. ]{0,60}")
# Templates of library log lines whose arguments are partly safe to keep: which ones are
# names (an API method, an HTTP verb), which a URL whose last part is the method called.
SUMMARIES = {
    "Calling Bot API endpoint `%s` with parameters `%s`": "Calling Bot API endpoint `{0}`",
    "Call to Bot API endpoint `%s` finished with return value `%s`": (
        "Call to Bot API endpoint `{0}` finished"
    ),
    'HTTP Request: %s %s "%s %d %s"': 'HTTP Request: {0} …/{1:url} "{2} {3} {4}"',
}


class Withhold(logging.Filter):
    """Keeps what members sent out of the libraries' log lines, at every level.

    A library's line keeps its wording and its numbers (status codes, counts, ids) but
    none of its text arguments: those are parameters, updates and bodies, which carry
    message text, callback data and button values. A few known lines keep the API
    method called. A line with no arguments may have been formatted before logging (an
    f-string: slack_sdk logs request bodies so), so only its opening words are kept.
    The product's own lines are written to carry none of these, and are left alone.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if _from_library(record.name):
            record.msg, record.args = abridged(record), None
        return True


def _from_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


def abridged(record: logging.LogRecord) -> str:
    template, args = str(record.msg), record.args
    if not args or not isinstance(args, tuple):  # none, or a mapping: keep the opening words
        found = PHRASE.match(template)
        phrase = found.group(0).strip() if found else ""
        return phrase if phrase == template else f"{phrase} {WITHHELD}".strip()
    summary = SUMMARIES.get(template)
    if summary is not None:
        return summary.format(*(_Safe(arg) for arg in args))
    try:
        return template % tuple(_number_or_withheld(arg) for arg in args)
    except (TypeError, ValueError):
        return f"{template.split('%', 1)[0].strip()} {WITHHELD}"


def _number_or_withheld(arg: object) -> object:
    if isinstance(arg, int | float) and not isinstance(arg, bool):
        return arg
    return WITHHELD


class _Safe:
    """An argument of a known line: a number, a name, or the last part of a URL."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        value = self.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        text = str(value)
        if spec == "url":
            text = text.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return text if NAME.fullmatch(text) else WITHHELD


_installed = False


def withhold_member_content() -> None:
    """Pass every log record made from now on, by any logger, through `Withhold`: done at
    the record's making, so that a handler added later (an operator's, a test's) gets
    only what it may keep."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()
    keep = Withhold()

    def making(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        keep.filter(record)
        return record

    logging.setLogRecordFactory(making)
