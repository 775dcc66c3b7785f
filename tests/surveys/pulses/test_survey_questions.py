import pytest

from surveys.pulses.questions import (
    AGREE_LABELS,
    MAX_COMMENT_CHARS,
    ChoiceQuestion,
    CommentQuestion,
    EnpsQuestion,
    ScaleQuestion,
    SurveyDefinition,
)


def test_scale_accepts_1_to_5_and_offers_labelled_buttons():
    question = ScaleQuestion("voice", "I feel my voice is heard and acted on.")
    assert question.values == (1, 2, 3, 4, 5)
    assert [question.parse_answer(str(v)) for v in range(1, 6)] == [1, 2, 3, 4, 5]
    assert question.parse_answer(" 4 ") == 4
    assert question.choices() == tuple(zip(AGREE_LABELS, ["1", "2", "3", "4", "5"], strict=True))


@pytest.mark.parametrize("value", ["0", "6", "-1", "four", "", "4.5"])
def test_scale_rejects_anything_else(value):
    with pytest.raises(ValueError):
        ScaleQuestion("voice", "Heard?").parse_answer(value)


def test_enps_accepts_0_to_10():
    question = EnpsQuestion("enps", "How likely are you to recommend us as a place to work?")
    assert question.values == tuple(range(11))
    assert question.parse_answer("0") == 0
    assert question.parse_answer("10") == 10
    assert [value for _, value in question.choices()] == [str(v) for v in range(11)]
    for bad in ("11", "-1", "ten"):
        with pytest.raises(ValueError):
            question.parse_answer(bad)


def test_choice_accepts_exactly_its_options():
    question = ChoiceQuestion("lunch", "Lunch?", ("Soup", "Salad"))
    assert question.values == ("Soup", "Salad")
    assert question.parse_answer("Salad") == "Salad"
    assert question.choices() == (("Soup", "Soup"), ("Salad", "Salad"))
    with pytest.raises(ValueError, match="not one of the options"):
        question.parse_answer("Pie")


def test_comment_keeps_text_and_refuses_empty_or_huge():
    question = CommentQuestion("comment", "Anything else?")
    assert question.parse_answer("  More breaks please \n") == "More breaks please"
    with pytest.raises(ValueError, match="empty"):
        question.parse_answer("   ")
    with pytest.raises(ValueError, match="longer"):
        question.parse_answer("x" * (MAX_COMMENT_CHARS + 1))


def test_questions_are_skippable_by_default_and_have_a_topic():
    question = ScaleQuestion("proud", "I feel proud to be an owner of this organisation.")
    assert question.optional is True
    assert question.topic == "I feel proud to be an owner of this organisation"
    assert ScaleQuestion("proud", "Proud?", topic="Pride").topic == "Pride"


def test_questions_are_frozen():
    question = ScaleQuestion("voice", "Heard?")
    with pytest.raises(AttributeError):
        question.text = "Changed"


def test_definition_finds_questions_by_id():
    voice = ScaleQuestion("voice", "Heard?")
    definition = SurveyDefinition(
        id="pulse", title="Pulse", intro="", audience=("staff",), questions=(voice,)
    )
    assert definition.question("voice") is voice
    assert definition.anonymous is True
    assert (definition.open_hours, definition.reminder_hours) == (72, 48)
    with pytest.raises(KeyError):
        definition.question("missing")
