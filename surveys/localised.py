"""Text given in several languages in a survey, vote or ladder file.

A file may give any text as a table of languages, e.g.
`text = { en = "How are you?", cy = "Sut ydych chi?" }`. It is read as a `Local`: a str
(so everything that only shows or compares text keeps working) holding the English
text, or the first language given, plus every translation. `in_language` picks the
member's language, else the organisation's.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
# The fields members read (ids, audiences and schedules are not translated; topics are:
# the members' newsletter quotes a check-in's figure by its topic).
MEMBER_FIELDS = frozenset(
    {
        "title",
        "intro",
        "thanks",
        "text",
        "labels",
        "options",
        "explanation",
        "name",
        "statement",
        "promise",
        "asks",
        "gives",
        "step_up",
        "topic",
    }
)


class Local(str):
    """A text with its translations; as a str it reads in English (or the first language)."""

    translations: dict[str, str]

    def __new__(cls, translations: dict[str, str]) -> Local:
        text = super().__new__(cls, translations.get("en") or next(iter(translations.values())))
        text.translations = dict(translations)
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (Local, (self.translations,))


def in_language(text: str, language: str, fallback: str) -> str:
    """`text` in `language`, else in `fallback` (the organisation's), else as written."""
    if not isinstance(text, Local):
        return text
    for tag in (language, language.split("-")[0], fallback):
        if tag in text.translations:
            return text.translations[tag]
    return str(text)


def to_data(value: Any) -> Any:
    """Text or a list of texts as a file would give it: a table of languages where translated."""
    if isinstance(value, Local):
        return dict(value.translations)
    if isinstance(value, list | tuple) and any(isinstance(item, Local) for item in value):
        languages = {language for item in value for language in _langs(item, "en")}
        return {lang: [in_language(item, lang, "en") for item in value] for lang in languages}
    return value


def from_data(value: Any) -> Any:
    """The text `to_data` gave (a table of languages becomes a `Local`)."""
    return Local(value) if isinstance(value, dict) else value


def languages_used(definition: Any, plain: str) -> set[str]:
    """Every language the definition gives text in (`plain` for text given once)."""
    return {language for _, text in _texts(definition, "") for language in _langs(text, plain)}


def missing_translations(definition: Any, plain: str, readers: Iterable[str] = ()) -> list[str]:
    """One line per text lacking a language the rest of the definition uses, or that
    members read (`readers`). Text written once (not as a table) counts as `plain`, the
    organisation's language."""
    wanted = languages_used(definition, plain) | set(readers)
    lines = []
    for where, text in _texts(definition, ""):
        lacking = sorted(wanted - _langs(text, plain))
        if lacking:
            lines.append(f"{where}: no {', '.join(lacking)} ({str(text)[:40]!r})")
    return lines


def _langs(text: str, plain: str) -> set[str]:
    return set(text.translations) if isinstance(text, Local) else {plain}


def _texts(value: Any, where: str) -> list[tuple[str, str]]:
    """(where, text) for every non-empty text in a tree of dataclasses and tuples."""
    if isinstance(value, str):
        return (
            [(where, value)]
            if value and where.rsplit(".", 1)[-1].split("[")[0] in MEMBER_FIELDS
            else []
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = []
        for field in dataclasses.fields(value):
            inner = getattr(value, field.name)
            if field.name == "topic" and _derived_topic(value, inner):
                continue  # made from the question's text, which is listed already
            if field.name in MEMBER_FIELDS or not isinstance(inner, str):
                found += _texts(inner, _join(where, field.name))
        return found
    if isinstance(value, tuple | list):
        found = []
        for n, item in enumerate(value, start=1):
            found += _texts(item, f"{where}[{n}]")
        return found
    return []


def _derived_topic(question: Any, topic: str) -> bool:
    text = getattr(question, "text", None)
    return isinstance(text, str) and str(topic) == str(text).strip().rstrip(".?!")


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
