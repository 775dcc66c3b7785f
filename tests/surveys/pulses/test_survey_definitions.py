import copy
from pathlib import Path

import pytest

from surveys.pulses.definitions import (
    DefinitionError,
    builtin_bank_paths,
    load_definition_file,
    load_definitions,
    parse_definition,
)
from surveys.pulses.questions import (
    AGREE_LABELS,
    ChoiceQuestion,
    CommentQuestion,
    EnpsQuestion,
    ScaleQuestion,
)

VALID = {
    "id": "staff",
    "title": "Staff pulse",
    "intro": "Two quick questions.",
    "audience": ["staff"],
    "thanks": "Thank you. The staff council reports back next month.",
    "questions": [
        {"id": "voice", "kind": "scale", "text": "I feel my voice is heard and acted on."},
        {"id": "enps", "kind": "enps", "text": "How likely are you to recommend us?"},
    ],
}


def definition_with(**changes):
    data = copy.deepcopy(VALID)
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return data


def question_with(number, **changes):
    data = copy.deepcopy(VALID)
    data["questions"][number - 1].update(changes)
    return data


def error_for(data):
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data, "staff.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_builtin_banks_load_with_their_audiences():
    definitions = load_definitions(None)
    assert set(definitions) == {"staff-pulse", "tenant-pulse"}
    staff, tenant = definitions["staff-pulse"], definitions["tenant-pulse"]
    assert staff.audience == ("staff",)
    assert tenant.audience == ("tenant",)
    assert 5 <= len(staff.questions) <= 7
    assert 3 <= len(tenant.questions) <= 4
    assert any(isinstance(q, EnpsQuestion) for q in staff.questions)
    assert staff.question("voice").text == "I feel my voice is heard and acted on."
    for definition in definitions.values():
        assert definition.anonymous
        assert definition.thanks
        assert isinstance(definition.questions[-1], CommentQuestion)
        assert definition.questions[-1].optional


def test_builtin_banks_fit_on_a_phone():
    for definition in load_definitions(None).values():
        for question in definition.questions:
            assert len(question.text) <= 80, question.text
            assert len(question.topic) <= 40, question.topic
            for label, _ in getattr(question, "choices", lambda: ())():
                assert len(label) <= 20, label


def test_builtin_bank_paths_are_the_shipped_toml_files():
    names = [path.name for path in builtin_bank_paths()]
    assert names == ["staff_pulse.toml", "tenant_pulse.toml"]


def test_builtin_banks_document_the_format_for_officers():
    for path in builtin_bank_paths():
        header = path.read_text(encoding="utf-8").split("\nid = ")[0]
        for key in ("schedule", "open_hours", "reminder_hours", "thanks", "labels", "options"):
            assert f"#   {key}" in header or f"#   {key} " in header, (path.name, key)


def test_valid_definition_parses_with_defaults():
    definition = parse_definition(VALID, "staff.toml")
    assert definition.id == "staff"
    assert definition.source == "staff.toml"
    assert definition.anonymous is True
    assert definition.schedule is None
    assert definition.open_hours == 72
    assert definition.reminder_hours == 48
    voice, enps = definition.questions
    assert voice == ScaleQuestion(
        "voice", "I feel my voice is heard and acted on.", labels=AGREE_LABELS
    )
    assert voice.optional
    assert voice.topic == "I feel my voice is heard and acted on"
    assert isinstance(enps, EnpsQuestion)


def test_all_keys_are_read():
    data = definition_with(
        anonymous=False,
        schedule="0 10 * * mon",
        open_hours=24,
        reminder_hours=0,
        questions=[
            {
                "id": "mood",
                "kind": "scale",
                "text": "How was your week?",
                "topic": "Week",
                "optional": False,
                "labels": ["Awful", "Bad", "OK", "Good", "Great"],
            },
            {"id": "lunch", "kind": "choice", "text": "Lunch?", "options": ["Soup", "Salad"]},
            {"id": "else", "kind": "comment", "text": "Anything else?"},
        ],
    )
    definition = parse_definition(data, "staff.toml")
    assert definition.anonymous is False
    assert definition.schedule == "0 10 * * mon"
    assert definition.open_hours == 24
    assert definition.reminder_hours is None
    mood, lunch, comment = definition.questions
    assert mood.labels == ("Awful", "Bad", "OK", "Good", "Great")
    assert mood.topic == "Week"
    assert mood.optional is False
    assert lunch == ChoiceQuestion("lunch", "Lunch?", ("Soup", "Salad"), topic="Lunch")
    assert isinstance(comment, CommentQuestion)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            definition_with(colour="blue"),
            "staff.toml: colour: unknown key (expected one of id, title, intro, audience, "
            "anonymous, schedule, open_hours, reminder_hours, thanks, questions)",
        ),
        (definition_with(title=None), "staff.toml: title: missing"),
        (definition_with(thanks=None), "staff.toml: thanks: missing"),
        (
            definition_with(open_hours="72"),
            "staff.toml: open_hours: must be a whole number, not text '72'",
        ),
        (
            definition_with(anonymous="yes"),
            "staff.toml: anonymous: must be true or false, not text 'yes'",
        ),
        (definition_with(title=42), "staff.toml: title: must be text in quotes, not a number 42"),
        (definition_with(title="   "), "staff.toml: title: must not be empty"),
        (definition_with(title="Staff\npulse"), "staff.toml: title: must be on one line"),
        (
            definition_with(id="Staff Pulse"),
            "staff.toml: id: 'Staff Pulse' must be lowercase letters, digits, - or _ (up to 40)",
        ),
        (
            definition_with(id="-staff"),
            "staff.toml: id: '-staff' must be lowercase letters, digits, - or _ (up to 40)",
        ),
        (
            definition_with(audience=[]),
            'staff.toml: audience: must name at least one constituency, e.g. ["staff"]',
        ),
        (
            definition_with(audience="staff"),
            "staff.toml: audience: must be a list, not text 'staff'",
        ),
        (
            definition_with(audience=["staff", "staff"]),
            "staff.toml: audience[2]: 'staff' is listed twice",
        ),
        (
            definition_with(questions=[]),
            "staff.toml: questions: must be one or more [[questions]] tables",
        ),
        (
            definition_with(
                questions=[{"id": f"q{n}", "kind": "enps", "text": "Why?"} for n in range(11)]
            ),
            "staff.toml: questions: has 11 questions; at most 10 keep a pulse short",
        ),
        (
            question_with(2, id="voice"),
            "staff.toml: questions[2].id: 'voice' is used by an earlier question",
        ),
        (
            question_with(2, kind="stars"),
            "staff.toml: questions[2].kind: must be one of scale, enps, choice, comment",
        ),
        (
            question_with(2, labels=["Low", "High"]),
            "staff.toml: questions[2].labels: unknown key "
            "(expected one of id, kind, text, topic, optional)",
        ),
        (
            question_with(1, labels=["No", "Hmm", "Yes", "Very"]),
            "staff.toml: questions[1].labels: must have 5 labels, lowest first (it has 4)",
        ),
        (
            question_with(1, labels=["A", "B", "C", "D", ""]),
            "staff.toml: questions[1].labels[5]: must not be empty",
        ),
        (
            question_with(1, labels=["A", "B", "C", "D", "A rather long button label here"]),
            "staff.toml: questions[1].labels[5]: must be at most 30 characters (it has 31)",
        ),
        (
            question_with(1, kind="choice", options=["Only one"]),
            "staff.toml: questions[1].options: must have 2 to 10 options (it has 1)",
        ),
        (
            question_with(1, kind="choice"),
            "staff.toml: questions[1].options: missing",
        ),
        (
            question_with(1, optional="no"),
            "staff.toml: questions[1].optional: must be true or false, not text 'no'",
        ),
        (
            definition_with(questions=["voice"]),
            "staff.toml: questions[1]: must be a table, not text 'voice'",
        ),
        (
            definition_with(schedule="0 10 * *"),
            "staff.toml: schedule: not a 5-field cron expression: "
            "Wrong number of fields; got 4, expected 5",
        ),
        (
            definition_with(schedule="99 10 * * mon"),
            "staff.toml: schedule: not a 5-field cron expression: Error validating "
            "expression '99': the last value (99) is higher than the maximum value (59)",
        ),
        (
            definition_with(open_hours=0),
            "staff.toml: open_hours: must be between 1 and 720, not 0",
        ),
        (
            definition_with(open_hours=24, reminder_hours=30),
            "staff.toml: reminder_hours: 30 must be less than open_hours (24); "
            "use 0 for no reminder",
        ),
        (
            definition_with(open_hours=24),
            "staff.toml: reminder_hours: 48 (the default) must be less than open_hours (24); "
            "use 0 for no reminder",
        ),
    ],
)
def test_invalid_definition_gives_one_line_naming_file_key_and_reason(data, message):
    assert error_for(data) == message


def test_question_without_kind_says_it_is_missing():
    data = copy.deepcopy(VALID)
    del data["questions"][1]["kind"]
    assert error_for(data) == "staff.toml: questions[2].kind: missing"


def test_definition_must_be_a_table():
    assert error_for(["not", "a", "table"]) == (
        "staff.toml: must be a table, not a list ['not', 'a', 'table']"
    )


STAFF_TOML = """
id = "weekly"
title = "Weekly check-in"
intro = "One question."
audience = ["staff"]
schedule = "0 10 * * mon"
thanks = "Thanks!"

[[questions]]
id = "week"
kind = "scale"
text = "This week went well."
"""


def test_load_definition_file_reads_toml(tmp_path: Path):
    path = tmp_path / "weekly.toml"
    path.write_text(STAFF_TOML, encoding="utf-8")
    definition = load_definition_file(path)
    assert definition.id == "weekly"
    assert definition.source == str(path)
    assert definition.questions[0].id == "week"


def test_toml_syntax_error_names_file_and_line(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text('id = "broken"\ntitle = "Oops\n', encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: line 2: not valid TOML: ")
    assert "\n" not in message


def test_missing_file_is_a_definition_error(tmp_path: Path):
    with pytest.raises(DefinitionError, match=r"missing\.toml: cannot read"):
        load_definition_file(tmp_path / "missing.toml")


def test_load_definitions_adds_folder_files_to_the_banks(tmp_path: Path):
    (tmp_path / "weekly.toml").write_text(STAFF_TOML, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a survey", encoding="utf-8")
    definitions = load_definitions(tmp_path)
    assert set(definitions) == {"staff-pulse", "tenant-pulse", "weekly"}


def test_duplicate_id_across_files_names_both_files(tmp_path: Path):
    (tmp_path / "a.toml").write_text(STAFF_TOML, encoding="utf-8")
    (tmp_path / "b.toml").write_text(STAFF_TOML, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definitions(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'b.toml'}: id: 'weekly' is already used by {tmp_path / 'a.toml'}"
    )


def test_a_folder_file_cannot_reuse_a_builtin_id(tmp_path: Path):
    (tmp_path / "mine.toml").write_text(
        STAFF_TOML.replace('id = "weekly"', 'id = "staff-pulse"'), encoding="utf-8"
    )
    with pytest.raises(
        DefinitionError,
        match=r"mine\.toml: id: 'staff-pulse' is already used by .*staff_pulse\.toml",
    ):
        load_definitions(tmp_path)


def test_missing_folder_is_a_definition_error(tmp_path: Path):
    with pytest.raises(DefinitionError, match="not a folder"):
        load_definitions(tmp_path / "nowhere")
