"""How a pulse question looks in a chat: one question per message, a few short buttons.

Button values stay tiny (Telegram allows 64 bytes of callback data): an answer is
action `pulse.a` with value `<round>.<question index>.<value index>`, a skip is
`pulse.s` with `<round>.<question index>`. A comment question asks for free text
through the prompt `pulse.c:<round>.<question index>`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.messages import Option
from storage.pulses.queries import comment_prompt, key_prefix
from storage.timestamps import parse
from surveys.pulses.questions import CommentQuestion, EnpsQuestion, Question, SurveyDefinition

ANSWER, SKIP, CARRY_ON, COMMENT = "pulse.a", "pulse.s", "pulse.go", "pulse.c"
ENPS_HINT = N_("0 = not at all likely, 10 = extremely likely.")
COMMENT_HINT = N_("Type your answer below, or tap Skip.")
NAMED = N_("This check-in is not anonymous: your name is kept with your answers.")


def key(round_id: int, kind: str, member_id: str, *rest: object) -> str:
    """The outbox key of one round's message to one member (never sent twice)."""
    return ":".join([f"{key_prefix(round_id)}{kind}", member_id, *map(str, rest)])


def flow(round_id: int) -> str:
    """What a message asking about this round names (`Message.flow`)."""
    return f"pulse:{round_id}"


def parse_value(value: str, parts: int) -> tuple[int, ...] | None:
    """The whole numbers in a button value, or None if it is not one of ours."""
    pieces = value.split(".")
    if len(pieces) != parts or not all(p.isdigit() and len(p) <= 9 for p in pieces):
        return None
    return tuple(int(p) for p in pieces)


def closing_time(ctx: Context, round_row: dict, _: Translator | None = None) -> str:
    """e.g. "10:00 on Thu 26 Nov", in the organisation's time zone and the reader's
    language: when the round closed if it has (perhaps early), else when it is due to close."""
    _ = _ or i18n.for_organisation(ctx)
    closes = round_row.get("closed_at") or round_row["closes_at"]
    local = parse(closes).astimezone(ZoneInfo(ctx.policy.organisation.timezone))
    return _.short_when(local)


def local_date(ctx: Context, moment: datetime, _: Translator) -> str:
    return _.day(moment.astimezone(ZoneInfo(ctx.policy.organisation.timezone)))


def question_text(definition: SurveyDefinition, index: int, _: Translator) -> str:
    question = definition.questions[index]
    lines = [
        _("Question {number} of {count}: {text}").format(
            number=index + 1, count=len(definition.questions), text=_.pick(question.text)
        )
    ]
    if isinstance(question, EnpsQuestion):
        lines.append(_(ENPS_HINT))
    if isinstance(question, CommentQuestion):
        lines.append(_(COMMENT_HINT))
    return "\n".join(lines)


def buttons(round_id: int, index: int, question: Question, _: Translator) -> tuple[Option, ...]:
    options = []
    if not isinstance(question, CommentQuestion):
        options = [
            Option(_.pick(label), ANSWER, f"{round_id}.{index}.{n}")
            for n, (label, _value) in enumerate(question.choices())
        ]
    if question.optional:
        options.append(Option(_("Skip"), SKIP, f"{round_id}.{index}"))
    return tuple(options)


def ask(
    ctx: Context,
    round_row: dict,
    definition: SurveyDefinition,
    index: int,
    _: Translator,
    lead: str = "",
) -> dict:
    """The fields of a Message asking question `index` (with the intro before the first)."""
    parts = [lead] if lead else []
    if index == 0:
        intro = _.pick(definition.intro or "")
        if not definition.anonymous:
            intro = f"{intro}\n{_(NAMED)}".strip()
        if intro:
            parts.append(intro)
        parts.append(_("Open until {closes}.").format(closes=closing_time(ctx, round_row, _)))
    parts.append(question_text(definition, index, _))
    question = definition.questions[index]
    prompt = (
        comment_prompt(round_row["id"], index) if isinstance(question, CommentQuestion) else None
    )
    return {
        "text": "\n\n".join(parts),
        "title": _.pick(definition.title) if index == 0 else "",
        "choices": buttons(round_row["id"], index, question, _),
        "prompt": prompt,
        "language": _.language,
        "flow": flow(round_row["id"]),
    }


def ticked(definition: SurveyDefinition, index: int, label: str, _: Translator) -> str:
    """The answered question as it reads after the member's choice."""
    return f"{question_text(definition, index, _).splitlines()[0]}\n✓ {_.pick(label)}"
