"""Sentiment of free-text comments, offline, via TextBlob's pattern lexicon.

TextBlob reads English only: text written in another language would come out "neutral"
whatever it says, so it is not scored (see `reads` and `not_scored`). Which language a
text is in comes from its writer's language setting, never from guessing at the words.
"""

from typing import Literal

from babel import Locale, UnknownLocaleError

Sentiment = Literal["positive", "neutral", "negative"]
# The languages `polarity` can score (base language codes).
SCORED_LANGUAGES = frozenset({"en"})

# TextBlob polarity runs from -1 to 1; mild wording ("fine", "too long") sits near 0,
# so only a score of at least 0.1 either way counts as positive or negative.
POSITIVE_FROM = 0.1
NEGATIVE_FROM = -0.1


def polarity(text: str) -> float:
    """How positive `text` is, from -1 (negative) to 1 (positive)."""
    # Imported here because textblob pulls in nltk (about a second), which only
    # scoring comments needs; CLI commands and bot start-up should not pay for it.
    from textblob import TextBlob

    return float(TextBlob(text).sentiment.polarity)


def reads(language: str | None) -> bool:
    """Whether `polarity` can score text written in `language` (a BCP 47 tag)."""
    return (language or "en").split("-")[0].lower() in SCORED_LANGUAGES


def not_scored(language: str) -> str:
    """The label for text we cannot score, e.g. "not scored (Welsh)"."""
    try:
        name = Locale.parse(language, sep="-").get_display_name("en") or language
    except (UnknownLocaleError, ValueError):
        name = language
    return f"not scored ({name})"


def label(score: float) -> Sentiment:
    """positive from 0.1, negative from -0.1, neutral in between."""
    if score >= POSITIVE_FROM:
        return "positive"
    if score <= NEGATIVE_FROM:
        return "negative"
    return "neutral"
