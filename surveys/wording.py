"""Counted nouns in plain English ("1 ballot", "rounds 1 to 3"), and phrases: what a
result says to members, to be put in each member's language by handlers/."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from surveys.bidi import isolate
from surveys.localised import Local


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and the noun, singular for exactly one: plural(1, "member") == "1 member"."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def lacking(count: int) -> str:
    """ "1 text lacks a translation", "3 texts lack a translation"."""
    return f"{plural(count, 'text')} {'lacks' if count == 1 else 'lack'} a translation"


def number_range(first: int, last: int, noun: str = "round", many: str | None = None) -> str:
    """ "round 1" for one, "rounds 1 to 3" for several."""
    if first == last:
        return f"{noun} {first}"
    return f"{many or noun + 's'} {first} to {last}"


@dataclass(frozen=True)
class Money:
    """An amount with its currency sign, as a phrase's param: "{left:,}" reads "£9,100", so
    the msgid (and every translation of it) stays the same whatever the currency."""

    amount: int
    currency: str = ""

    def __format__(self, spec: str) -> str:
        return f"{self.currency}{format(self.amount, spec)}"


class Language(Protocol):
    """What a Phrase needs to be put into words: gettext's `_` and `ngettext`."""

    def __call__(self, text: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class _English:
    """The words as written in the code (the msgids)."""

    def __call__(self, text: str) -> str:
        return text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


ENGLISH: Language = _English()


@dataclass(frozen=True)
class Phrase:
    """Words for members, not yet in their language: a gettext msgid and what fills it.

    surveys/ imports nothing of handlers/, so it cannot translate; it says what to say
    with `phrase` and `phrase_n` (pybabel extracts both, see babel.cfg and docs/developer-guide.md)
    and handlers render it in each reader's language. `str()` gives the English. A
    param may be a Phrase itself (a clause), rendered in the same language first.
    `to_data` / `from_data` keep a phrase in JSON, e.g. in a stored vote result.
    """

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def render(self, language: Language = ENGLISH) -> str:
        values = {key: _render(value, language) for key, value in self.params.items()}
        if self.plural is None or self.n is None:
            return language(self.text).format(**values)
        return language.ngettext(self.text, self.plural, self.n).format(n=self.n, **values)

    def __str__(self) -> str:
        return self.render()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "params": {key: _to_data(value) for key, value in self.params.items()},
        }
        if self.plural is not None:
            data |= {"plural": self.plural, "n": self.n}
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Phrase:
        params = {key: _from_data(value) for key, value in data.get("params", {}).items()}
        return cls(data["text"], params, data.get("plural"), data.get("n"))


def _render(value: Any, language: Language) -> Any:
    """A param in the reader's language: a phrase rendered, a survey's own text (Local)
    picked, a tuple of them listed with commas."""
    if isinstance(value, Phrase):
        return value.render(language)
    if isinstance(value, Local):
        pick = getattr(language, "pick", None)
        return pick(value) if pick else str(value)
    if isinstance(value, tuple):
        return ", ".join(str(_render(item, language)) for item in value)
    if isinstance(value, str):  # a candidate's or an option's name, most often
        return isolate(value)
    return value


def _to_data(value: Any) -> Any:
    if isinstance(value, Phrase):
        return value.to_data()
    if isinstance(value, Money):
        return {"money": value.amount, "currency": value.currency}
    if isinstance(value, Local):
        return {"local": dict(value.translations)}
    if isinstance(value, tuple):
        return [_to_data(item) for item in value]
    return value


def _from_data(value: Any) -> Any:
    if isinstance(value, dict):
        if "money" in value:
            return Money(value["money"], value["currency"])
        return Local(value["local"]) if "local" in value else Phrase.from_data(value)
    if isinstance(value, list):
        return tuple(_from_data(item) for item in value)
    return value


def phrase(text: str, **params: Any) -> Phrase:
    """Member-facing words with {placeholders}, marked for translation."""
    return Phrase(text, params)


def phrase_n(singular: str, plural: str, n: int, **params: Any) -> Phrase:
    """Words that follow the number `n` ({n} in the text), marked for translation."""
    return Phrase(singular, params, plural, n)
