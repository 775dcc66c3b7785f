from surveys.wording import number_range, plural


def test_plural_is_singular_only_for_exactly_one():
    assert plural(1, "ballot") == "1 ballot"
    assert plural(0, "ballot") == "0 ballots"
    assert plural(2, "bad row") == "2 bad rows"
    assert plural(1, "reply", "replies") == "1 reply"
    assert plural(3, "reply", "replies") == "3 replies"
    assert plural(10003, "member") == "10,003 members"


def test_number_range_names_one_or_several():
    assert number_range(1, 1) == "round 1"
    assert number_range(1, 3) == "rounds 1 to 3"
