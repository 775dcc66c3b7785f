"""Which pulse surveys exist: the built-in banks plus the organisation's own folder.

A definition in the folder that names a constituency the organisation does not have
is refused (file, key, reason); a built-in bank whose audience the organisation does
not have is simply not offered. A round keeps the definition it was opened with (as
JSON), so editing a file never changes the meaning of answers already given.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from handlers.context import Context
from surveys.localised import to_data
from surveys.pulses.definitions import DefinitionError, load_definitions, parse_definition
from surveys.pulses.questions import ChoiceQuestion, ScaleQuestion, SurveyDefinition


def load(ctx: Context) -> dict[str, SurveyDefinition]:
    """Every survey this organisation can send, by id; raises DefinitionError."""
    folder = ctx.policy.surveys.folder
    groups = ctx.policy.organisation.constituencies
    built_in = {d.source for d in load_definitions(None).values()}
    if folder and not Path(folder).is_dir():
        raise DefinitionError(f"surveys.folder: {folder} is not a folder")
    found = load_definitions(Path(folder) if folder else None)
    usable = {}
    for survey_id, definition in found.items():
        unknown = [group for group in definition.audience if group not in groups]
        if not unknown:
            usable[survey_id] = definition
        elif definition.source not in built_in:
            raise DefinitionError(
                f"{definition.source}: audience: {unknown[0]!r} is not one of this "
                f"organisation's constituencies ({', '.join(groups)})"
            )
    return usable


def to_json(definition: SurveyDefinition) -> str:
    """The definition in its file format, as JSON, to keep with a round."""
    data: dict[str, Any] = {
        "id": definition.id,
        "title": to_data(definition.title),
        "audience": list(definition.audience),
        "anonymous": definition.anonymous,
        "open_hours": definition.open_hours,
        "reminder_hours": definition.reminder_hours or 0,
        "thanks": to_data(definition.thanks),
        "questions": [],
    }
    if definition.intro:
        data["intro"] = to_data(definition.intro)
    if definition.schedule:
        data["schedule"] = definition.schedule
    for question in definition.questions:
        item: dict[str, Any] = {
            "id": question.id,
            "kind": question.kind,
            "text": to_data(question.text),
            "topic": to_data(question.topic),
            "optional": question.optional,
        }
        if isinstance(question, ScaleQuestion):
            item["labels"] = to_data(list(question.labels))
        if isinstance(question, ChoiceQuestion):
            item["options"] = to_data(list(question.options))
        data["questions"].append(item)
    return json.dumps({"source": definition.source, "definition": data}, sort_keys=True)


@lru_cache(maxsize=64)
def from_json(text: str) -> SurveyDefinition:
    """The definition a round was opened with (cached: rounds never change)."""
    stored = json.loads(text)
    return parse_definition(stored["definition"], stored["source"])
