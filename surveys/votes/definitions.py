"""Vote definitions: a TOML file (or a quick poll) checked into a `VoteDefinition`.

Pure parsing and validation, no I/O beyond reading the file: every problem is one
`VoteDefinitionError` line naming the file, the dotted key and the reason. The format
is documented in `examples/vote-*.toml` and docs/officer-guide/votes.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from surveys.localised import from_data, missing_translations, to_data
from surveys.rules import Rules, parse_rules
from surveys.toml_reader import ID_PATTERN, TomlTable, describe, load_toml
from surveys.wording import plural

METHODS = ("resolution", "single", "approval", "irv", "stv", "budget")
RANKED = ("irv", "stv")
THRESHOLDS = ("simple", "two-thirds")
RESOLUTION_KINDS = ("ordinary", "special")  # thresholds the society's rules give
OPTION_TABLES = ("options", "candidates", "projects")
# (fewest, most) options per method; a ballot is a screen of buttons, so keep it short.
OPTION_LIMITS = {
    "single": (2, 20),
    "approval": (2, 30),
    "irv": (2, 20),
    "stv": (2, 30),
    "budget": (1, 40),
}
MAX_NAME = 40
MAX_STATEMENT = 600
DEFAULT_REMINDER_HOURS = (24,)

_KEYS = {
    "id": True,
    "title": True,
    "explanation": True,
    "method": True,
    "options": False,
    "candidates": False,
    "projects": False,
    "seats": False,
    "threshold": False,
    "resolution": False,
    "budget": False,
    "currency": False,
    "constituencies": False,
    "opens": False,
    "closes": True,
    "quorum": False,
    "results_before_close": False,
    "allow_change": False,
    "reminder_hours": False,
    "meeting": False,
}
_OPTION_KEYS = {"name": True, "statement": False, "cost": False}


class VoteDefinitionError(ValueError):
    """A vote definition is invalid; the message is one line: file, dotted key, reason."""


@dataclass(frozen=True)
class VoteOption:
    name: str
    statement: str = ""
    cost: int | None = None


@dataclass(frozen=True)
class VoteDefinition:
    """One vote as an officer defined it. `constituencies` empty means every constituency."""

    id: str
    title: str
    explanation: str
    method: str
    closes: datetime
    options: tuple[VoteOption, ...] = ()
    seats: int = 1
    threshold: str = "simple"
    budget: int | None = None
    currency: str = "£"
    constituencies: tuple[str, ...] = ()
    opens: datetime | None = None
    quorum: float = 0
    results_before_close: bool = False
    allow_change: bool = False
    reminder_hours: tuple[int, ...] = DEFAULT_REMINDER_HOURS
    options_key: str = "options"  # how the file listed them: options, candidates or projects
    # "ordinary" or "special": the society's rules give the threshold (not `threshold`).
    resolution: str = ""
    # The society's rules file as it stood when the vote was created (its text), kept
    # with the vote so that a later change to the rules does not change its count.
    rules: str = ""
    # When notice of the vote was given (its creation, ISO), for a vote under the rules:
    # the roll is fixed then, and the notice the rules ask for counts from then.
    notice_given: str = ""
    # The general meeting this vote is put to (a meeting's id, `mutual-voice meeting
    # create`), or empty for a vote on its own.
    meeting: str = ""

    @property
    def society_rules(self) -> Rules | None:
        """The rules this vote was created under, if it is a resolution or an election
        under the society's rules."""
        return _rules_of(self.rules) if self.rules else None

    def roll_by(self, opening: datetime) -> datetime:
        """Members who joined by this moment are on the roll: under the society's rules,
        members on the day notice was given for at least the rules' minimum; else members
        by the opening."""
        rules = self.society_rules
        if rules is None or not self.notice_given:
            return opening
        notice = datetime.fromisoformat(self.notice_given)
        return notice - timedelta(days=rules.eligibility.minimum_membership_days)

    @property
    def weights(self) -> dict[str, int]:
        """Votes per member by constituency where the society's rules weight them (a
        constituency not named has 1); empty for one member, one vote."""
        rules = self.society_rules
        if rules is None:
            return {}
        named = {c: rules.weight(c) for c in self.constituencies}
        return named if any(weight != 1 for weight in named.values()) else {}

    @property
    def is_election(self) -> bool:
        """A vote for people: the file lists [[candidates]]."""
        return self.options_key == "candidates"

    @property
    def choices(self) -> tuple[str, ...]:
        """The names on the ballot, in ballot order (For/Against/Abstain for a resolution)."""
        if self.method == "resolution":
            return ("For", "Against", "Abstain")
        return tuple(option.name for option in self.options)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("title", "explanation"):
            data[key] = to_data(getattr(self, key))
        data["options"] = [
            {**o, "name": to_data(v.name), "statement": to_data(v.statement)}
            for o, v in zip(data["options"], self.options, strict=True)
        ]
        data["closes"] = self.closes.isoformat()
        data["opens"] = self.opens.isoformat() if self.opens else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VoteDefinition:
        fields = dict(data)
        fields["options"] = tuple(
            VoteOption(
                **{**o, "name": from_data(o["name"]), "statement": from_data(o["statement"])}
            )
            for o in data.get("options", ())
        )
        for key in ("title", "explanation"):
            fields[key] = from_data(data[key])
        fields["closes"] = datetime.fromisoformat(data["closes"])
        fields["opens"] = datetime.fromisoformat(data["opens"]) if data.get("opens") else None
        for key in ("constituencies", "reminder_hours"):
            fields[key] = tuple(data.get(key, ()))
        return cls(**fields)


@lru_cache(maxsize=32)
def _rules_of(text: str) -> Rules:
    return parse_rules(text, "the society's rules")


def _moment(table: TomlTable, key: str, timezone: str) -> datetime | None:
    """A date and time; without a UTC offset it is in the organisation's time zone."""
    if key not in table.data:
        return None
    value = table.data[key]
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            table.fail(key, f"{value!r} is not a date and time like 2027-03-14T17:00")
    if isinstance(value, date) and not isinstance(value, datetime):
        table.fail(key, f"needs a time as well as a date, e.g. {value}T17:00")
    if isinstance(value, time) or not isinstance(value, datetime):
        table.fail(key, f"must be a date and time like 2027-03-14T17:00, not {describe(value)}")
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(timezone))


def translation_gaps(definition: VoteDefinition, plain: str, readers: Iterable[str]) -> list[str]:
    """The texts lacking a translation, named by the file's own keys (`candidates[2]`); a
    candidate's name is a person's name, the same in every language, so it is not asked for."""
    key = definition.options_key
    return [
        re.sub(r"^options\[", f"{key}[", line)
        for line in missing_translations(definition, plain, readers)
        if not (key == "candidates" and re.match(r"options\[\d+\]\.name:", line))
    ]


def _parse_options(table: TomlTable, method: str) -> tuple[VoteOption, ...]:
    given = [key for key in OPTION_TABLES if key in table.data]
    if method == "resolution":
        if given:
            table.fail(
                given[0], "a resolution has no options: members vote For, Against or Abstain"
            )
        return ()
    if len(given) != 1:
        example = {"budget": "projects", "irv": "candidates", "stv": "candidates"}
        table.fail(
            example.get(method, "options"),
            f"{'list the choices as' if not given else 'use only one of'} "
            f"[[{example.get(method, 'options')}]] tables"
            + ("" if not given else f" (found {', '.join(given)})"),
        )
    key = given[0]
    raw = table.data[key]
    low, high = OPTION_LIMITS[method]
    if not isinstance(raw, list) or not low <= len(raw) <= high:
        count = len(raw) if isinstance(raw, list) else 0
        table.fail(key, f"must be {low} to {high} [[{key}]] tables (found {count})")
    options: list[VoteOption] = []
    for n, item in enumerate(raw, start=1):
        row = table.table(item, f"{key}[{n}]")
        row.expect_keys(_OPTION_KEYS)
        name = row.text("name", MAX_NAME)
        if any(o.name.casefold() == name.casefold() for o in options):
            row.fail("name", f"{name!r} is listed twice")
        cost = None
        if method == "budget":
            if "cost" not in row.data:
                row.fail("cost", "missing: every project needs a cost (whole units, e.g. pounds)")
            cost = row.number("cost", 1, 10**12)
        elif "cost" in row.data:
            row.fail("cost", "only projects of a participatory budget have a cost")
        options.append(VoteOption(name, row.text("statement", MAX_STATEMENT, multiline=True), cost))
    return tuple(options)


def _check_method_keys(table: TomlTable, method: str, options: tuple[VoteOption, ...]) -> int:
    """Refuse keys that mean nothing for this method; return the number of seats."""
    own = {"threshold": ("resolution",), "budget": ("budget",), "currency": ("budget",)}
    own["resolution"] = ("resolution",)
    if "resolution" in table.data and "threshold" in table.data:
        table.fail(
            "threshold",
            "give either threshold or resolution (whose threshold the society's rules give), "
            "not both",
        )
    own["seats"] = ("stv", "approval")
    for key, methods in own.items():
        if key in table.data and method not in methods:
            table.fail(key, f"only applies to method {' or '.join(methods)}, not {method}")
    if method == "budget" and "budget" not in table.data:
        table.fail("budget", "missing: the total to share out (whole units, e.g. pounds)")
    seats = 1
    if method in ("stv", "approval"):
        if method == "stv" and "seats" not in table.data:
            table.fail("seats", "missing: how many people are to be elected")
        seats = table.number("seats", 1, 1000, 1)
        if method == "stv" and seats >= len(options):
            table.fail("seats", f"{seats} seats need more than {len(options)} candidates")
        if seats > len(options):
            table.fail("seats", f"{seats} winners need at least as many options")
    return seats


def _parse_reminders(table: TomlTable) -> tuple[int, ...]:
    raw = table.data.get("reminder_hours", list(DEFAULT_REMINDER_HOURS))
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list):
        table.fail("reminder_hours", "must be a list of hours before closing, e.g. [48, 4]")
    hours: list[int] = []
    for n, value in enumerate(raw, start=1):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24 * 90:
            table.fail(f"reminder_hours[{n}]", f"must be a whole number of hours, not {value!r}")
        if value in hours:
            table.fail(f"reminder_hours[{n}]", f"{value} is listed twice")
        hours.append(value)
    return tuple(sorted(hours, reverse=True))


def parse_vote(data: dict, source: str, timezone: str = "Europe/London") -> VoteDefinition:
    """Validate one vote definition (a parsed TOML document) or raise VoteDefinitionError.

    Times without a UTC offset are in `timezone` (the organisation's).
    """
    table = TomlTable(VoteDefinitionError, source, data)
    table.expect_keys(_KEYS)
    vote_id = table.ident("id")
    method = table.choice("method", METHODS)
    options = _parse_options(table, method)
    options_key = next((key for key in OPTION_TABLES if key in table.data), "options")
    seats = _check_method_keys(table, method, options)
    constituencies = table.data.get("constituencies", [])
    if not isinstance(constituencies, list) or not all(
        isinstance(c, str) and ID_PATTERN.fullmatch(c) for c in constituencies
    ):
        table.fail("constituencies", 'must be a list of constituency names, e.g. ["tenant"]')
    opens, closes = _moment(table, "opens", timezone), _moment(table, "closes", timezone)
    assert closes is not None  # required key
    if opens is not None and closes <= opens:
        table.fail("closes", f"must be after opens ({opens.isoformat()})")
    reminders = _parse_reminders(table)
    if opens is not None and reminders and (closes - opens).total_seconds() <= reminders[0] * 3600:
        table.fail(
            "reminder_hours",
            f"{plural(reminders[0], 'hour')} before closing is before the vote opens; use less, or []",
        )
    return VoteDefinition(
        id=vote_id,
        title=table.text("title", 100),
        explanation=table.text("explanation", 1500, multiline=True),
        method=method,
        closes=closes,
        options=options,
        seats=seats,
        threshold=table.choice("threshold", THRESHOLDS, "simple"),
        resolution=table.choice("resolution", RESOLUTION_KINDS, "")
        if "resolution" in table.data
        else "",
        budget=table.number("budget", 1, 10**12) if method == "budget" else None,
        currency=table.text("currency", 5) or "£",
        constituencies=tuple(dict.fromkeys(constituencies)),
        opens=opens,
        quorum=table.number("quorum", 0, 100, 0, whole=False),
        results_before_close=table.flag("results_before_close", False),
        allow_change=table.flag("allow_change", False),
        reminder_hours=reminders,
        options_key=options_key,
        meeting=table.ident("meeting") if "meeting" in table.data else "",
    )


def load_vote_file(path: Path, timezone: str = "Europe/London") -> VoteDefinition:
    """Read and validate one TOML vote definition; every problem is a VoteDefinitionError."""
    return parse_vote(load_toml(Path(path), VoteDefinitionError), str(path), timezone)


_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 1),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 60),
    **dict.fromkeys(("d", "day", "days"), 24 * 60),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 7 * 24 * 60),
}
# A length is one or more parts such as "2h", "1.5 hours", "1h30m" or "1 hour 30 minutes",
# each in a smaller unit than the one before ("24h 2 hours of what?" asks about 2 hours).
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))  # longest first: "hours", not "h"
_PART = re.compile(rf"(\d+(?:[.,]\d+)?)\s?({_UNIT_WORDS})(?![a-z])\s*", re.IGNORECASE)
# A first word such as "2x", "1h30" or "2mo" was meant as a length but is not one;
# "2nd", "3rd", "5pm" and "2023" are the start of a question.
_NEAR_LENGTH = re.compile(r"\d+(?:[.,]\d+)?[a-z]\w*(?=\s|\||$)", re.IGNORECASE)
_NOT_LENGTHS = re.compile(r"\d+(st|nd|rd|th|am|pm)", re.IGNORECASE)
_LENGTHS = "e.g. 30m, 2h, 1h30m, 1.5h, 3d or 2w (minutes, hours, days or weeks)"


def poll_length(text: str) -> tuple[int | None, str]:
    """A length the text starts with, in minutes (None if none), and the text after it."""
    minutes, end, last_unit = 0.0, 0, None
    while found := _PART.match(text, end):
        unit = _UNITS[found.group(2).lower()]
        if last_unit is not None and unit >= last_unit:
            break
        minutes, end, last_unit = (
            minutes + float(found.group(1).replace(",", ".")) * unit,
            found.end(),
            unit,
        )
    if last_unit is not None and (end == len(text) or text[end - 1].isspace() or text[end] == "|"):
        return round(minutes), text[end:].strip()
    near = _NEAR_LENGTH.match(text)
    if near and not _NOT_LENGTHS.fullmatch(near.group(0)):
        raise VoteDefinitionError(f"{near.group(0)!r} is not a length: use {_LENGTHS}")
    return None, text


def length_words(minutes: int) -> str:
    """A poll's length as a reader says it: "1 hour 30 minutes", "2 weeks", "3 days 4 hours"."""
    parts = []
    for noun, size in (("week", 7 * 24 * 60), ("day", 24 * 60), ("hour", 60), ("minute", 1)):
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(plural(count, noun))
    return " ".join(parts) or plural(0, "minute")


def parse_poll(text: str, default_hours: int = 24) -> tuple[str, tuple[str, ...], int]:
    """`[2h|1h30m|3 days] Question? | Option A | Option B` -> (question, options, minutes)."""
    minutes, text = poll_length(text.strip())
    if minutes is None:
        minutes = default_hours * 60
    elif not 5 <= minutes <= 30 * 24 * 60:
        raise VoteDefinitionError(f"a poll stays open between 5 minutes and 30 days, {_LENGTHS}")
    parts = [part.strip() for part in text.split("|")]
    question, options = parts[0], tuple(p for p in parts[1:] if p)
    if not question:
        raise VoteDefinitionError("the question is missing")
    if len(question) > 100:
        raise VoteDefinitionError(f"the question is {len(question)} characters; keep it to 100")
    if not 2 <= len(options) <= 10:
        raise VoteDefinitionError("give 2 to 10 options, separated by |")
    if any(len(option) > MAX_NAME for option in options):
        raise VoteDefinitionError(f"keep each option to {MAX_NAME} characters")
    if len({o.casefold() for o in options}) != len(options):
        raise VoteDefinitionError("each option must be different")
    return question, options, minutes
