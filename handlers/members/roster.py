"""Importing the membership roster from a CSV file, all or nothing."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.context import Context
from handlers.members.phones import PhoneError, to_e164
from handlers.members.routing import AUTO, PLATFORMS
from storage import audit, members, privacy

REQUIRED_COLUMNS = ("member_id", "name", "email", "constituency")
OPTIONAL_COLUMNS = ("slack_user_id", "timezone", "language", "address", "phone", "prefers")
REQUIRED_VALUES = ("member_id", "name", "constituency")

MEMBER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")
SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
ADDRESS_LINES = 6  # what fits an envelope window


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    applied: bool = False
    # Good rows left out on purpose (an erased member): they never block an import.
    skipped: list[RowProblem] = field(default_factory=list)
    languages: frozenset[str] = frozenset()  # the roster languages of the rows imported

    def to_dict(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "applied": self.applied,
            "problems": [{"line": p.line, "reason": p.reason} for p in self.problems],
            "skipped": [{"line": p.line, "reason": p.reason} for p in self.skipped],
        }


class RosterError(Exception):
    """The file as a whole cannot be read (wrong header, not CSV, not UTF-8)."""


def check_row(row: dict[str, str], constituencies: Iterable[str]) -> str | None:
    """Why this row cannot be imported, or None if it is fine."""
    for column in REQUIRED_VALUES:
        if not row.get(column):
            return f"missing {column}"
    if not MEMBER_ID.match(row["member_id"]):
        return f"member_id {row['member_id']!r} may only use letters, digits, '.', '_' and '-'"
    allowed = tuple(constituencies)
    if row["constituency"] not in allowed:
        return (
            f"unknown constituency {row['constituency']!r} (expected one of {', '.join(allowed)})"
        )
    if row.get("email") and not EMAIL.match(row["email"]):
        return f"malformed email {row['email']!r}"
    if row.get("slack_user_id") and not SLACK_ID.match(row["slack_user_id"]):
        return f"slack_user_id {row['slack_user_id']!r} should look like U012ABCDEF"
    if row.get("timezone"):
        try:
            ZoneInfo(row["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            return f"unknown timezone {row['timezone']!r} (use a name like Europe/London)"
    if row.get("language") and not LANGUAGE.match(row["language"]):
        return f"language {row['language']!r} should be a code like en or cy"
    if len(address_lines(row.get("address", ""))) > ADDRESS_LINES:
        return f"address has more than {ADDRESS_LINES} lines (lines are separated by |)"
    if row.get("prefers", "").lower() not in (*AUTO, *PLATFORMS):
        return f"prefers {row['prefers']!r} should be empty, auto or one of {', '.join(PLATFORMS)}"
    return None


def normalise(row: dict[str, str], country: str) -> str | None:
    """Put the row's phone in E.164 form and its preference in lower case (empty for
    auto); why the phone cannot be used, or None."""
    row["prefers"] = "" if row.get("prefers", "").lower() in AUTO else row["prefers"].lower()
    if row.get("phone"):
        try:
            row["phone"] = to_e164(row["phone"], country)
        except PhoneError as error:
            return str(error)
    return None


def decode(data: bytes) -> str:
    """The roster file's text: UTF-8 (with or without a byte-order mark), else refused with
    the line, since guessing another encoding could silently misspell names."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterError(
            f"line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); in your "
            "spreadsheet, save it as CSV UTF-8 (Comma delimited) and import it again"
        ) from None


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, or the semicolons or tabs a spreadsheet in another locale writes.

    Only the separator is guessed, from the header; the rest is Excel's dialect, quotes
    doubled inside quoted fields ("Pat ""Paddy"" Murphy"). The sniffer would also guess
    that quotes are not doubled (a header has none) and misread every `""` in the rows.
    """
    header = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return type("Roster", (csv.excel,), {"delimiter": delimiter})


def address_lines(address: str) -> tuple[str, ...]:
    """A roster address ("12 Oak Road|Leeds|LS1 1AA") as its non-empty lines."""
    return tuple(line.strip() for line in address.split("|") if line.strip())


def read_rows(stream: TextIO) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """Parse the CSV into (line number, row) pairs plus problems found on the way."""
    try:
        text = stream.read()
        reader = csv.DictReader(io.StringIO(text), dialect=_dialect(text))
        header = [h.strip() for h in reader.fieldnames or []]
    except (UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"cannot read the file as UTF-8 CSV: {error}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RosterError(
            f"line 1: the header lacks {', '.join(missing)} "
            f"(required columns: {', '.join(REQUIRED_COLUMNS)})"
        )
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise RosterError(
            f"line 1: unknown column {unknown[0]!r} "
            f"(optional columns: {', '.join(OPTIONAL_COLUMNS)})"
        )
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                problems.append(RowProblem(line, "more fields than the header has columns"))
                continue
            clean = {k: (v or "").strip() for k, v in row.items()}
            if not any(clean.values()):
                continue
            member_id = clean.get("member_id", "")
            if member_id in seen:
                problems.append(
                    RowProblem(
                        line, f"duplicate member_id {member_id!r} (first on line {seen[member_id]})"
                    )
                )
                continue
            seen[member_id] = line
            rows.append((line, clean))
    except (UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"line {reader.line_num}: cannot read the file: {error}") from None
    return rows, problems


def check_roster(
    ctx: Context, stream: TextIO
) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """The good rows with their lines, and every bad line with its reason (by line)."""
    rows, problems = read_rows(stream)
    constituencies = ctx.policy.organisation.constituencies
    country = ctx.policy.organisation.default_country
    good = []
    for line, row in rows:
        reason = check_row(row, constituencies) or normalise(row, country)
        if reason:
            problems.append(RowProblem(line, reason))
        else:
            good.append((line, row))
    flagged = lookalikes(ctx, good) + shared_phones(ctx, good)
    problems += flagged
    problems.sort(key=lambda p: p.line)
    bad_lines = {p.line for p in flagged}
    return [(line, row) for line, row in good if line not in bad_lines], problems


def visible(name: str) -> str:
    """What a reader sees of a name: without invisible and format characters (zero-width
    spaces and joiners, bidirectional controls, soft hyphens), any run of spaces as one."""
    shown = "".join(c for c in unicodedata.normalize("NFC", name) if not _invisible(c))
    return " ".join(shown.split())


def _invisible(c: str) -> bool:
    return unicodedata.category(c) in ("Cf", "Cc", "Zl", "Zp") or c in "\u115f\u1160\u3164"


def lookalikes(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> list[RowProblem]:
    """Names that differ from another (in the file or on the roster) only by what a reader
    cannot see: two people who would look like one, or one made to look like another."""
    in_file = {row["member_id"] for _, row in rows}
    seen: dict[str, tuple[str, str]] = {}  # what shows -> (where, the name as written)
    for member_id, name in members.names(ctx.db):
        if member_id not in in_file:  # the file's own row is what counts for those
            seen.setdefault(visible(name), (f"member {member_id}", name))
    found = []
    for line, row in rows:
        name = row["name"]
        shown = visible(name)
        other = seen.setdefault(shown, (f"line {line}", name))
        if other[1] != name:
            found.append(
                RowProblem(
                    line,
                    f"name {name!r} looks the same as {other[1]!r} ({other[0]}) but differs "
                    f"by invisible characters ({_codes(name, other[1])}); type it again",
                )
            )
    return found


def shared_phones(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> list[RowProblem]:
    """Rows whose phone is another member's (in the file or on the roster): texts to it,
    and its replies, would reach or speak for the wrong member."""
    in_file = {row["member_id"] for _, row in rows}
    numbers = [row["phone"] for _, row in rows if row.get("phone")]
    seen = {
        phone: f"member {member_id}"
        for member_id, phone in members.phones_held(ctx.db, numbers)
        if member_id not in in_file
    }
    found = []
    for line, row in rows:
        phone = row.get("phone")
        if not phone:
            continue
        other = seen.setdefault(phone, f"line {line}")
        if other != f"line {line}":
            found.append(
                RowProblem(line, f"phone {phone} is also {other}'s; each member needs their own")
            )
    return found


def sync_channels(ctx: Context, member_ids: Iterable[str] | None = None) -> None:
    """Link (or unlink) the roster phones and e-mails of these members, or of all, as
    identities on the SMS and e-mail channels switched on. A channel switched off keeps
    no new identities: switched on later, the bot links them all at start."""
    if ctx.policy.routing.enabled:
        members.sync_roster_identities(ctx.db, ctx.policy.routing.enabled, ctx.now(), member_ids)


def _codes(a: str, b: str) -> str:
    hidden = sorted({c for c in a + b if _invisible(c) or c.isspace() and c != " "})
    return ", ".join(f"U+{ord(c):04X}" for c in hidden) or "spacing"


ERASED_BY = {
    "member_id": "member_id {value!r}",
    "email": "this email",
    "slack_user_id": "this slack_user_id",
    "phone": "this phone",
}


def leave_out_erased(
    ctx: Context, rows: list[tuple[int, dict[str, str]]]
) -> tuple[list[dict[str, str]], list[RowProblem]]:
    """The rows to import, and the rows naming an erased member with why they are skipped:
    an erasure is never undone by an import."""
    keep, skipped = [], []
    for line, row in rows:
        held = members.get(ctx.db, row["member_id"])
        match = (
            ("member_id", held["erased_at"])
            if held and held["erased_at"]
            else privacy.erased_match(ctx.db, row)
        )
        if match is None:
            keep.append(row)
            continue
        column, erased_at = match
        who = ERASED_BY[column].format(value=row.get(column))
        skipped.append(
            RowProblem(
                line,
                f"skipped: {who} belongs to a member erased on {erased_at[:10]}; "
                "an import never brings an erased member back",
            )
        )
    return keep, skipped


@dataclass
class Preview:
    """What importing a roster would do: who is new, who changes, and the bad lines."""

    new: list[dict[str, str]] = field(default_factory=list)
    changed: list[tuple[dict[str, str], list[str]]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)


def preview(ctx: Context, stream: TextIO) -> Preview:
    """Check a roster and compare it with the members held, changing nothing."""
    checked, problems = check_roster(ctx, stream)
    good, skipped = leave_out_erased(ctx, checked)
    result = Preview(problems=problems, skipped=skipped)
    held_rows: dict[str, dict] = {}
    for start in range(0, len(good), 500):  # one query per 500 rows, not one per row
        held_rows |= members.by_ids(ctx.db, [r["member_id"] for r in good[start : start + 500]])
    for row in good:
        held = held_rows.get(row["member_id"])
        if held is None:
            result.new.append(row)
            continue
        differ = [k for k, v in row.items() if k != "member_id" and (held.get(k) or "") != v]
        if differ:
            result.changed.append((row, differ))
        else:
            result.unchanged += 1
    return result


PART = 500  # rows written per transaction by `apply_in_parts`: a few milliseconds each


def apply_in_parts(
    ctx: Context, good: list[dict[str, str]], skipped: int, actor: str
) -> Iterator[None]:
    """Write rows already checked (`check_roster`, `leave_out_erased`) a part at a time, yielding between parts
    so that the running bot answers others meanwhile; the audit entry comes last.

    Each part is an upsert by member_id, so an apply cut short (the process stopped) is
    finished by importing the same file again.
    """
    for start in range(0, len(good), PART):
        part = good[start : start + PART]
        with ctx.db.atomic():
            members.upsert_many(ctx.db, part, ctx.now())
            sync_channels(ctx, [row["member_id"] for row in part])
        yield
    audit.record(ctx.db, ctx.now(), actor, "roster.import", imported=len(good), skipped=skipped)


def import_roster(ctx: Context, stream: TextIO, skip_bad: bool, actor: str) -> ImportReport:
    """Upsert members by member_id; with any bad row nothing changes unless `skip_bad`."""
    checked, problems = check_roster(ctx, stream)
    report = ImportReport(problems=problems)
    if problems and not skip_bad:
        return report
    with ctx.db.atomic():
        good, report.skipped = leave_out_erased(ctx, checked)
        report.imported = members.upsert_many(ctx.db, good, ctx.now())
        sync_channels(ctx, [row["member_id"] for row in good])
        report.languages = frozenset(row["language"] for row in good if row.get("language"))
        audit.record(
            ctx.db,
            ctx.now(),
            actor,
            "roster.import",
            imported=report.imported,
            skipped=len(problems),
            **({"erased_skipped": len(report.skipped)} if report.skipped else {}),
        )
    report.applied = True
    return report
