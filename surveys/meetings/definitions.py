"""A meeting file: when and where, the online link, the day notice is given, the agenda."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from surveys.rules.model import RESOLUTION_KINDS
from surveys.toml_reader import TomlTable, describe, load_toml

KINDS = ("annual", "general")
_KEYS = {
    "id": True,
    "title": True,
    "kind": False,
    "starts": True,
    "place": False,
    "online": False,
    "notice_given": False,
    "agenda": True,
    "seats": False,
}
_ITEM_KEYS = {"title": True, "explanation": False, "resolution": False}
_SEAT_KEYS = {"id": True, "title": True, "places": True, "constituencies": False}


class MeetingError(ValueError):
    """A meeting file is invalid; the message is one line: file, dotted key, reason."""


@dataclass(frozen=True)
class AgendaItem:
    title: str
    explanation: str = ""
    resolution: str = ""  # "ordinary" or "special": put to the meeting as a resolution


@dataclass(frozen=True)
class Seat:
    """Places to be filled by election at the meeting (the board, a council). Members of
    `constituencies` may stand and elect; empty: those the society's rules let vote."""

    id: str
    title: str
    places: int
    constituencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Meeting:
    """A general meeting. `notice_given` is None when notice is given on creation."""

    id: str
    title: str
    starts: datetime
    agenda: tuple[AgendaItem, ...]
    kind: str = "annual"
    place: str = ""
    online: str = ""
    notice_given: date | None = None
    seats: tuple[Seat, ...] = ()

    def seat(self, seat_id: str) -> Seat | None:
        return next((seat for seat in self.seats if seat.id == seat_id), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["starts"] = self.starts.isoformat()
        data["notice_given"] = self.notice_given.isoformat() if self.notice_given else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Meeting:
        fields = dict(data)
        fields["starts"] = datetime.fromisoformat(data["starts"])
        fields["agenda"] = tuple(AgendaItem(**item) for item in data["agenda"])
        fields["seats"] = tuple(
            Seat(**{**seat, "constituencies": tuple(seat["constituencies"])})
            for seat in data.get("seats", ())
        )
        given = data.get("notice_given")
        fields["notice_given"] = date.fromisoformat(given) if given else None
        return cls(**fields)


def parse_meeting(data: dict, source: str, timezone: str = "Europe/London") -> Meeting:
    """Check a parsed meeting file; times without a UTC offset are in `timezone`."""
    table = TomlTable(MeetingError, source, data)
    table.expect_keys(_KEYS)
    place, online = table.text("place", 300), table.text("online", 300)
    if not place and not online:
        table.fail("place", "give the place, the online link (online), or both")
    if online and not online.startswith("https://"):
        table.fail("online", f"must be a link starting https://, not {describe(online)}")
    raw = table.data["agenda"]
    if not isinstance(raw, list) or not 1 <= len(raw) <= 40:
        table.fail("agenda", "list the agenda as 1 to 40 [[agenda]] tables, each with a title")
    items = []
    for n, item in enumerate(raw, start=1):
        row = table.table(item, f"agenda[{n}]")
        row.expect_keys(_ITEM_KEYS)
        items.append(
            AgendaItem(
                title=row.text("title", 200),
                explanation=row.text("explanation", 1500, multiline=True),
                resolution=row.choice("resolution", RESOLUTION_KINDS)
                if "resolution" in row.data
                else "",
            )
        )
    return Meeting(
        seats=_seats(table),
        id=table.ident("id"),
        title=table.text("title", 120),
        starts=_starts(table, timezone),
        agenda=tuple(items),
        kind=table.choice("kind", KINDS, "annual"),
        place=place,
        online=online,
        notice_given=_day(table, "notice_given"),
    )


def _seats(table: TomlTable) -> tuple[Seat, ...]:
    raw = table.data.get("seats", [])
    if not isinstance(raw, list) or len(raw) > 20:
        table.fail(
            "seats", "list the seats as up to 20 [[seats]] tables, each with id, title, places"
        )
    seats: list[Seat] = []
    for n, item in enumerate(raw, start=1):
        row = table.table(item, f"seats[{n}]")
        row.expect_keys(_SEAT_KEYS)
        seat = Seat(
            id=row.ident("id"),
            title=row.text("title", 80),
            places=row.number("places", 1, 100),
            constituencies=row.text_list("constituencies", 40, idents=True),
        )
        if any(other.id == seat.id for other in seats):
            row.fail("id", f"{seat.id!r} is listed twice")
        seats.append(seat)
    return tuple(seats)


def _starts(table: TomlTable, timezone: str) -> datetime:
    value = table.data["starts"]
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            table.fail("starts", f"{value!r} is not a date and time like 2027-03-20T14:00")
    if isinstance(value, time) or not isinstance(value, datetime):
        table.fail(
            "starts", f"must be a date and time like 2027-03-20T14:00, not {describe(value)}"
        )
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(timezone))


def _day(table: TomlTable, key: str) -> date | None:
    if key not in table.data:
        return None
    value = table.data[key]
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            table.fail(key, f"{value!r} is not a date like 2027-02-20")
    if isinstance(value, datetime) or not isinstance(value, date):
        table.fail(key, f"must be a date like 2027-02-20, not {describe(value)}")
    return value


def load_meeting_file(path: Path, timezone: str = "Europe/London") -> Meeting:
    """Read and check a meeting file; every problem is a `MeetingError`."""
    return parse_meeting(load_toml(Path(path), MeetingError), str(path), timezone)
