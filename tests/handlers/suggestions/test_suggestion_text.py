"""Contact details that may identify a suggester, and how alike two suggestions are."""

import pytest

from handlers.suggestions.text import may_identify, similar, snippet, words


@pytest.mark.parametrize(
    "text",
    [
        "Ring me on 07700 900123",
        "my number is +44 (0)20 7946 0018 after six",
        "call 0800-123-4567",
        "email pat.murphy@example.org please",
        "PAT@EXAMPLE.CO.UK",
    ],
)
def test_contact_details_are_noticed(text):
    assert may_identify(text)


@pytest.mark.parametrize(
    "text",
    [
        "Flat 12 has had no heating for 3 weeks",
        "Since 2026-11-23 the lift is broken",
        "The rent went up by £1,200 this year",
        "Meeting at 10:30 on 23/11/2026",
        "<!channel> *bold* <https://x.example|y> <b>hi</b>",
    ],
)
def test_ordinary_numbers_are_not_contact_details(text):
    assert not may_identify(text)


def test_words_drop_little_words_and_plurals():
    assert words("The lights in the stairwells aren't working!") == [
        "aren't",
        "light",
        "stairwell",
        "working",
    ]


def test_similar_is_word_overlap_and_keeps_the_three_closest():
    earlier = [
        (1, " ".join(words("The stairwell light at Oak House is broken"))),
        (2, " ".join(words("Could someone fix the laundry door"))),
        (3, " ".join(words("Stairwell light broken again at Oak House"))),
    ]
    assert similar(words("Broken stairwell light in Oak House"), earlier) == [1, 3]
    assert similar(words("Laundry"), earlier) == []
    assert similar([], earlier) == []


def test_snippet_is_one_short_line():
    assert snippet("a  b\nc") == "a b c"
    assert snippet("x" * 80, 10) == "x" * 9 + "…"
