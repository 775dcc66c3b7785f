"""SMS segments on their exact boundaries: GSM-7 160/153 (the extension table counting
twice and never split), UCS-2 70/67 (a Welsh ŵ or an emoji makes a text UCS-2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.sms.segments import count, gsm_friendly, segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table counts twice
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 158 + "[", "GSM-7", 160, 1),
        ("a" * 152 + "[" + "a" * 10, "GSM-7", 164, 2),  # "[" does not straddle: 152 | 2+10
        ("a" * 152 + "[" + "a" * 152, "GSM-7", 306, 3),  # 152 | 154 > 153: a third part
        ("ŵ" * 70, "UCS-2", 70, 1),
        ("ŵ" * 71, "UCS-2", 71, 2),
        ("ŵ" * 134, "UCS-2", 134, 2),
        ("ŵ" * 135, "UCS-2", 135, 3),
        ("a" * 159 + "ŷ", "UCS-2", 160, 3),  # one Welsh letter: 160 units of UCS-2
        ("🙂" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("a" * 66 + "🙂" + "a", "UCS-2", 69, 1),
        ("a" * 66 + "🙂" + "a" * 2, "UCS-2", 70, 1),
        ("a" * 66 + "🙂" + "a" * 3, "UCS-2", 71, 2),  # the pair goes whole to part two
        ("Ç£¥èéùìòØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà¡¤" * 4, "GSM-7", 160, 1),
    ],
)
def test_exact_boundaries(text, encoding, units, parts):
    found = count(text)
    assert (found.encoding, found.units, found.segments) == (encoding, units, parts)


def test_a_part_boundary_never_splits_a_surrogate_pair():
    # 67 units a part: after 66 letters an emoji would straddle, so it starts part two,
    # and 134 units (two parts' worth) then need three.
    assert segments("a" * 66 + "🙂" + "a" * 65) == 2
    assert segments("a" * 66 + "🙂" + "a" * 66) == 3
    assert segments("a" * 65 + "🙂" + "a" * 67) == 2


def test_typographic_marks_become_plain_so_english_stays_gsm7():
    text = "You\u2019re \u201cin\u201d \u2013 vote now\u2026"
    assert count(text).encoding == "UCS-2"
    assert gsm_friendly(text) == 'You\'re "in" - vote now...'
    assert count(gsm_friendly(text)).encoding == "GSM-7"
    assert gsm_friendly("Pleidleisiwch â llaw ŵyr") == "Pleidleisiwch â llaw ŵyr"  # letters stay


@given(st.text(alphabet=st.sampled_from("ab€[ŵ🙂\n"), max_size=500))
def test_parts_are_enough_and_not_too_many(text):
    found = count(text)
    single, part = (160, 153) if found.encoding == "GSM-7" else (70, 67)
    if found.units <= single:
        assert found.segments == 1
    else:
        # At least the units over the part size; at most one extra per part for a pair
        # moved whole to the next part.
        assert -(-found.units // part) <= found.segments <= -(-found.units // (part - 1))
