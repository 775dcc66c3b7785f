"""Question kinds and survey definitions: what a pulse asks and which answers are valid."""

from dataclasses import KW_ONLY, dataclass
from typing import ClassVar

from surveys.localised import Local

AGREE_LABELS = tuple(
    Local({"en": en, "cy": cy})
    for en, cy in (
        ("Strongly disagree", "Anghytuno'n gryf"),
        ("Disagree", "Anghytuno"),
        ("Neither", "Dim y naill na'r llall"),
        ("Agree", "Cytuno"),
        ("Strongly agree", "Cytuno'n gryf"),
    )
)
SCALE_VALUES = (1, 2, 3, 4, 5)
ENPS_VALUES = tuple(range(11))
MAX_COMMENT_CHARS = 2000

Answer = int | str


def _parse_whole_number(value: str, allowed: tuple[int, ...]) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None
    if number not in allowed:
        raise ValueError(f"{number} is not between {allowed[0]} and {allowed[-1]}")
    return number


@dataclass(frozen=True)
class _Question:
    id: str
    text: str
    _: KW_ONLY
    topic: str = ""
    optional: bool = True

    def __post_init__(self) -> None:
        # Digests and headlines need a short name; the question text is the fallback.
        if not self.topic:
            object.__setattr__(self, "topic", _short(self.text))


@dataclass(frozen=True)
class ScaleQuestion(_Question):
    """A 1–5 scale; `labels` name the five points, lowest first."""

    kind: ClassVar[str] = "scale"
    labels: tuple[str, ...] = AGREE_LABELS

    @property
    def values(self) -> tuple[int, ...]:
        return SCALE_VALUES

    def choices(self) -> tuple[tuple[str, str], ...]:
        """(button label, answer value) pairs, lowest first."""
        return tuple(zip(self.labels, map(str, SCALE_VALUES), strict=True))

    def parse_answer(self, value: str) -> int:
        return _parse_whole_number(value, SCALE_VALUES)


@dataclass(frozen=True)
class EnpsQuestion(_Question):
    """The 0–10 employee Net Promoter question ("how likely are you to recommend ...")."""

    kind: ClassVar[str] = "enps"
    low_label: ClassVar[str] = "Not at all likely"
    high_label: ClassVar[str] = "Extremely likely"

    @property
    def values(self) -> tuple[int, ...]:
        return ENPS_VALUES

    def choices(self) -> tuple[tuple[str, str], ...]:
        """(button label, answer value) pairs, 0 first."""
        return tuple((str(v), str(v)) for v in ENPS_VALUES)

    def parse_answer(self, value: str) -> int:
        return _parse_whole_number(value, ENPS_VALUES)


@dataclass(frozen=True)
class ChoiceQuestion(_Question):
    """Pick one of `options`; the answer value is the option text itself."""

    kind: ClassVar[str] = "choice"
    options: tuple[str, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return self.options

    def choices(self) -> tuple[tuple[str, str], ...]:
        return tuple((option, option) for option in self.options)

    def parse_answer(self, value: str) -> str:
        if value not in self.options:
            raise ValueError(f"{value!r} is not one of the options")
        return value


@dataclass(frozen=True)
class CommentQuestion(_Question):
    """Free text; the answer is the text without surrounding blanks."""

    kind: ClassVar[str] = "comment"

    def parse_answer(self, value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("the comment is empty")
        if len(text) > MAX_COMMENT_CHARS:
            raise ValueError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
        return text


Question = ScaleQuestion | EnpsQuestion | ChoiceQuestion | CommentQuestion
QUESTION_KINDS: dict[str, type[Question]] = {
    kind.kind: kind for kind in (ScaleQuestion, EnpsQuestion, ChoiceQuestion, CommentQuestion)
}


@dataclass(frozen=True)
class SurveyDefinition:
    """A pulse survey as an engagement officer wrote it; `source` is the file it came from."""

    id: str
    title: str
    intro: str
    audience: tuple[str, ...]
    questions: tuple[Question, ...]
    anonymous: bool = True
    schedule: str | None = None
    open_hours: int = 72
    reminder_hours: int | None = 48
    thanks: str = ""
    source: str = ""

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)


def _short(text: str) -> str:
    """The question as a topic: without its closing punctuation, in every language given."""
    if isinstance(text, Local):
        return Local({lang: _short(words) for lang, words in text.translations.items()})
    return text.strip().rstrip(".?!")
