import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.anonymity import (
    SECONDARY_REASON,
    groups_to_hide,
    hidden_reason,
    new_round_secret,
    respondent_key,
)


def test_round_secrets_are_32_random_bytes():
    first, second = new_round_secret(), new_round_secret()
    assert len(first) == 32
    assert first != second


def test_respondent_key_is_stable_within_a_round_and_unlinkable_across():
    secret = new_round_secret()
    key = respondent_key(secret, 7, "member-1")
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert respondent_key(secret, 7, "member-1") == key
    assert respondent_key(secret, "7", "member-1") == key
    assert respondent_key(secret, 7, "member-2") != key
    assert respondent_key(secret, 8, "member-1") != key
    assert respondent_key(new_round_secret(), 7, "member-1") != key


def test_respondent_key_keeps_round_and_member_apart():
    secret = new_round_secret()
    assert respondent_key(secret, 1, "23") != respondent_key(secret, 12, "3")


def test_respondent_key_refuses_a_weak_secret():
    with pytest.raises(ValueError):
        respondent_key(b"short", 1, "member-1")


def test_hidden_reason_in_plain_english():
    assert hidden_reason(5, 5) is None
    assert hidden_reason(4, 5) == (
        "Hidden: only 4 people answered; results show from 5 to protect anonymity."
    )
    assert hidden_reason(1, 5) == (
        "Hidden: only 1 person answered; results show from 5 to protect anonymity."
    )
    assert hidden_reason(0, 5) == "Hidden: nobody answered."
    with pytest.raises(ValueError):
        hidden_reason(3, 0)


def test_groups_large_enough_are_all_shown():
    assert groups_to_hide({"staff": 40, "tenant": 12}, 5) == {}


def test_a_single_small_group_takes_the_next_smallest_with_it():
    hidden = groups_to_hide({"staff": 40, "tenant": 12, "board": 3}, 5)
    assert hidden == {
        "board": "Hidden: only 3 people answered; results show from 5 to protect anonymity.",
        "tenant": SECONDARY_REASON,
    }


def test_small_groups_adding_up_to_the_threshold_need_no_extra_hiding():
    hidden = groups_to_hide({"staff": 40, "tenant": 3, "board": 2}, 5)
    assert set(hidden) == {"tenant", "board"}


def test_empty_small_groups_reveal_nothing():
    assert groups_to_hide({"staff": 40, "board": 0}, 5) == {"board": "Hidden: nobody answered."}


@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 30), max_size=6),
    st.integers(1, 10),
)
def test_hidden_groups_cannot_be_worked_out_by_subtraction(sizes, threshold):
    hidden = groups_to_hide(sizes, threshold)
    assert all(group in hidden for group, size in sizes.items() if size < threshold)
    hidden_total = sum(sizes[group] for group in hidden)
    everything_hidden = set(hidden) == set(sizes)
    assert hidden_total == 0 or hidden_total >= threshold or everything_hidden
