"""The engagement officer's side of pulses: the survey list, sending and closing rounds.

The CLI and the web console both call these, so a round is sent, refused or closed
by one set of rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from handlers.context import Context
from handlers.messages import Message
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import rounds as pulse_rounds
from handlers.pulses.questions import closing_time
from handlers.pulses.results import status
from handlers.schedule import Pause
from storage import audit
from storage.pulses import queries as pulses
from surveys.pulses.questions import SurveyDefinition


class PulseError(Exception):
    """An officer's request about a survey that cannot be done; one line says why."""


def definition(ctx: Context, survey_id: str) -> SurveyDefinition:
    known = pulse_definitions.load(ctx)
    if survey_id not in known:
        raise PulseError(
            f"no survey {survey_id!r} (known: {', '.join(sorted(known)) or 'none'}; "
            "see: mutual-voice survey list)"
        )
    return known[survey_id]


def round_summary(ctx: Context, round_row: dict[str, Any]) -> dict[str, Any]:
    respondents, eligible = pulses.turnout(ctx.db, round_row)
    return {
        "number": round_row["number"],
        "status": status(ctx, round_row),
        "opened_at": round_row["opened_at"],
        "closes_at": round_row["closes_at"],
        "closed_at": round_row["closed_at"],
        "respondents": sum(respondents.values()),
        "eligible": sum(eligible.values()),
    }


def surveys(ctx: Context) -> list[dict[str, Any]]:
    """Every survey (built-in and the folder's) with its rounds and response counts."""
    definitions = pulse_definitions.load(ctx)
    rounds: dict[str, list[dict[str, Any]]] = {}
    for round_row in pulses.all_rounds(ctx.db):
        rounds.setdefault(round_row["survey_id"], []).append(round_summary(ctx, round_row))
    rows = [
        {
            "id": d.id,
            "title": d.title,
            "audience": list(d.audience),
            "anonymous": d.anonymous,
            "schedule": d.schedule,
            "source": d.source,
            "rounds": rounds.get(d.id, []),
        }
        for d in definitions.values()
    ]
    for survey_id in sorted(set(rounds) - set(definitions)):  # its file has gone
        rows.append({"id": survey_id, "title": "", "source": None, "rounds": rounds[survey_id]})
    return rows


def send_now(ctx: Context, survey_id: str, actor: str) -> tuple[dict[str, Any], list[Message]]:
    """Open a round now: the round and its invitations (the caller posts them)."""
    found = definition(ctx, survey_id)
    current = pulses.latest_round(ctx.db, survey_id)
    if current is not None and not current["closed_at"] and not pulse_rounds.is_open(ctx, current):
        pulse_rounds.close(ctx, current)  # past its closing time; the bot had not closed it yet
    elif current is not None and not current["closed_at"]:
        raise PulseError(
            f"round {current['number']} of {survey_id} is still open until "
            f"{closing_time(ctx, current)} (close it first: mutual-voice survey close {survey_id})"
        )
    round_row = pulse_rounds.open_round(ctx, found, actor)
    assert round_row is not None
    audit.record(ctx.db, ctx.now(), actor, "survey.send", survey_id)
    return round_row, pulse_rounds.invitations(ctx, round_row)


def close_now(ctx: Context, survey_id: str, actor: str) -> dict[str, Any]:
    """Close the open round of a survey now, all at once; its answers stay, late answers
    are refused."""
    current = _to_close(ctx, survey_id, actor)
    if not pulse_rounds.close(ctx, current):
        found = pulses.get_round(ctx.db, current["id"])
        if found and found["close_error"]:
            raise PulseError(
                f"the close of round {current['number']} of {survey_id} cannot go on: "
                f"{found['close_error']} (see: mutual-voice jobs)"
            )
        raise PulseError(
            f"round {current['number']} of {survey_id} is being closed by the running bot; "
            "its results show when that is done"
        )
    return current


def start_closing(
    ctx: Context, survey_id: str, actor: str
) -> tuple[dict[str, Any], Iterator[Pause]]:
    """The open round of a survey, and its close in parts for the caller to run (the web
    console lets the bot's other work through between them)."""
    current = _to_close(ctx, survey_id, actor)
    return current, pulse_rounds.closing(ctx, current)


def _to_close(ctx: Context, survey_id: str, actor: str) -> dict[str, Any]:
    current = pulses.latest_round(ctx.db, survey_id)
    if current is None or current["closed_at"]:
        raise PulseError(f"{survey_id} has no open round")
    audit.record(ctx.db, ctx.now(), actor, "survey.close", survey_id)
    return current
