"""The Welsh catalogue read as Welsh: numbers mutate the nouns they count, no word that
mutates stands before a name the bot fills in, and dates read naturally mid-sentence.

Welsh changes the first letter of a word after certain words (mutations): "dau ddiwrnod"
(two days), "chwe phleidlais" (six votes), "am Gyfrannwr". The bot cannot mutate a name
it inserts, so the catalogue must never put such a word right before one; and each plural
entry must give all six forms of the Welsh plural rule (0, 1, 2, 3, 6, other).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from babel.messages.pofile import read_po

from handlers import i18n

ROOT = Path(__file__).resolve().parents[3]
WELSH = ROOT / "handlers" / "locale" / "cy" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{([a-z_]+)(?:![a-z])?(?::[^{}]*)?\}")

# Nouns counted in the catalogue, by gender: a feminine noun mutates after 1 ("1 bleidlais")
# and does not take the aspirate after 3 ("3 pleidlais", tair); a masculine one does
# ("3 phapur", tri). Add a noun here when a new message counts it.
FEMININE = {"pleidlais", "llinell", "sedd", "cymeradwyaeth", "gwaith", "munud", "pobl"}
MASCULINE = {
    "awgrym", "syniad", "holiadur", "diwrnod", "papur", "cwestiwn", "aelod", "opsiwn",
    "lle", "person", "prosiect", "nod", "grŵp", "canlyniad", "ateb",
}
# Plurals used after "o" ("11 o bapurau"), which always takes the soft mutation.
PLURALS = {
    "pleidleisiau", "llinellau", "seddi", "cymeradwyaethau", "awgrymiadau", "syniadau",
    "holiaduron", "diwrnodau", "papurau", "cwestiynau", "aelodau", "opsiynau", "lleoedd",
    "personau", "prosiectau", "nodau", "grwpiau", "gweithiau", "pobl", "munudau",
}

# Words after which Welsh mutates the next word (soft, aspirate or nasal). "'n" is the
# predicative yn ("Rydych chi'n Gyfrannwr"), "'r" the article (a feminine noun mutates).
MUTATING = {
    "yn", "'n", "am", "i", "o", "at", "ar", "tan", "dan", "dros", "drwy", "trwy", "wrth",
    "gan", "heb", "hyd", "gyda", "â", "ag", "a", "ei", "'i", "dy", "fy", "'m", "ein", "eu",
    "dau", "dwy", "tri", "tair", "chwe", "y", "yr", "'r", "neu", "mor", "na", "dyma", "dyna",
    "pa", "erbyn", "cyn", "ers", "annwyl",
}
# Placeholders that never receive a name or noun: numbers, codes, whole phrases that start
# with an article or verb, and dates (checked apart, below).
NOT_NOUNS = {
    "n", "count", "number", "quorum", "limit", "length", "threshold", "days", "every",
    "ballots", "votes", "valid", "invalid", "blank", "cast", "eligible", "voted", "total",
    "spent", "budget", "left", "cost", "level", "exhausted", "kept", "lost", "gone",
    "surplus", "value", "quota", "percent", "turnout", "fraction", "step", "score", "place",
    "member_id", "code", "receipt", "votes_for", "against", "abstain",
    "when", "done", "headline", "promise", "step_up", "text", "reason", "note", "outcome",
    "how", "tie", "moves", "moved", "standings", "counts", "change", "trend",
}
DATES = {"closes", "opens", "day", "opened", "closed", "date"}
# Personal names: modern Welsh letters keep a person's name unmutated ("Annwyl Pat"); and
# "{first} a {last}" joins a list whose last item is a phrase or label ("wedi pleidleisio").
NAME_AFTER = {("annwyl", "name"), ("a", "last")}

WEEKDAYS = r"(?:[Dd]ydd|Sul|Llun|Maw|Mawrth|Mer|Mercher|Iau|Gwen|Gwener|Sad|Sadwrn)"
PREPOSITIONS = r"(?:tan|ar|am|erbyn|cau|agor|ers|o|i|cyn|hyd|yn|gan|â|a)"
UNMUTATED_DATE = re.compile(rf"\b{PREPOSITIONS}\s+{WEEKDAYS}\b", re.IGNORECASE)


def catalogue():
    with WELSH.open("rb") as source:
        return read_po(source, locale="cy")


def forms(entry) -> tuple[str, ...]:
    return (entry.string,) if isinstance(entry.string, str) else tuple(entry.string)


def soft(word: str) -> str:
    for radical, mutated in (("ll", "l"), ("rh", "r"), ("p", "b"), ("t", "d"), ("c", "g"),
                             ("b", "f"), ("d", "dd"), ("g", ""), ("m", "f")):
        if word.startswith(radical) and not word.startswith(("ph", "th", "ch", "dd")):
            return mutated + word[len(radical):]
    return word


def aspirate(word: str) -> str:
    if word[:1] in ("p", "t", "c") and word[1:2] != "h":
        return word[0] + "h" + word[1:]
    return word


def radical_of(word: str, nouns: set[str]) -> str | None:
    """The noun in `nouns` that `word` is, mutated or not."""
    for noun in nouns:
        if word in (noun, soft(noun), aspirate(noun)):
            return noun
    return None


def unmutated_soft(word: str, nouns: set[str]) -> bool:
    """Plainly not soft-mutated: a radical that would change, or a letter no soft mutation gives."""
    if word in nouns and soft(word) != word:
        return True
    return word.startswith(("ll", "rh", "m")) or (
        word[:1] in ("p", "t", "c") and word[1:2] != "h"
    )


def expected(noun: str, form: int) -> str:
    """The noun after the number in plural form 0-5 (n = 0, 1, 2, 3, 6, other)."""
    feminine = noun in FEMININE
    if form == 1 and feminine and not noun.startswith(("ll", "rh")):
        return soft(noun)
    if form == 2:
        return soft(noun)
    if (form == 3 and not feminine) or form == 4:
        return aspirate(noun)
    return noun


def count_placeholder(singular: str, plural: str) -> str | None:
    """The placeholder the number goes in: the one whose next words differ in the plural."""
    best = None
    for match in PLACEHOLDER.finditer(singular):
        after_s = singular[match.end():].split()[:3]
        start = plural.find(match.group(0))
        if start < 0:
            continue
        after_p = plural[start + len(match.group(0)):].split()[:3]
        for distance, (a, b) in enumerate(zip(after_s, after_p, strict=False)):
            if a != b:
                if best is None or distance < best[0]:
                    best = (distance, match.group(1))
                break
    return best[1] if best else None


def number_problems(entry) -> list[str]:
    name = count_placeholder(*entry.id)
    if name is None:
        return []
    problems = []
    nouns = FEMININE | MASCULINE
    found = re.compile(r"\{" + name + r"(?:[^{}]*)\}\s+([\w'’ŵŷâêîôû]+)(?:\s+([\w'’ŵŷâêîôû]+))?")
    for index, text in enumerate(forms(entry)):
        for word, following in found.findall(text):
            word, following = word.lower(), following.lower()
            if word == "o":  # "11 o bapurau": always the soft mutation
                if following and unmutated_soft(following, PLURALS | nouns):
                    problems.append(f"form {index}: 'o {following}' is not mutated")
                continue
            noun = radical_of(word, nouns)
            if noun is not None and word != expected(noun, index):
                problems.append(f"form {index}: '{word}' should be '{expected(noun, index)}'")
            elif noun is None and index == 2 and unmutated_soft(word, nouns):
                problems.append(f"form 2 (two): '{word}' is not mutated")
            elif noun is None and index == 4 and word != aspirate(word):
                problems.append(f"form 4 (six, chwe): '{word}' takes the aspirate mutation")
    strings = forms(entry)
    if len(set(strings)) == 1 and problems:
        problems.insert(0, "all six forms are the same")
    return [f"{entry.id[0]!r}: {p}" for p in problems]


def test_numbers_mutate_the_nouns_they_count_in_all_six_plural_forms():
    problems = []
    plurals = [e for e in catalogue() if e.id and e.pluralizable]
    assert len(plurals) > 20
    for entry in plurals:
        assert len(forms(entry)) == 6, entry.id
        problems += number_problems(entry)
    assert problems == []


NUMBERS = {"n", "count", "number", "limit", "length", "threshold", "days", "every", "ballots",
           "votes", "valid", "invalid", "blank", "cast", "eligible", "voted", "total", "level"}


def test_a_number_before_a_noun_that_mutates_has_a_plural_form():
    """ "bob {every} pleidlais" cannot say "bob 2 bleidlais": such a message needs ngettext."""
    nouns = FEMININE | MASCULINE
    problems = []
    for entry in catalogue():
        if not entry.id or entry.pluralizable:
            continue
        for match in re.finditer(r"\{([a-z_]+)(?::[^{}]*)?\}\s+([\w'’ŵŷâêîôû]+)", entry.string):
            noun = radical_of(match.group(2).lower(), nouns)
            if match.group(1) in NUMBERS and noun and {soft(noun), aspirate(noun)} != {noun}:
                problems.append(f"{entry.id!r}: '{match.group(0)}' needs the six plural forms")
    assert problems == []


def test_the_checker_knows_welsh_numbers():
    """The rule above, on forms a Welsh speaker wrote out."""
    assert [expected("pleidlais", i) for i in range(6)] == [
        "pleidlais", "bleidlais", "bleidlais", "pleidlais", "phleidlais", "pleidlais"]
    assert [expected("papur", i) for i in range(6)] == [
        "papur", "papur", "bapur", "phapur", "phapur", "papur"]
    assert expected("diwrnod", 2) == "ddiwrnod" and expected("llinell", 2) == "linell"
    assert expected("llinell", 1) == "llinell"  # ll and rh resist the mutation after un
    assert count_placeholder("{n:,} vote", "{n:,} votes") == "n"
    assert count_placeholder("at least {quorum}% ({n:,} member) had", "at least {quorum}% ({n:,} members) had") == "n"


def preceding_word(text: str, start: int) -> str | None:
    """The word right before position `start` when only a space separates them."""
    match = re.search(r"(?:^|[\s(“\"])([\w'’ŵŷâêîôû]+) $", text[:start])
    if not match:
        return None
    word = match.group(1).lower().replace("’", "'")
    for clitic in ("'n", "'r", "'i", "'m"):
        if word.endswith(clitic) and word != clitic:
            return clitic
    return word


def test_no_mutating_word_stands_right_before_a_name_the_bot_fills_in():
    problems = []
    for entry in catalogue():
        if not entry.id:
            continue
        for text in forms(entry):
            for match in PLACEHOLDER.finditer(text):
                name = match.group(1)
                if name in NOT_NOUNS or name in DATES:
                    continue
                word = preceding_word(text, match.start())
                if word in MUTATING and (word, name) not in NAME_AFTER:
                    problems.append(f"'{word} {match.group(0)}' in {text!r}")
    assert problems == []


def rendered_dates() -> list[str]:
    """Every way the bot writes a date in Welsh, on each day of one week."""
    welsh = i18n.translator("cy")
    monday = datetime(2026, 12, 7, 13, 12)
    days = [monday + timedelta(days=k) for k in range(7)]
    return [f(d) for d in days for f in (welsh.when, welsh.day, welsh.short_when, welsh.date)]


def test_a_welsh_date_reads_naturally_after_the_words_before_it():
    dates = rendered_dates()
    assert any("ddydd Sadwrn" in d for d in dates), dates
    problems = []
    for entry in catalogue():
        if not entry.id:
            continue
        for text in forms(entry):
            names = {m.group(1) for m in PLACEHOLDER.finditer(text)}
            if not names & DATES:
                continue
            if re.search(r"(?:^|[:.!?]\s*)\{(?:" + "|".join(DATES) + r")\}", text):
                problems.append(f"a date starts a sentence: {text!r}")
            for date in dates:
                shown = PLACEHOLDER.sub(
                    lambda m, date=date: date if m.group(1) in DATES else "X", text
                )
                for bad in UNMUTATED_DATE.findall(shown) or ():
                    problems.append(f"{bad!r} in {shown!r}")
                    break
    assert problems == []
    # The dates themselves: ordinals and weekdays in their Welsh forms.
    assert i18n.translator("cy").when(datetime(2026, 12, 12, 17, 0)).startswith("ddydd Sadwrn 12")


def test_welsh_ordinals_follow_the_noun_and_use_eg_where_welsh_does():
    from handlers.votes.screens import ordinal

    welsh = i18n.translator("cy")
    assert [ordinal(n, welsh) for n in range(1, 21)] == [
        "1af", "2il", "3ydd", "4ydd", "5ed", "6ed", "7fed", "8fed", "9fed", "10fed",
        "11eg", "12fed", "13eg", "14eg", "15fed", "16eg", "17eg", "18fed", "19eg", "20fed",
    ]
    english = i18n.translator("en")
    assert [ordinal(n, english) for n in (1, 2, 3, 4, 11, 12, 13, 21)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st"]
    asked = welsh("Your {ordinal} choice?").format(ordinal=ordinal(1, welsh))
    assert asked == "Eich dewis 1af?"


def test_slips_a_welsh_reader_noticed_stay_fixed():
    welsh = "\n".join(text for entry in catalogue() if entry.id for text in forms(entry))
    for slip in (
        "wedi'u oedi",  # h before a vowel after 'u: wedi'u hoedi
        "dal bleidleisio",  # gallwch chi ddal i bleidleisio
        "nhw dal",  # dal mutates after the subject
        "ymuno â'ch gwahoddiad",  # "join your invitation"
        "yn ôl ymlaen",  # "back on"
        "Sut rydyn ni'n gwneud",  # "how we're doing", word for word
        "cyn iddo allu agor",  # a vote (pleidlais) is feminine
        "ddim yn gwybod /",  # one doesn't "know" a command
    ):
        assert slip not in welsh


def test_a_threshold_is_said_in_words_not_as_a_fraction():
    from fractions import Fraction

    from surveys.votes.tally.simple import SIMPLE_MAJORITY, TWO_THIRDS, Threshold

    welsh = i18n.translator("cy")
    assert SIMPLE_MAJORITY.to_pass(10).render(welsh) == (
        "I basio, mae angen mwy na hanner o'r 10 o bleidleisiau a fwriwyd ar y cynnig."
    )
    assert TWO_THIRDS.to_pass(2).render(welsh) == (
        "I basio, mae angen o leiaf dwy ran o dair o'r 2 bleidlais a fwriwyd ar y cynnig."
    )
    assert str(TWO_THIRDS.to_pass(6)).startswith("To pass, the resolution needs at least two thirds")
    assert "60%" in str(Threshold(Fraction(3, 5), inclusive=True).to_pass(5))


def test_a_welsh_list_joins_its_last_item_with_ac_before_a_vowel():
    welsh, english = i18n.translator("cy"), i18n.translator("en")
    assert welsh.listing(["staff", "tenantiaid"]) == "staff a tenantiaid"
    assert welsh.listing(["staff", "tenantiaid", "aelodau'r bwrdd"]) == (
        "staff, tenantiaid ac aelodau'r bwrdd"
    )
    assert welsh.listing(["wedi ateb 2 holiadur"]) == "wedi ateb 2 holiadur"
    assert english.listing(["staff", "owners"]) == "staff and owners"
