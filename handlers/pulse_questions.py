"""How a pulse question looks in a chat: one question per message, a few short buttons.

Button values stay tiny (Telegram allows 64 bytes of callback data): an answer is
action `pulse.a` with value `<round>.<question index>.<value index>`, a skip is
`pulse.s` with `<round>.<question index>`. A comment question asks for free text
through the prompt `pulse.c:<round>.<question index>`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import Context
from handlers.messages import Option
from storage.pulses import comment_prompt, key_prefix
from storage.timestamps import parse
from surveys.questions import CommentQuestion, EnpsQuestion, Question, SurveyDefinition

ANSWER, SKIP, CARRY_ON, COMMENT = "pulse.a", "pulse.s", "pulse.go", "pulse.c"
ENPS_HINT = "0 = not at all likely, 10 = extremely likely."
COMMENT_HINT = "Type your answer below, or tap Skip."
NAMED = "This check-in is not anonymous: your name is kept with your answers."


def key(round_id: int, kind: str, member_id: str, *rest: object) -> str:
    """The outbox key of one round's message to one member (never sent twice)."""
    return ":".join([f"{key_prefix(round_id)}{kind}", member_id, *map(str, rest)])


def parse_value(value: str, parts: int) -> tuple[int, ...] | None:
    """The whole numbers in a button value, or None if it is not one of ours."""
    pieces = value.split(".")
    if len(pieces) != parts or not all(p.isdigit() and len(p) <= 9 for p in pieces):
        return None
    return tuple(int(p) for p in pieces)


def closing_time(ctx: Context, round_row: dict) -> str:
    """e.g. "10:00 on Thu 26 Nov", in the organisation's time zone: when the round
    closed if it has (perhaps early), else when it is due to close."""
    closes = round_row.get("closed_at") or round_row["closes_at"]
    local = parse(closes).astimezone(ZoneInfo(ctx.policy.organisation.timezone))
    return f"{local:%H:%M} on {local:%a} {local.day} {local:%b}"


def local_date(ctx: Context, moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo(ctx.policy.organisation.timezone))
    return f"{local:%a} {local.day} {local:%b}"


def question_text(definition: SurveyDefinition, index: int) -> str:
    question = definition.questions[index]
    lines = [f"Question {index + 1} of {len(definition.questions)}: {question.text}"]
    if isinstance(question, EnpsQuestion):
        lines.append(ENPS_HINT)
    if isinstance(question, CommentQuestion):
        lines.append(COMMENT_HINT)
    return "\n".join(lines)


def buttons(round_id: int, index: int, question: Question) -> tuple[Option, ...]:
    options = []
    if not isinstance(question, CommentQuestion):
        options = [
            Option(label, ANSWER, f"{round_id}.{index}.{n}")
            for n, (label, _) in enumerate(question.choices())
        ]
    if question.optional:
        options.append(Option("Skip", SKIP, f"{round_id}.{index}"))
    return tuple(options)


def ask(
    ctx: Context, round_row: dict, definition: SurveyDefinition, index: int, lead: str = ""
) -> dict:
    """The fields of a Message asking question `index` (with the intro before the first)."""
    parts = [lead] if lead else []
    if index == 0:
        intro = definition.intro or ""
        if not definition.anonymous:
            intro = f"{intro}\n{NAMED}".strip()
        if intro:
            parts.append(intro)
        parts.append(f"Open until {closing_time(ctx, round_row)}.")
    parts.append(question_text(definition, index))
    question = definition.questions[index]
    prompt = (
        comment_prompt(round_row["id"], index) if isinstance(question, CommentQuestion) else None
    )
    return {
        "text": "\n\n".join(parts),
        "title": definition.title if index == 0 else "",
        "choices": buttons(round_row["id"], index, question),
        "prompt": prompt,
    }


def chosen_label(question: Question, value_index: int) -> str:
    return question.choices()[value_index][0]


def ticked(definition: SurveyDefinition, index: int, label: str) -> str:
    """The answered question as it reads after the member's choice."""
    return f"{question_text(definition, index).splitlines()[0]}\n✓ {label}"
