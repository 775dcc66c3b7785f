"""Answering a pulse: a button per answer, the next question after each, `/pulse` to carry on.

Progress (which question is next) lives in the participation table; the answer
itself goes to the answers table under a respondent key, never the member id (unless
the survey is not anonymous). Pressing a button twice records one answer; pressing
another button of an earlier question changes that answer while the round is open.
"""

from __future__ import annotations

from dataclasses import replace

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Choice, Event, Message, Text, reply
from handlers.pulses import questions as q
from handlers.pulses.rounds import definition_of, is_open
from handlers.router import PROMPT_LIFETIME
from storage import conversations
from storage.pulses import queries as pulses
from surveys.anonymity import respondent_key
from surveys.pulses.questions import CommentQuestion, SurveyDefinition

BROKEN = N_("That button no longer works. Type /pulse to carry on with your check-in.")
CLOSED = N_(
    "Thank you for wanting to answer. The {title} closed at {closes}, so new answers "
    "can't be counted any more. The next check-in will come to you here."
)
NOT_ASKED = N_(
    "This check-in was sent to the members on the list when it started, and you weren't "
    "on it (you may have joined or resumed check-ins since). The next one will come to you."
)
NEEDS_ANSWER = N_("This question needs an answer: please tap one of the buttons.")
TOO_LONG = N_("That's a bit long: please keep it under 2,000 characters, or tap Skip.")
SAVED = N_("✓ Comment saved, without your name.")
SAVED_NAMED = N_("✓ Comment saved.")
ALREADY = N_("That question has been answered already. Type /pulse to carry on with your check-in.")
KEY_LOST = N_(
    "Sorry, this check-in can't take answers any more, because of a problem on our side. "
    "Any answers you gave before are counted."
)


def _respondent(ctx: Context, round_row: dict, member_id: str) -> str | None:
    secret = pulses.secret(ctx.db, round_row["id"])
    return respondent_key(secret, round_row["id"], member_id) if secret else None


def round_for(ctx: Context, event: Event, round_id: int) -> tuple[dict, dict] | Message:
    """The open round and the sender's participation in it, or the kind refusal."""
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    round_row = pulses.get_round(ctx.db, round_id)
    if round_row is None:
        return reply(event, _(BROKEN))
    if not is_open(ctx, round_row):
        closes = q.closing_time(ctx, round_row, _)
        title = _.pick(definition_of(round_row).title)
        return reply(event, _(CLOSED).format(title=title, closes=closes))
    taking_part = pulses.participant(ctx.db, round_id, event.member.member_id)
    if taking_part is None:
        return reply(event, _(NOT_ASKED))
    return round_row, taking_part


def _locate(
    ctx: Context, event: Event, value: str, parts: int
) -> tuple[dict, dict, SurveyDefinition, tuple[int, ...]] | Message:
    """From a button's or prompt's value (`<round>.<index>[.<choice>]`): the open round,
    the sender's participation, the survey, and the numbers after the round's id."""
    parsed = q.parse_value(value, parts)
    if parsed is None:
        return reply(event, i18n.for_member(ctx, event.member)(BROKEN))
    found = round_for(ctx, event, parsed[0])
    if isinstance(found, Message):
        return found
    round_row, part = found
    return round_row, part, definition_of(round_row), tuple(parsed[1:])


def _advance(ctx: Context, event: Event, round_row: dict, part: dict, answered: bool) -> Message:
    """Move past the current question; the next one, or the thanks at the end."""
    definition = definition_of(round_row)
    _ = i18n.for_member(ctx, event.member)
    member_id = part["member_id"]
    step = part["step"] + 1
    finished = step >= len(definition.questions)
    answered_at = ctx.now() if answered else None
    pulses.set_progress(
        ctx.db, round_row["id"], member_id, step, finished, answered_at, event.sender.platform
    )
    if finished:
        message = reply(event, _.pick(definition.thanks))
        return replace(message, key=q.key(round_row["id"], "thanks", member_id))
    fields = q.ask(ctx, round_row, definition, step, _)
    message = reply(event, fields["text"], choices=fields["choices"], prompt=fields["prompt"])
    return replace(message, key=q.key(round_row["id"], "ask", member_id, step), flow=fields["flow"])


def answer(ctx: Context, event: Choice) -> list[Message] | Message:
    found = _locate(ctx, event, event.value, 3)
    if isinstance(found, Message):
        return found
    round_row, part, definition, (index, value_index) = found
    _ = i18n.for_member(ctx, event.member)
    round_id = round_row["id"]
    if index > part["step"] or index >= len(definition.questions):
        return reply(event, _(BROKEN))
    question = definition.questions[index]
    if isinstance(question, CommentQuestion) or value_index >= len(question.choices()):
        return reply(event, _(BROKEN))
    label, value = question.choices()[value_index]
    respondent = _respondent(ctx, round_row, part["member_id"])
    if respondent is None:  # the round's secret was lost: no answer can be matched
        return reply(event, _(KEY_LOST))
    earlier = pulses.answer_value(ctx.db, round_id, respondent, question.id)
    if index < part["step"] and earlier == value:
        return []  # a second press of the same button: already recorded
    named = None if definition.anonymous else part["member_id"]
    pulses.save_answer(
        ctx.db, round_id, respondent, question.id, part["constituency"], value, named
    )
    tick = reply(event, q.ticked(definition, index, label, _), edit=True)
    if index < part["step"]:  # a changed answer to an earlier question
        if not part["answered_at"]:
            pulses.set_progress(
                ctx.db,
                round_id,
                part["member_id"],
                part["step"],
                part["finished"],
                ctx.now(),
                event.sender.platform,
            )
        return replace(tick, key=q.key(round_id, "tick", part["member_id"], index, event.event_id))
    tick = replace(tick, key=q.key(round_id, "tick", part["member_id"], index))
    return [tick, _advance(ctx, event, round_row, part, answered=True)]


def skip(ctx: Context, event: Choice) -> list[Message] | Message:
    found = _locate(ctx, event, event.value, 2)
    if isinstance(found, Message):
        return found
    round_row, part, definition, (index,) = found
    _ = i18n.for_member(ctx, event.member)
    round_id = round_row["id"]
    if index != part["step"] or index >= len(definition.questions):
        return []  # an earlier question, already answered or skipped: nothing changes
    if not definition.questions[index].optional:
        return reply(event, _(NEEDS_ANSWER))
    platform, chat = event.sender.platform, event.sender.chat_id
    pending = conversations.pending_prompt(ctx.db, platform, chat, ctx.now() - PROMPT_LIFETIME)
    if pending and pending[0] == pulses.comment_prompt(round_id, index):
        conversations.clear_prompt(ctx.db, platform, chat)  # later text is not a comment
    text = q.question_text(definition, index, _).splitlines()[0] + "\n" + _("Skipped.")
    tick = replace(
        reply(event, text, edit=True), key=q.key(round_id, "tick", part["member_id"], index)
    )
    return [tick, _advance(ctx, event, round_row, part, answered=False)]


def comment(ctx: Context, event: Text) -> list[Message] | Message:
    """The free-text answer to a comment question (the prompt `pulse.c:<round>.<index>`)."""
    found = _locate(ctx, event, (event.reply_to or "").partition(":")[2], 2)
    if isinstance(found, Message):
        return found
    round_row, part, definition, (index,) = found
    _ = i18n.for_member(ctx, event.member)
    round_id = round_row["id"]
    if index != part["step"] or index >= len(definition.questions):
        return reply(event, _(ALREADY))
    question = definition.questions[index]
    if not isinstance(question, CommentQuestion):
        return reply(event, _(ALREADY))
    try:
        text = question.parse_answer(event.text)
    except ValueError:
        again = reply(
            event,
            _(TOO_LONG),
            choices=q.buttons(round_id, index, question, _),
            prompt=event.reply_to,
        )
        return replace(again, flow=q.flow(round_id))
    respondent = _respondent(ctx, round_row, part["member_id"])
    if respondent is None:  # the round's secret was lost: no answer can be matched
        return reply(event, _(KEY_LOST))
    named = None if definition.anonymous else part["member_id"]
    language = _noted_language(ctx, round_id, event.member.language if event.member else None)
    pulses.save_comment(
        ctx.db, round_id, respondent, question.id, part["constituency"], text, named, language
    )
    following = _advance(ctx, event, round_row, part, answered=True)
    saved = _(SAVED if definition.anonymous else SAVED_NAMED)
    return replace(following, text=f"{saved}\n\n{following.text}")


def _noted_language(ctx: Context, round_id: int, tag: str | None) -> str | None:
    """The language to keep with a comment so the council can be told it, or None.

    None for the organisation's own language, and for one fewer than the anonymity
    threshold of the round's members read: kept, it would point to them. (Whether it
    is shown is decided again at results, from how many actually wrote in it.)
    """
    language = i18n.spoken(ctx, tag)
    if language == i18n.spoken(ctx, None):
        return None
    readers = sum(
        count
        for reader_tag, count in pulses.participant_languages(ctx.db, round_id).items()
        if i18n.spoken(ctx, reader_tag) == language
    )
    return language if readers >= ctx.policy.privacy.anonymity_threshold else None


def carry_on(ctx: Context, event: Event, round_row: dict, part: dict) -> Message:
    """The member's current question again (asked for, so it may come at any hour)."""
    definition = definition_of(round_row)
    fields = q.ask(ctx, round_row, definition, part["step"], i18n.for_member(ctx, event.member))
    message = reply(
        event,
        fields["text"],
        title=fields["title"],
        choices=fields["choices"],
        prompt=fields["prompt"],
    )
    return replace(
        message,
        key=q.key(round_row["id"], "ask", part["member_id"], part["step"], event.event_id),
        flow=fields["flow"],
    )


def fill_in(ctx: Context, event: Event, round_id: int, given: dict[int, int | str]) -> Message:
    """A whole round answered at once (the member's page), through the same steps as the
    buttons and the comment box: from the member's current question on, each question's
    choice (`given[index]`, the choice's position), comment (its text), or a skip when
    nothing is given. The last reply: the thanks, or why an answer was not taken."""
    found = round_for(ctx, event, round_id)
    if isinstance(found, Message):
        return found
    round_row, part = found
    last: Message = carry_on(ctx, event, round_row, part)
    for index in range(part["step"], len(definition_of(round_row).questions)):
        value = given.get(index)

        def press(action: str, tail: str = "", index: int = index) -> Choice:
            return Choice(
                event.sender,
                event.member,
                event.event_id,
                action=action,
                value=f"{round_id}.{index}{tail}",
            )

        if isinstance(value, int):
            out = answer(ctx, press(q.ANSWER, f".{value}"))
        elif value:
            typed = Text(
                event.sender,
                event.member,
                event.event_id,
                text=value,
                reply_to=pulses.comment_prompt(round_id, index),
            )
            out = comment(ctx, typed)
        else:
            out = skip(ctx, press(q.SKIP))
        replies = [out] if isinstance(out, Message) else out
        if not replies:
            continue
        last = replies[-1]
        current = pulses.participant(ctx.db, round_id, part["member_id"])
        if current is None or current["step"] <= index:
            return last  # not taken (a refusal): stop here, as chat would
    return last
