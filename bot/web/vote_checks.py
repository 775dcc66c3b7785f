"""Every mistake in the vote form at once, checked by the same rules as a TOML file.

`parse_vote` stops at the first mistake, as a file's one clear line should. The form
instead reports each field's mistake together: each field is checked alone, in a vote of
the same method that is otherwise correct, and the whole form once more for the mistakes
that lie between fields (more winners than options, reminders before the opening).
"""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from handlers.votes import admin
from surveys.votes.definitions import METHODS, OPTION_TABLES, VoteDefinition, parse_vote
from surveys.votes.definitions import VoteDefinitionError as DefinitionError

SOURCE = "form"
FAR = "2999-01-01T12:00"
NAMES = ("A", "B", "C")


def field_of(message: str, source: str = SOURCE) -> tuple[str, str]:
    """(form field, reason) from a one-line definition error "source: key: reason"."""
    rest = message.removeprefix(f"{source}: ")
    key, _, reason = rest.partition(": ")
    name = key.split(".")[0].split("[")[0]
    if name in OPTION_TABLES:
        name = "options"
    return (name, reason) if reason else ("id", rest)


def _correct(method: str) -> dict[str, Any]:
    """A vote of `method` with nothing wrong in it."""
    table: dict[str, Any] = {
        "id": "probe",
        "title": "Probe",
        "explanation": "Probe",
        "method": method,
        "closes": FAR,
        "constituencies": [],
        "reminder_hours": [],
        "results_before_close": False,
        "allow_change": False,
    }
    if method == "budget":
        table["projects"] = [{"name": n, "cost": 1} for n in NAMES]
        table["budget"] = 2
    elif method in ("irv", "stv"):
        table["candidates"] = [{"name": n} for n in NAMES]
        if method == "stv":
            table["seats"] = 1
    elif method != "resolution":
        table["options"] = [{"name": n} for n in NAMES]
    return table


def _options_of(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k in OPTION_TABLES}


def check(
    ctx: Context, table: dict[str, Any], timezone: str
) -> tuple[VoteDefinition | None, dict[str, str]]:
    """The definition if the form is right; else every field's mistake, by form field."""
    errors: dict[str, str] = {}
    try:
        definition = parse_vote(table, SOURCE, timezone)
    except DefinitionError as error:
        definition = None
        whole = field_of(str(error))
    else:
        for problem in admin.creation_problems(ctx, definition):
            name, reason = field_of(f"{SOURCE}: {problem}")
            errors.setdefault(name, reason)
        return (definition if not errors else None), errors
    method = table.get("method", "")
    if method not in METHODS:
        errors["method"] = (
            whole[1] if whole[0] == "method" else f"choose one of {', '.join(METHODS)}"
        )
        method = "approval"
    for key, value in table.items():
        if key in ("method", *OPTION_TABLES):
            continue
        probe = _correct(method)
        if key in ("seats", "budget", "currency"):  # these are checked against the options
            probe = {k: v for k, v in probe.items() if k not in OPTION_TABLES}
            probe.update(
                _options_of(table) if "options" not in errors else _options_of(_correct(method))
            )
        _try(ctx, {**probe, key: value}, timezone, errors)
    probe = {k: v for k, v in _correct(method).items() if k not in OPTION_TABLES}
    _try(ctx, {**probe, **_options_of(table)}, timezone, errors, only="options")
    errors.setdefault(*whole)  # a mistake between fields, when each field was right alone
    return None, errors


def _try(
    ctx: Context, table: dict[str, Any], timezone: str, errors: dict[str, str], only: str = ""
) -> None:
    try:
        definition = parse_vote(table, SOURCE, timezone)
    except DefinitionError as error:
        name, reason = field_of(str(error))
        if not only or name == only:
            errors.setdefault(name, reason)
        return
    for problem in admin.creation_problems(ctx, definition):
        name, reason = field_of(f"{SOURCE}: {problem}")
        if name != "id" or definition.id != "probe":
            errors.setdefault(name, reason)
