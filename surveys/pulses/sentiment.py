"""Sentiment of free-text comments, offline, via TextBlob's pattern lexicon."""

from typing import Literal

Sentiment = Literal["positive", "neutral", "negative"]

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


def label(score: float) -> Sentiment:
    """positive from 0.1, negative from -0.1, neutral in between."""
    if score >= POSITIVE_FROM:
        return "positive"
    if score <= NEGATIVE_FROM:
        return "negative"
    return "neutral"
