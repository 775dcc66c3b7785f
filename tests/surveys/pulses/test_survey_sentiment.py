import pytest

from surveys.pulses.sentiment import label, polarity


def test_polarity_reads_the_tone_of_a_comment():
    assert polarity("I love working here, the team is great") > 0.1
    assert polarity("The new rota is terrible and unfair") < -0.1
    assert polarity("The meeting is on Tuesday") == 0.0
    assert -1.0 <= polarity("Awful, awful, awful!!!") <= 1.0


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (1.0, "positive"),
        (0.1, "positive"),
        (0.09, "neutral"),
        (0.0, "neutral"),
        (-0.09, "neutral"),
        (-0.1, "negative"),
        (-1.0, "negative"),
    ],
)
def test_label_thresholds_are_plus_or_minus_a_tenth(score, expected):
    assert label(score) == expected
