"""Load survey definitions from TOML files, strictly, with one-line errors.

The format is documented at the top of `surveys/pulses/banks/staff_pulse.toml`.
"""

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from surveys.pulses.questions import (
    AGREE_LABELS,
    QUESTION_KINDS,
    ChoiceQuestion,
    Question,
    ScaleQuestion,
    SurveyDefinition,
)
from surveys.toml_reader import ID_PATTERN as ID_PATTERN
from surveys.toml_reader import TomlTable, load_toml

MAX_QUESTIONS = 10
MAX_OPTIONS = 10
MAX_BUTTON_CHARS = 30
MAX_OPEN_HOURS = 30 * 24

# Allowed keys, each mapped to whether it is required.
_SURVEY_KEYS = {
    "id": True,
    "title": True,
    "intro": False,
    "audience": True,
    "anonymous": False,
    "schedule": False,
    "open_hours": False,
    "reminder_hours": False,
    "thanks": True,
    "questions": True,
}
_QUESTION_KEYS = {"id": True, "kind": True, "text": True, "topic": False, "optional": False}
_KIND_KEYS = {"scale": {"labels": False}, "enps": {}, "choice": {"options": True}, "comment": {}}


class DefinitionError(ValueError):
    """A survey definition is invalid; the message is one line: file, dotted key, reason."""


def _parse_question(source: str, data: Any, prefix: str) -> Question:
    table = TomlTable(DefinitionError, source, data, prefix)
    kind = table.data.get("kind")
    if kind is None:
        table.fail("kind", "missing")
    if not isinstance(kind, str) or kind not in _KIND_KEYS:
        table.fail("kind", f"must be one of {', '.join(_KIND_KEYS)}")
    table.expect_keys(_QUESTION_KEYS | _KIND_KEYS[kind])
    common = {
        "id": table.ident("id"),
        "text": table.text("text", 200),
        "topic": table.text("topic", 40),
        "optional": table.flag("optional", True),
    }
    if kind == "scale":
        labels = (
            table.text_list("labels", MAX_BUTTON_CHARS) if "labels" in table.data else AGREE_LABELS
        )
        if len(labels) != len(AGREE_LABELS):
            table.fail("labels", f"must have 5 labels, lowest first (it has {len(labels)})")
        return ScaleQuestion(labels=labels, **common)
    if kind == "choice":
        options = table.text_list("options", MAX_BUTTON_CHARS)
        if not 2 <= len(options) <= MAX_OPTIONS:
            table.fail("options", f"must have 2 to {MAX_OPTIONS} options (it has {len(options)})")
        return ChoiceQuestion(options=options, **common)
    return QUESTION_KINDS[kind](**common)


def _parse_schedule(table: TomlTable) -> str | None:
    if "schedule" not in table.data:
        return None
    schedule = table.text("schedule", 100)
    try:
        CronTrigger.from_crontab(schedule, timezone="UTC")
    except ValueError as exc:
        table.fail("schedule", f"not a 5-field cron expression: {' '.join(str(exc).split())}")
    return schedule


def _parse_reminder(table: TomlTable, open_hours: int) -> int | None:
    reminder_hours = table.number("reminder_hours", 0, MAX_OPEN_HOURS, 48)
    if reminder_hours >= open_hours:
        given = "" if "reminder_hours" in table.data else " (the default)"
        table.fail(
            "reminder_hours",
            f"{reminder_hours}{given} must be less than open_hours ({open_hours}); "
            "use 0 for no reminder",
        )
    return reminder_hours or None


def _parse_questions(table: TomlTable) -> tuple[Question, ...]:
    raw_questions = table.data["questions"]
    if not isinstance(raw_questions, list) or not raw_questions:
        table.fail("questions", "must be one or more [[questions]] tables")
    if len(raw_questions) > MAX_QUESTIONS:
        table.fail(
            "questions",
            f"has {len(raw_questions)} questions; at most {MAX_QUESTIONS} keep a pulse short",
        )
    questions: list[Question] = []
    for n, raw in enumerate(raw_questions, start=1):
        question = _parse_question(table.source, raw, f"questions[{n}]")
        if any(earlier.id == question.id for earlier in questions):
            table.fail(f"questions[{n}].id", f"{question.id!r} is used by an earlier question")
        questions.append(question)
    return tuple(questions)


def parse_definition(data: dict, source: str) -> SurveyDefinition:
    """Validate one survey definition (a parsed TOML document) or raise DefinitionError."""
    table = TomlTable(DefinitionError, source, data)
    table.expect_keys(_SURVEY_KEYS)
    audience = table.text_list("audience", 40, idents=True)
    if not audience:
        table.fail("audience", 'must name at least one constituency, e.g. ["staff"]')
    open_hours = table.number("open_hours", 1, MAX_OPEN_HOURS, 72)
    return SurveyDefinition(
        id=table.ident("id"),
        title=table.text("title", 80),
        intro=table.text("intro", 500, multiline=True),
        audience=audience,
        anonymous=table.flag("anonymous", True),
        questions=_parse_questions(table),
        schedule=_parse_schedule(table),
        open_hours=open_hours,
        reminder_hours=_parse_reminder(table, open_hours),
        thanks=table.text("thanks", 500, multiline=True),
        source=source,
    )


def load_definition_file(path: Path | Traversable) -> SurveyDefinition:
    """Read and validate one TOML survey definition; every problem is a DefinitionError."""
    return parse_definition(load_toml(path, DefinitionError), str(path))


def builtin_bank_paths() -> list[Traversable]:
    """The question banks shipped with Mutual Voice, by file name."""
    banks = resources.files("surveys.pulses") / "banks"
    return sorted(
        (entry for entry in banks.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )


def load_definitions(folder: Path | None) -> dict[str, SurveyDefinition]:
    """The built-in banks plus every *.toml in `folder`, by survey id."""
    paths: list[Path | Traversable] = list(builtin_bank_paths())
    if folder is not None:
        if not folder.is_dir():
            raise DefinitionError(f"{folder}: not a folder")
        paths += sorted(folder.glob("*.toml"))
    definitions: dict[str, SurveyDefinition] = {}
    for path in paths:
        definition = load_definition_file(path)
        earlier = definitions.get(definition.id)
        if earlier is not None:
            raise DefinitionError(
                f"{definition.source}: id: {definition.id!r} is already used by {earlier.source}"
            )
        definitions[definition.id] = definition
    return definitions
