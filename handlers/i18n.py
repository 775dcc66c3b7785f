"""Member-facing text in the member's language: gettext catalogues read with Babel.

Messages are written in English in the code (the msgids); each other language is a
catalogue `handlers/locale/<language>/LC_MESSAGES/messages.po`. The .po files are read
and compiled in memory with Babel the first time a language is used, so translators
edit one text file and nothing needs compiling at install time or can go stale.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from handlers.context import Context
from handlers.messages import Event, Member
from storage import members
from surveys.localised import LANGUAGE_TAG, in_language, missing_translations
from surveys.votes.definitions import VoteDefinition, translation_gaps

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


def N_(text: str) -> str:
    """Marks text for extraction where it is defined; it is translated where it is shown."""
    return text


# NOTE: Unicode date patterns (EEEE weekday, d day, MMMM month, HH:mm time); words in
# single quotes are shown as written.
LONG_WHEN = N_("EEEE d MMMM 'at' HH:mm")
# NOTE: a Unicode date pattern, e.g. "17:00 on Fri 14 Mar".
SHORT_WHEN = N_("HH:mm 'on' EEE d MMM")
# NOTE: a Unicode date pattern, e.g. "Mon 30 Nov".
DAY = N_("EEE d MMM")
# NOTE: a Unicode date pattern, e.g. "Tuesday 9 December 2026".
LONG_DATE = N_("EEEE d MMMM y")

# How a language writes a weekday inside a sentence, where CLDR gives it as a heading.
# Welsh: every date slot in the catalogue is an adverb of time or follows a preposition
# that mutates (tan, ar, erbyn), so "Dydd Sadwrn" is written "ddydd Sadwrn" ("tan ddydd
# Sadwrn", "yn cau ddydd Llun"); tests/handlers/members/test_welsh_catalogue.py holds
# the catalogue to that.
IN_A_SENTENCE: dict[str, tuple[re.Pattern[str], str]] = {"cy": (re.compile(r"\bDydd\b"), "ddydd")}


# "a, b and c"; a translation may join the last item differently before a vowel.
AND = N_("{first} and {last}")
# What starts with a vowel for `Translator.listing`.
VOWELS = frozenset("aeiouâêîôûáéíóúàèìòùäëïöü")


@dataclass(frozen=True)
class Translator:
    """Text, plurals and dates in one language; call it like gettext's `_`."""

    language: str
    catalogue: gettext.NullTranslations
    fallback: str = SOURCE_LANGUAGE

    def __call__(self, text: str) -> str:
        return self.catalogue.gettext(text) if text else text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    def pgettext(self, context: str, text: str) -> str:
        return self.catalogue.pgettext(context, text)

    def pick(self, text: str) -> str:
        """A survey's, vote's or ladder's own text in this language, else the organisation's."""
        return in_language(text, self.language, self.fallback)

    def when(self, local: datetime) -> str:
        """e.g. "Friday 14 March at 17:00" (`local` is already in the reader's time zone)."""
        return self._in_a_sentence(format_datetime(local, self(LONG_WHEN), locale=self.locale))

    def day(self, local: datetime) -> str:
        """e.g. "Mon 30 Nov"."""
        return self._in_a_sentence(format_datetime(local, self(DAY), locale=self.locale))

    def short_when(self, local: datetime) -> str:
        """e.g. "17:00 on Fri 14 Mar"."""
        return self._in_a_sentence(format_datetime(local, self(SHORT_WHEN), locale=self.locale))

    def date(self, day: date) -> str:
        """e.g. "Tuesday 9 December 2026"."""
        return self._in_a_sentence(format_date(day, self(LONG_DATE), locale=self.locale))

    def _in_a_sentence(self, text: str) -> str:
        """The date as it reads mid-sentence (the only place the bot puts one)."""
        rule = IN_A_SENTENCE.get(self.language)
        return rule[0].sub(rule[1], text) if rule else text

    def listing(self, items: list[str] | tuple[str, ...]) -> str:
        """ "a, b and c"; a language may join the last item differently before a vowel
        (Welsh: "a" becomes "ac")."""
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        first, last = ", ".join(items[:-1]), items[-1]
        if last[:1].lower() in VOWELS:
            # NOTE: for a last item that starts with a vowel (Welsh: "{first} ac {last}").
            joined = self.pgettext("before a vowel", "{first} and {last}")
        else:
            joined = self(AND)
        return joined.format(first=first, last=last)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language, sep="-")


@cache
def available() -> tuple[str, ...]:
    """The languages members can read: English, then each shipped catalogue (read once)."""
    shipped = sorted(
        p.parent.parent.name.replace("_", "-")
        for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )
    return (SOURCE_LANGUAGE, *shipped)


@cache
def supported(tag: str | None) -> str | None:
    """The available language that best serves a BCP 47 tag (`cy-GB` is served by `cy`)."""
    if not tag or not LANGUAGE_TAG.match(tag.strip()):
        return None
    tag = tag.strip()
    languages = {language.lower(): language for language in available()}
    for candidate in (tag.lower(), tag.split("-")[0].lower()):
        if candidate in languages:
            return languages[candidate]
    return None


def native_name(language: str) -> str:
    """The language named in itself, e.g. "Cymraeg", "Polski"."""
    try:
        name = Locale.parse(language, sep="-").get_display_name(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return language
    return name[:1].upper() + name[1:] if name else language


@cache
def translator(language: str, fallback: str = SOURCE_LANGUAGE) -> Translator:
    """The translator for an available language (English for any other).

    `fallback` is the organisation's language, for survey and vote text not given in this one.
    """
    language = supported(language) or SOURCE_LANGUAGE
    if language == SOURCE_LANGUAGE:
        return Translator(language, gettext.NullTranslations(), fallback)
    po = LOCALE_DIR / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=language.replace("-", "_"))
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translator(language, Translations(compiled, domain=DOMAIN), fallback)


def language_of(ctx: Context, tag: str | None) -> str:
    """The language a member with this tag reads: theirs if we have it, else the organisation's."""
    return supported(tag) or supported(ctx.policy.organisation.language) or SOURCE_LANGUAGE


def spoken(ctx: Context, tag: str | None) -> str:
    """The language a member with this tag reads or speaks, as a base language code
    (`cy-GB` -> `cy`, `pl` -> `pl` even with no Polish catalogue yet), else the
    organisation's."""
    if tag and LANGUAGE_TAG.match(tag.strip()):
        return tag.strip().split("-")[0].lower()
    return (ctx.policy.organisation.language or SOURCE_LANGUAGE).split("-")[0].lower()


def language_name(language: str, reader: str) -> str:
    """A language named in the reader's language, e.g. ("cy", "en") -> "Welsh"."""
    try:
        name = Locale.parse(language, sep="-").get_display_name(Locale.parse(reader, sep="-"))
    except (UnknownLocaleError, ValueError):
        return language
    return name[:1].upper() + name[1:] if name else language


def for_member(ctx: Context, member: Member | None) -> Translator:
    return translator(language_of(ctx, member.language if member else None), language_of(ctx, None))


def for_event(ctx: Context, event: Event) -> Translator:
    """For whoever sent `event`: a member reads theirs; someone not yet joined, their app's."""
    if event.member is not None:
        return for_member(ctx, event.member)
    return translator(language_of(ctx, event.sender.language), language_of(ctx, None))


def for_row(ctx: Context, row: dict) -> Translator:
    """For a member's roster row (fan-outs): their own choice, else the roster's language."""
    tag = row.get("language_chosen") or row.get("language")
    return translator(language_of(ctx, tag), language_of(ctx, None))


def readers(ctx: Context) -> list[str]:
    """The languages members read (those we have a catalogue for), organisation's first."""
    found = {language_of(ctx, tag) for tag in members.languages_read(ctx.db)}
    found.add(language_of(ctx, None))
    return sorted(found, key=lambda language: (language != language_of(ctx, None), language))


def missing(ctx: Context, definition: object) -> list[str]:
    """The translations a survey or vote definition lacks for this organisation's members."""
    if isinstance(definition, VoteDefinition):
        return translation_gaps(definition, language_of(ctx, None), readers(ctx))
    return missing_translations(definition, language_of(ctx, None), readers(ctx))


def for_member_id(ctx: Context, member_id: str) -> Translator:
    """For a member known only by id (messages the council's actions cause)."""
    return for_row(ctx, members.get(ctx.db, member_id) or {})


def for_account(
    ctx: Context, platform: str, platform_user_id: str, app_language: str | None = None
) -> Translator:
    """For a chat account before its event is handled (e.g. Slack's instant reply to a
    slash command): the member linked to it, or named by the roster's `slack_user_id`,
    else the language their app is set to (`app_language`), else the organisation's."""
    link = members.identity(ctx.db, platform, platform_user_id)
    row = members.get(ctx.db, link["member_id"]) if link else None
    if row is None and platform == "slack":
        row = members.find_by_slack(ctx.db, platform_user_id, None)
    if row is None or row.get("erased_at"):
        return translator(language_of(ctx, app_language), language_of(ctx, None))
    return for_row(ctx, row)


def named(ctx: Context, _: Translator, word: str) -> str:
    """A constituency, group or role as this reader reads it (config `organisation.names`)."""
    return _.pick(ctx.policy.organisation.named(word))


def topic(ctx: Context, _: Translator, stored: str) -> str:
    """A suggestion topic as this reader reads it (topics are stored in the config's English)."""
    found = next((t for t in ctx.policy.suggestions.categories if str(t) == stored), stored)
    return _.pick(found)


def organisation(ctx: Context, _: Translator) -> str:
    """The organisation's name in this reader's language (config `organisation.name`)."""
    return _.pick(ctx.policy.organisation.name)


def for_organisation(ctx: Context) -> Translator:
    return translator(language_of(ctx, None), language_of(ctx, None))


# Sent in place of a secret message (a ballot's confirmation, a ticked answer) whose
# sealed content cannot be opened because the outbox's key was lost
# (storage/outbox.py): it says the member's part is recorded, never what it was.
SEALED_LOST = N_(
    "Your vote or answer was recorded and counts. The message confirming it cannot be "
    "shown: the key that protected it was lost."
)
