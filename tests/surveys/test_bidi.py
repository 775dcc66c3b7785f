"""Isolating what members wrote from the text around it (surveys/bidi.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from surveys.bidi import EMBEDDINGS, FSI, ISOLATES, PDF, PDI, isolate, without_controls
from surveys.wording import phrase

RLO = "\u202e"


def leaks(text: str) -> bool:
    """True if a line leaves an embedding or isolate open, or closes one it did not open."""
    for line in text.split("\n"):
        open_: list[str] = []
        for c in line:
            if c in EMBEDDINGS or c in ISOLATES:
                open_.append(c)
            elif c == PDF:
                if not open_ or open_[-1] not in EMBEDDINGS:
                    return True
                open_.pop()
            elif c == PDI:
                if not any(o in ISOLATES for o in open_):
                    return True
                while open_.pop() not in ISOLATES:
                    pass
        if open_:
            return True
    return False


def test_plain_text_is_left_as_it_is():
    assert isolate("Pat Murphy, 12 votes (+3)") == "Pat Murphy, 12 votes (+3)"


def test_an_override_is_closed_inside_the_isolate():
    assert isolate(f"Pat{RLO}evil") == f"{FSI}Pat{RLO}evil{PDF}{PDI}"


def test_a_stray_closer_cannot_close_what_surrounds_the_text():
    assert isolate(f"a{PDI}b{PDF}c") == f"{FSI}abc{PDI}"


def test_right_to_left_names_are_isolated_line_by_line():
    assert isolate("سلام\nhi") == f"{FSI}سلام{PDI}\nhi".replace("\nhi", f"\n{FSI}hi{PDI}")


@given(st.text(alphabet="ab\n\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u05d0"))
def test_whatever_a_member_writes_nothing_leaks(text):
    assert not leaks(isolate(text))
    assert not leaks(f"before {isolate(text)} after")


def test_a_candidates_name_in_a_count_explanation_is_isolated():
    line = phrase("{name} is eliminated", name=f"Jo{RLO}x").render()
    assert line == f"{FSI}Jo{RLO}x{PDF}{PDI} is eliminated"


def test_letters_print_names_without_controls():
    assert without_controls(f"Pat{RLO} Mur{PDI}phy") == "Pat Murphy"
