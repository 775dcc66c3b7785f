"""Times are stored as UTC ISO-8601 text, so they sort and compare as strings."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """`moment` (timezone-aware) as stored text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored: attach a time zone")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
