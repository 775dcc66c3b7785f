"""Results of one survey round, safe to share: small groups hidden, comments unattributed.

Everything is computed from aggregated counts, so the cost grows with the number of
distinct (question, constituency, value) keys, never with the number of answers.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from surveys.anonymity import OTHER, groups_to_hide, hidden_reason
from surveys.pulses import scoring, sentiment
from surveys.pulses.questions import (
    Answer,
    ChoiceQuestion,
    CommentQuestion,
    EnpsQuestion,
    Question,
    ScaleQuestion,
    SurveyDefinition,
)
from surveys.wording import Phrase, phrase, plural

NO_COMMENTS = "No comments."
SENTIMENTS: tuple[sentiment.Sentiment, ...] = ("positive", "neutral", "negative")
STILL_OPEN = (
    "The round is still open: figures and comments come when it closes, so that "
    "comparing two looks at the results can never show what someone answered."
)

Counts = Mapping[tuple[str, str, Answer], int]


@dataclass(frozen=True, kw_only=True)
class GroupResult:
    """One constituency's answers to one question; every figure is None when hidden."""

    constituency: str
    answered: int
    mean: float | None = None
    distribution: dict[Answer, int] | None = None
    enps: int | None = None
    suppressed_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class QuestionResult:
    """Everyone's answers to one question, the change since last round, and a breakdown.

    Every figure is None when fewer than the threshold answered; `suppressed_reason`
    then says why in plain English. `distribution` maps each allowed value (choice
    options included) to its count; `change` is the mean or eNPS minus last round's.
    """

    id: str
    kind: str
    text: str
    topic: str
    answered: int
    mean: float | None = None
    distribution: dict[Answer, int] | None = None
    enps: int | None = None
    change: float | None = None
    suppressed_reason: str | None = None
    breakdown: tuple[GroupResult, ...] = ()

    def headline(self) -> str | None:
        """One plain line for digests, e.g. "Voice heard and acted on: 3.8/5 (up 0.2)"."""
        found = self.headline_phrase()
        return None if found is None else str(found)

    def headline_phrase(self) -> Phrase | None:
        """The headline as words handlers put in each member's language."""
        if self.suppressed_reason is not None:
            return None
        if self.kind == "scale" and self.mean is not None:
            score = f"{self.mean:.1f}"
            trend = _trend(self.change, 1)
            if trend is None:
                return phrase("{topic}: {score}/5", topic=self.topic, score=score)
            return phrase("{topic}: {score}/5 {trend}", topic=self.topic, score=score, trend=trend)
        if self.kind == "enps" and self.enps is not None:
            score = f"{self.enps:+d}" if self.enps else "0"
            trend = _trend(self.change, 0)
            if trend is None:
                return phrase("{topic}: {score}", topic=self.topic, score=score)
            return phrase("{topic}: {score} {trend}", topic=self.topic, score=score, trend=trend)
        if self.kind == "choice" and self.distribution and self.answered:
            most = max(self.distribution.values())
            top = [
                phrase('"{option}"', option=o) for o, n in self.distribution.items() if n == most
            ]
            percent = f"{round(100 * most / self.answered)}%"
            if len(top) == 1:
                return phrase(
                    "{topic}: most chose {option} ({percent})",
                    topic=self.topic,
                    option=top[0],
                    percent=percent,
                )
            return phrase(
                "{topic}: most chose {options} and {last} ({percent} each)",
                topic=self.topic,
                options=tuple(top[:-1]),
                last=top[-1],
                percent=percent,
            )
        return None


@dataclass(frozen=True, kw_only=True)
class Turnout:
    """How many of a constituency were asked and answered; the rate is a percentage."""

    constituency: str
    respondents: int
    eligible: int
    response_rate: float | None


@dataclass(frozen=True, kw_only=True)
class Comment:
    """A comment as shown: no constituency, no respondent, no position in the round."""

    text: str
    polarity: float | None  # None: not scored (a language TextBlob does not read)
    sentiment: str  # positive, neutral, negative, or e.g. "not scored (Welsh)"
    language: str | None = None  # noted only where enough wrote in it (anonymity.noted_languages)


@dataclass(frozen=True, kw_only=True)
class RoundResults:
    """A round's results: turnout, one result per scored question, and comments.

    `response_rate` is a percentage. `comments` maps positive / neutral / negative (and
    "not scored (Welsh)" for comments in a language the scorer does not read) to
    comments sorted by text, or is None when all are hidden; `comments_suppressed_reason`
    says why any are hidden.
    """

    survey_id: str
    title: str
    threshold: int
    comment_threshold: int
    respondents: int
    eligible: int
    response_rate: float | None
    turnout: tuple[Turnout, ...]
    questions: tuple[QuestionResult, ...]
    comments: dict[str, tuple[Comment, ...]] | None
    comments_suppressed_reason: str | None = None
    still_open: bool = False

    def question(self, question_id: str) -> QuestionResult:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def headline(self, question_id: str | None = None) -> str | None:
        """The headline of `question_id`, or of the first scale or eNPS question."""
        found = self.headline_phrase(question_id)
        return None if found is None else str(found)

    def headline_phrase(self, question_id: str | None = None) -> Phrase | None:
        """The headline as words handlers put in each member's language."""
        if question_id is not None:
            return self.question(question_id).headline_phrase()
        for question in self.questions:
            if question.kind in ("scale", "enps"):
                return question.headline_phrase()
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: lists, and text keys (distribution values become text)."""
        return _jsonable(asdict(self))


def round_results(
    definition: SurveyDefinition,
    counts: Counts,
    respondents: Mapping[str, int],
    eligible: Mapping[str, int],
    comments: Sequence[tuple[str, str] | tuple[str, str, str | None]],
    threshold: int = 5,
    comment_threshold: int = 10,
    previous: RoundResults | None = None,
    still_open: bool = False,
    noted: frozenset[str] = frozenset(),
    language: str = "en",
) -> RoundResults:
    """Summarise one round from aggregated answers.

    A round `still_open` shows how many answered and nothing else: two looks taken
    before and after someone answers would otherwise give that person's answers.

    `counts` maps (question id, constituency, answer value) to how many gave it; values
    may arrive as text from storage and are parsed by the question. Counts for comment
    questions are ignored: comments arrive as (constituency, text) or (constituency,
    text, language) in `comments`; a comment's language is kept only if it is in `noted`
    (see `anonymity.noted_languages`). A comment with no noted language counts as
    written in `language` (the organisation's); only English comments are scored.
    Figures for fewer than `threshold` people are hidden (see
    `anonymity.groups_to_hide` for breakdowns); comments are shown only from
    constituencies with at least `comment_threshold` comments, because what people
    write often gives away which group they belong to.
    """
    if comment_threshold < 1:
        raise ValueError("the comment threshold must be at least 1")
    by_question = _counts_by_question(definition, counts)
    constituencies = _constituencies(definition, by_question, respondents, eligible)
    grouped_comments, comments_reason = _comments(comments, comment_threshold, noted, language)
    if still_open:
        grouped_comments, comments_reason = None, STILL_OPEN
    total = _turnout("all", sum(respondents.values()), sum(eligible.values()))
    return RoundResults(
        survey_id=definition.id,
        title=definition.title,
        threshold=threshold,
        comment_threshold=comment_threshold,
        respondents=total.respondents,
        eligible=total.eligible,
        response_rate=total.response_rate,
        turnout=tuple(
            _turnout(name, respondents.get(name, 0), eligible.get(name, 0))
            for name in constituencies
        ),
        questions=tuple(
            _question_result(
                question, by_question[question.id], constituencies, threshold, previous, respondents
            )
            for question in definition.questions
            if not isinstance(question, CommentQuestion) and not still_open
        ),
        comments=grouped_comments,
        comments_suppressed_reason=comments_reason,
        still_open=still_open,
    )


def _turnout(constituency: str, respondents: int, eligible: int) -> Turnout:
    return Turnout(
        constituency=constituency,
        respondents=respondents,
        eligible=eligible,
        response_rate=scoring.response_rate(respondents, eligible),
    )


def _counts_by_question(
    definition: SurveyDefinition, counts: Counts
) -> dict[str, dict[str, Counter[Answer]]]:
    """question id -> constituency -> parsed answer value -> count."""
    scored = {q.id: q for q in definition.questions if not isinstance(q, CommentQuestion)}
    comment_ids = {q.id for q in definition.questions if isinstance(q, CommentQuestion)}
    by_question: dict[str, dict[str, Counter[Answer]]] = {
        question_id: defaultdict(Counter) for question_id in scored
    }
    for (question_id, constituency, value), count in counts.items():
        if question_id in comment_ids:
            continue
        if question_id not in scored:
            raise ValueError(f"answers to {question_id!r}, which {definition.id!r} does not ask")
        try:
            parsed = scored[question_id].parse_answer(str(value))
        except ValueError as exc:
            raise ValueError(f"answers to {question_id!r}: {exc}") from None
        by_question[question_id][constituency][parsed] += count
    return by_question


def _size(
    name: str,
    per_constituency: Mapping[str, Counter[Answer]],
    respondents: Mapping[str, int],
    threshold: int,
) -> int:
    """How many in `name` answered; a group too small to keep its name at close (its
    answers are under OTHER) counts as its respondents, so it is hidden as small."""
    if name not in per_constituency and OTHER in per_constituency:
        took_part = respondents.get(name, 0)
        if 0 < took_part < threshold:
            return took_part
    return scoring.answered(per_constituency.get(name, {}))


def _constituencies(
    definition: SurveyDefinition,
    by_question: Mapping[str, Mapping[str, Counter[Answer]]],
    respondents: Mapping[str, int],
    eligible: Mapping[str, int],
) -> tuple[str, ...]:
    """The audience in its own order, then anyone else who turns up in the data; not
    OTHER, the small groups' answers kept together at close (each small group is shown,
    hidden, under its own name)."""
    others = set(respondents) | set(eligible)
    for per_constituency in by_question.values():
        others |= set(per_constituency)
    return definition.audience + tuple(sorted(others - set(definition.audience) - {OTHER}))


def _figures(question: Question, counts: Mapping[Answer, int]) -> dict[str, Any]:
    if isinstance(question, ScaleQuestion):
        mean = scoring.mean(counts)
        return {
            "distribution": scoring.distribution(counts, question.values),
            "mean": None if mean is None else round(mean, 2),
        }
    if isinstance(question, EnpsQuestion):
        return {
            "distribution": scoring.distribution(counts, question.values),
            "enps": scoring.enps(counts),
        }
    if isinstance(question, ChoiceQuestion):
        return {"distribution": scoring.distribution(counts, question.values)}
    raise TypeError(f"{question.kind} questions have no figures")


def _question_result(
    question: Question,
    per_constituency: Mapping[str, Counter[Answer]],
    constituencies: Sequence[str],
    threshold: int,
    previous: RoundResults | None,
    respondents: Mapping[str, int] | None = None,
) -> QuestionResult:
    total: Counter[Answer] = Counter()
    for group_counts in per_constituency.values():
        total.update(group_counts)
    answered = scoring.answered(total)
    reason = hidden_reason(answered, threshold)
    figures = {} if reason else _figures(question, total)
    sizes = {
        name: _size(name, per_constituency, respondents or {}, threshold) for name in constituencies
    }
    hidden_groups = groups_to_hide(sizes, threshold)
    breakdown = tuple(
        GroupResult(
            constituency=name,
            answered=sizes[name],
            suppressed_reason=hidden_groups.get(name),
            **({} if name in hidden_groups else _figures(question, per_constituency.get(name, {}))),
        )
        for name in constituencies
    )
    return QuestionResult(
        id=question.id,
        kind=question.kind,
        text=question.text,
        topic=question.topic,
        answered=answered,
        suppressed_reason=reason,
        change=_change(question, figures, previous),
        breakdown=breakdown,
        **figures,
    )


def _change(
    question: Question, figures: Mapping[str, Any], previous: RoundResults | None
) -> float | None:
    """Mean or eNPS now minus last round, for the same question id and kind."""
    if previous is None:
        return None
    earlier = next((q for q in previous.questions if q.id == question.id), None)
    if earlier is None or earlier.kind != question.kind:
        return None
    if isinstance(question, ScaleQuestion):
        return scoring.change(figures.get("mean"), earlier.mean)
    if isinstance(question, EnpsQuestion):
        return scoring.change(figures.get("enps"), earlier.enps)
    return None


def _comments(
    comments: Sequence[tuple[str, str] | tuple[str, str, str | None]],
    comment_threshold: int,
    noted: frozenset[str] = frozenset(),
    organisation_language: str = "en",
) -> tuple[dict[str, tuple[Comment, ...]] | None, str | None]:
    """Comments grouped by sentiment and sorted by text, or None and why they are hidden."""
    written = [
        (group, text.strip(), language if language in noted else None)
        for group, text, language in (
            (*comment, None) if len(comment) == 2 else comment for comment in comments
        )
        if text.strip()
    ]
    if not written:
        return {name: () for name in SENTIMENTS}, NO_COMMENTS
    if len(written) < comment_threshold:
        return None, (
            f"Hidden: only {plural(len(written), 'comment')}; "
            f"comments show from {comment_threshold} to protect anonymity."
        )
    per_group = Counter(group for group, _, _ in written)
    shown = [
        (text, language)
        for group, text, language in written
        if per_group[group] >= comment_threshold
    ]
    reason = None
    if len(shown) < len(written):
        left_out = len(written) - len(shown)
        reason = (
            f"Hidden: {plural(left_out, 'comment')} from a group with "
            f"fewer than {comment_threshold} comments, to protect anonymity."
        )
    if not shown and written:
        return None, reason
    # Sorting by text, not arrival, so the order reveals nothing about who wrote what.
    # Only the noted language is used, so that "not scored" never says more than the note.
    written_in = {item: item[1] or organisation_language for item in set(shown)}
    scores = {
        text: sentiment.polarity(text)
        for (text, _), language in written_in.items()
        if sentiment.reads(language)
    }
    grouped: dict[str, list[Comment]] = {name: [] for name in SENTIMENTS}
    for text, language in sorted(
        shown, key=lambda item: (item[0].casefold(), item[0], item[1] or "")
    ):
        if sentiment.reads(written_in[(text, language)]):
            score: float | None = round(scores[text], 2)
            mood = sentiment.label(score)
        else:
            score, mood = None, sentiment.not_scored(written_in[(text, language)])
        grouped.setdefault(mood, []).append(
            Comment(text=text, polarity=score, sentiment=mood, language=language)
        )
    return {mood: tuple(items) for mood, items in grouped.items()}, reason


def _trend(change: float | None, decimals: int) -> Phrase | None:
    if change is None:
        return None
    step = round(abs(change), decimals)
    if step == 0:
        return phrase("(no change)")
    if change > 0:
        return phrase("(up {step})", step=f"{step:.{decimals}f}")
    return phrase("(down {step})", step=f"{step:.{decimals}f}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value
