"""Load survey definitions from TOML files, strictly, with one-line errors.

The format is documented at the top of `surveys/banks/staff_pulse.toml`.
"""

import re
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NoReturn

from apscheduler.triggers.cron import CronTrigger

from surveys.questions import (
    AGREE_LABELS,
    QUESTION_KINDS,
    ChoiceQuestion,
    Question,
    ScaleQuestion,
    SurveyDefinition,
)

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
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


class _Table:
    """One table of a definition; every check fails with the file and the dotted key."""

    def __init__(self, source: str, data: Any, prefix: str) -> None:
        self.source = source
        self.prefix = prefix
        if not isinstance(data, dict):
            self.fail("", f"must be a table, not {_describe(data)}")
        self.data = data

    def expect_keys(self, keys: dict[str, bool]) -> None:
        """`keys` maps each allowed key to whether it is required."""
        for key in self.data:
            if key not in keys:
                self.fail(key, f"unknown key (expected one of {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in self.data:
                self.fail(key, "missing")

    def fail(self, key: str, reason: str) -> NoReturn:
        where = [self.source, ".".join(part for part in (self.prefix, key) if part)]
        raise DefinitionError(": ".join(part for part in where if part) + f": {reason}")

    def text(self, key: str, max_chars: int, *, multiline: bool = False) -> str:
        """The text at `key`, or "" when the (optional) key is absent."""
        if key not in self.data:
            return ""
        return self._text(key, self.data[key], max_chars, multiline)

    def ident(self, key: str) -> str:
        return self._ident(key, self.data[key])

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {_describe(value)}")
        return value

    def whole_number(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be a whole number, not {_describe(value)}")
        if not low <= value <= high:
            self.fail(key, f"must be between {low} and {high}, not {value}")
        return value

    def text_list(
        self, key: str, max_chars: int, default: tuple[str, ...] = (), *, idents: bool = False
    ) -> tuple[str, ...]:
        values = self.data.get(key, list(default))
        if not isinstance(values, list):
            self.fail(key, f"must be a list, not {_describe(values)}")
        items: list[str] = []
        for n, value in enumerate(values, start=1):
            where = f"{key}[{n}]"
            item = self._ident(where, value) if idents else self._text(where, value, max_chars)
            if item in items:
                self.fail(where, f"{item!r} is listed twice")
            items.append(item)
        return tuple(items)

    def _text(self, key: str, value: Any, max_chars: int, multiline: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(key, f"must be text, not {_describe(value)}")
        value = value.strip()
        if not value:
            self.fail(key, "must not be empty")
        if not multiline and "\n" in value:
            self.fail(key, "must be on one line")
        if len(value) > max_chars:
            self.fail(key, f"must be at most {max_chars} characters (it has {len(value)})")
        return value

    def _ident(self, key: str, value: Any) -> str:
        value = self._text(key, value, 40)
        if not ID_PATTERN.fullmatch(value):
            self.fail(key, f"{value!r} must be lowercase letters, digits, - or _ (up to 40)")
        return value


def _describe(value: Any) -> str:
    kinds = {str: "text", bool: "true/false", int: "a number", float: "a number"}
    kinds |= {list: "a list", dict: "a table"}
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{kinds.get(type(value), type(value).__name__)} {shown}"


def _parse_question(source: str, data: Any, prefix: str) -> Question:
    table = _Table(source, data, prefix)
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
        labels = table.text_list("labels", MAX_BUTTON_CHARS, AGREE_LABELS)
        if len(labels) != len(AGREE_LABELS):
            table.fail("labels", f"must have 5 labels, lowest first (it has {len(labels)})")
        return ScaleQuestion(labels=labels, **common)
    if kind == "choice":
        options = table.text_list("options", MAX_BUTTON_CHARS)
        if not 2 <= len(options) <= MAX_OPTIONS:
            table.fail("options", f"must have 2 to {MAX_OPTIONS} options (it has {len(options)})")
        return ChoiceQuestion(options=options, **common)
    return QUESTION_KINDS[kind](**common)


def _parse_schedule(table: _Table) -> str | None:
    if "schedule" not in table.data:
        return None
    schedule = table.text("schedule", 100)
    try:
        CronTrigger.from_crontab(schedule, timezone="UTC")
    except ValueError as exc:
        table.fail("schedule", f"not a 5-field cron expression: {' '.join(str(exc).split())}")
    return schedule


def _parse_reminder(table: _Table, open_hours: int) -> int | None:
    reminder_hours = table.whole_number("reminder_hours", 48, 0, MAX_OPEN_HOURS)
    if reminder_hours >= open_hours:
        given = "" if "reminder_hours" in table.data else " (the default)"
        table.fail(
            "reminder_hours",
            f"{reminder_hours}{given} must be less than open_hours ({open_hours}); "
            "use 0 for no reminder",
        )
    return reminder_hours or None


def _parse_questions(table: _Table) -> tuple[Question, ...]:
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
    table = _Table(source, data, "")
    table.expect_keys(_SURVEY_KEYS)
    audience = table.text_list("audience", 40, idents=True)
    if not audience:
        table.fail("audience", 'must name at least one constituency, e.g. ["staff"]')
    open_hours = table.whole_number("open_hours", 72, 1, MAX_OPEN_HOURS)
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


_TOML_POSITION = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


def load_definition_file(path: Path | Traversable) -> SurveyDefinition:
    """Read and validate one TOML survey definition; every problem is a DefinitionError."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{source}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.match(str(exc))
        if position is None:
            raise DefinitionError(f"{source}: invalid TOML: {exc}") from None
        reason, line, column = position.groups()
        raise DefinitionError(
            f"{source}: line {line}: invalid TOML: {reason} (column {column})"
        ) from None
    return parse_definition(data, source)


def builtin_bank_paths() -> list[Traversable]:
    """The question banks shipped with Mutual Voice, by file name."""
    banks = resources.files("surveys") / "banks"
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
