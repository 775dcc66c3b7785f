"""Results of a pulse round, from SQL aggregates, safe to share; and `/results` for officers.

Every figure for fewer than `privacy.anonymity_threshold` people, and every comment
below `privacy.comment_threshold`, is hidden with the reason (see surveys.pulses.results).
"""

from __future__ import annotations

from typing import Any

from handlers import channels, i18n
from handlers.context import Context
from handlers.messages import Command, Message, quoted, reply
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import questions as q
from handlers.pulses.rounds import definition_of
from storage.pulses import queries as pulses
from storage.timestamps import parse
from surveys.anonymity import noted_languages
from surveys.pulses.questions import ScaleQuestion
from surveys.pulses.results import STILL_OPEN, Comment, QuestionResult, RoundResults, round_results
from surveys.wording import number_range


class NoSuchRound(LookupError):
    """The survey or round asked for does not exist; the message says what does."""


def find_round(ctx: Context, survey_id: str, number: int | None = None) -> dict[str, Any]:
    if number is None:
        found = pulses.latest_round(ctx.db, survey_id)
    else:
        found = pulses.round_by_number(ctx.db, survey_id, number)
    if found is None:
        rounds = [r["number"] for r in pulses.all_rounds(ctx.db, survey_id)]
        known = sorted(pulse_definitions.load(ctx))
        if not rounds and survey_id not in known:
            raise NoSuchRound(f"There is no survey {survey_id!r}. Surveys: {', '.join(known)}.")
        if not rounds:
            raise NoSuchRound(
                f"{survey_id!r} has no rounds yet (send one: mutual-voice survey send {survey_id})"
            )
        raise NoSuchRound(
            f"{survey_id!r} has no round {number} (it has {number_range(rounds[0], rounds[-1])})"
        )
    return found


def results_of(ctx: Context, round_row: dict[str, Any], *, detail: bool = True) -> RoundResults:
    """The round's results; `detail` adds comments and the change since the previous round.

    Until the round closes only how many answered is shown, never a figure or comment.
    """
    privacy = ctx.policy.privacy
    respondents, eligible = pulses.turnout(ctx.db, round_row)
    if not round_row["closed_at"]:
        return round_results(
            definition_of(round_row),
            {},
            respondents,
            eligible,
            [],
            threshold=privacy.anonymity_threshold,
            comment_threshold=privacy.comment_threshold,
            still_open=True,
        )
    previous = None
    if detail and (earlier := pulses.previous_round(ctx.db, round_row)) is not None:
        previous = results_of(ctx, earlier, detail=False)
    return round_results(
        definition_of(round_row),
        pulses.answer_counts(ctx.db, round_row),
        respondents,
        eligible,
        pulses.comments(ctx.db, round_row["id"]) if detail else [],
        threshold=privacy.anonymity_threshold,
        comment_threshold=privacy.comment_threshold,
        previous=previous,
        noted=noted_languages(
            pulses.comment_writers(ctx.db, round_row["id"]) if detail else [],
            privacy.anonymity_threshold,
        ),
        language=i18n.language_of(ctx, None),
    )


def status(ctx: Context, round_row: dict[str, Any]) -> str:
    if round_row["closed_at"]:
        return "closed"
    return "open" if ctx.now() < parse(round_row["closes_at"]) else "closing"


def _rate(respondents: int, eligible: int, rate: float | None) -> str:
    return f"{respondents} of {eligible}" + (f" ({rate:g}%)" if rate is not None else "")


def _figures(result: QuestionResult | Any, labels: dict[str, str]) -> str:
    if result.enps is not None:
        spread = ""
        if result.distribution:
            total = sum(result.distribution.values()) or 1
            spread = "; scored " + ", ".join(
                f"{name}: {n} ({round(100 * n / total)}%)"
                for name, n in (
                    ("0-6", sum(c for v, c in result.distribution.items() if int(v) <= 6)),
                    ("7-8", sum(c for v, c in result.distribution.items() if 7 <= int(v) <= 8)),
                    ("9-10", sum(c for v, c in result.distribution.items() if int(v) >= 9)),
                )
            )
        return f"eNPS {result.enps:+d} (% scoring 9-10 minus % scoring 0-6){spread}"
    parts = []
    if result.mean is not None:
        parts.append(f"average {result.mean:g} out of 5")
    if result.distribution:
        total = sum(result.distribution.values()) or 1
        parts.append(
            ", ".join(
                f"{labels.get(str(value), value)} {count} ({round(100 * count / total)}%)"
                for value, count in result.distribution.items()
            )
        )
    return "; ".join(parts)


def render(ctx: Context, round_row: dict[str, Any], results: RoundResults) -> str:
    """Plain text for a terminal or a chat: figures, or why they are hidden."""
    definition = definition_of(round_row)
    state = status(ctx, round_row)
    when = "closed" if state == "closed" else "open until"
    answered = "Answered so far" if results.still_open else "Answered"
    lines = [
        f"{results.title}, round {round_row['number']} ({when} {q.closing_time(ctx, round_row)})",
        f"{answered}: {_rate(results.respondents, results.eligible, results.response_rate)}",
    ]
    if results.turnout:  # per constituency, even when only one was asked (as --json has it)
        lines += [
            f"  {t.constituency}: {_rate(t.respondents, t.eligible, t.response_rate)}"
            for t in results.turnout
        ]
    if by_channel := channels.line(pulses.channel_turnout(ctx.db, round_row)):
        lines.append(by_channel)
    for number, result in enumerate(results.questions, start=1):
        question = definition.question(result.id)
        labels = {}
        if isinstance(question, ScaleQuestion):
            labels = {value: label for label, value in question.choices()}
        lines += ["", f"{number}. {result.topic} ({result.answered} answered)"]
        if result.suppressed_reason:
            lines.append(f"   {result.suppressed_reason}")
            continue
        change = f" (change since last round: {result.change:+g})" if result.change else ""
        lines.append(f"   {_figures(result, labels)}{change}")
        for group in result.breakdown:
            shown = group.suppressed_reason or _figures(group, labels)
            lines.append(f"   {group.constituency}: {shown}")
    lines.append("")
    if results.comments and any(results.comments.values()):
        lines.append("Comments (never attributed, sorted by text):")
        for mood, comments in results.comments.items():
            if comments:
                lines += [f"  {mood[:1].upper()}{mood[1:]}:"] + [
                    f"  - {quoted(c.text)}{note(ctx, c)}" for c in comments
                ]
    if results.still_open:
        lines.append(STILL_OPEN)
    elif results.comments_suppressed_reason:
        lines.append(f"Comments: {results.comments_suppressed_reason}")
    return "\n".join(lines).rstrip()


def note(ctx: Context, comment: Comment) -> str:
    """ " (Welsh)" after a comment whose language may be noted, in the organisation's words."""
    if comment.language is None:
        return ""
    return f" ({i18n.language_name(comment.language, i18n.language_of(ctx, None))})"


def results_command(ctx: Context, event: Command) -> Message:
    """`/results [SURVEY_ID]`: the latest round's results, for officers; with no id, every
    open round's (or the latest round's when none is open)."""
    survey_id = event.args.split()[0] if event.args.split() else None
    if survey_id is None:
        rounds = (
            pulses.unclosed_rounds(ctx.db)
            or sorted(pulses.all_rounds(ctx.db), key=lambda r: r["opened_at"])[-1:]
        )
        if not rounds:
            return reply(event, "No pulse rounds yet. Send one: mutual-voice survey send SURVEY_ID")
    else:
        try:
            rounds = [find_round(ctx, survey_id)]
        except NoSuchRound as error:
            return reply(event, str(error))
    return reply(event, "\n\n".join(render(ctx, r, results_of(ctx, r)) for r in rounds))
