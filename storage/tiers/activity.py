"""What members have done, read from the other features' tables: the facts tiers rest on.

One small function per kind of activity. A source counts only if its tables exist
with the columns read here (features arrive one by one); otherwise it contributes
nothing, and a table that exists without the expected columns is logged once.
Nothing is copied: it is read when a member's rung is worked out.

Sources (tables and columns read):
- pulse answered: `pulse_participation` (round_id, member_id, answered_at not null);
  the pulses feature keeps these rows after a round closes for exactly this (never
  what was answered). Counted once the round's close is done (`pulse_rounds.closed_at`).
- voted: `vote_voters` (member_id, voted_on: a day), kept after the vote closes; counted
  once the vote is sealed (`votes.sealed_at`).

Counting a round or vote only once it is closed is what keeps who took part from
officers until then: a rung in the tiers report, a placement, a nudge or its record,
taken while it is open, would each tell who has answered or voted so far.
- suggestion made: `suggestions` (member_id, created_at, named = 1). Anonymous
  suggestions keep no member link once closed, so they never count.
- group joined: `member_groups` (ours); formal role: `member_roles` (ours).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.timestamps import iso

log = logging.getLogger(__name__)

CHUNK = 500
# A close's last part (a vote's seal, the file rebuilt) may finish a while after the
# close time it records; firsts are looked for among closes this far back (the handled
# ones are left out, so this costs only reading).
SETTLING = timedelta(days=7)


@dataclass(frozen=True)
class Source:
    """Where one kind of activity is read: `rows` is the FROM clause over `tables`."""

    kind: str
    tables: dict[str, tuple[str, ...]]
    rows: str
    member: str
    at: str
    where: str = "1"
    day_only: bool = False  # `at` holds a day (YYYY-MM-DD), not a moment
    # For kinds counted at their round's or vote's close: narrows a search for firsts to
    # those closed since the bound (one ?), whenever the member took part.
    closed_lately: str = ""


@dataclass(frozen=True)
class Activity:
    """How many times a member did something in the window, and the latest time."""

    count: int
    latest: datetime


PULSES = Source(
    "pulse",
    {
        "pulse_participation": ("round_id", "member_id", "answered_at", "finished"),
        "pulse_rounds": ("id", "closed_at"),
    },
    "pulse_participation",
    member="member_id",
    at="answered_at",
    # The unary + keeps SQLite from reading by round: a page of members is then read in
    # member order (the member_id index), not all of a round's members sorted.
    where="+round_id in (select id from pulse_rounds where closed_at is not null)",
    closed_lately="+round_id in (select id from pulse_rounds where closed_at >= ?)",
)
VOTES = Source(
    "vote",
    {"vote_voters": ("vote_id", "member_id", "voted_on"), "votes": ("vote_id", "sealed_at")},
    "vote_voters",
    member="member_id",
    at="voted_on",
    # A member on an open vote's roll who has not voted yet has a row too (storage/votes).
    where=(
        "voted_on != '----------' "
        "and +vote_id in (select vote_id from votes where sealed_at is not null)"
    ),
    # `sealed_at` is the close's time, set when its last part is done (maybe much later).
    closed_lately="+vote_id in (select vote_id from votes where closed_at >= ?)",
    day_only=True,
)
NAMED_SUGGESTIONS = Source(
    "suggestion",
    {"suggestions": ("member_id", "created_at", "named")},
    "suggestions",
    member="member_id",
    at="created_at",
    where="named = 1",
)
SOURCES = {source.kind: source for source in (PULSES, VOTES, NAMED_SUGGESTIONS)}

_warned: set[str] = set()


def pulses_answered(
    db: Database, member_ids: Iterable[str] | None = None, since: datetime | None = None
) -> dict[str, Activity]:
    """Open pulse rounds each member answered, opened since `since` (ids None: everyone)."""
    return _activity(db, PULSES, member_ids, since)


def votes_cast(
    db: Database, member_ids: Iterable[str] | None = None, since: datetime | None = None
) -> dict[str, Activity]:
    """Votes each member took part in since `since` (never how they voted)."""
    return _activity(db, VOTES, member_ids, since)


def suggestions_made(
    db: Database, member_ids: Iterable[str] | None = None, since: datetime | None = None
) -> dict[str, Activity]:
    """Suggestions each member sent with their name since `since`."""
    return _activity(db, NAMED_SUGGESTIONS, member_ids, since)


def groups_joined(db: Database, member_ids: Iterable[str] | None = None) -> dict[str, tuple]:
    """The groups each member is in now."""
    return _names(db, "member_groups", "group_name", member_ids)


def formal_roles(db: Database, member_ids: Iterable[str] | None = None) -> dict[str, tuple]:
    """The formal roles (council, board, ...) each member holds now."""
    return _names(db, "member_roles", "role", member_ids)


def available(db: Database, source: Source) -> bool:
    """Whether the source's tables exist with the columns we read."""
    present = set(db.table_names())
    complete = set(source.tables) <= present
    for table, columns in source.tables.items():
        if table not in present:
            continue
        missing = set(columns) - set(db[table].columns_dict)
        if missing:
            if table not in _warned:
                _warned.add(table)
                log.warning(
                    "tiers: table %s lacks column(s) %s, so %s activity is not counted",
                    table,
                    ", ".join(sorted(missing)),
                    source.kind,
                )
            return False
    return complete


def active_members(
    db: Database,
    kind: str,
    after: datetime | None = None,
    unseen: bool = False,
    from_member: str = "",
    limit: int = -1,
) -> list[str]:
    """Members with activity of `kind` (after `after`, if given), in member id order.

    `unseen` leaves out members whose first of this kind tiers already handled. For a
    kind counted at its close, `after` bounds when the round or vote closed, less
    SETTLING. A page at a time: the first `limit` by member id after `from_member`.
    """
    source = SOURCES[kind]
    if not available(db, source):
        return []
    sql = (
        f"select distinct {source.member} as member_id from {source.rows} "
        f"where ({source.where}) and {source.at} is not null and {source.member} is not null"
    )
    params: list[str] = []
    if after is not None and source.closed_lately:
        sql += f" and {source.closed_lately}"
        params.append(iso(after - SETTLING))
    elif after is not None:
        sql += f" and {source.at} >= ?"
        params.append(_bound(source, after))
    if unseen:
        sql += (
            f" and not exists (select 1 from tier_nudges n "
            f"where n.member_id = {source.rows}.{source.member} and n.kind = ?)"
        )
        params.append(kind)
    sql += f" and {source.member} > ? order by {source.member} limit ?"
    return [row["member_id"] for row in db.query(sql, [*params, from_member, limit])]


def _bound(source: Source, moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat() if source.day_only else iso(moment)


def _activity(
    db: Database, source: Source, member_ids: Iterable[str] | None, since: datetime | None
) -> dict[str, Activity]:
    """Per member: how many in the window, and the latest time."""
    if not available(db, source):
        return {}
    sql = (
        f"select {source.member} as member_id, count(*) as n, max({source.at}) as at "
        f"from {source.rows} where ({source.where}) and {source.at} is not null "
        f"and {source.member} is not null"
    )
    params: list[str] = []
    if since is not None:
        sql += f" and {source.at} >= ?"
        params.append(_bound(source, since))
    found: dict[str, Activity] = {}
    for chunk_sql, chunk_params in _in_chunks(sql, source.member, params, member_ids):
        for row in db.query(chunk_sql + f" group by {source.member}", chunk_params):
            found[row["member_id"]] = Activity(row["n"], _moment(row["at"]))
    return found


def _moment(text: str) -> datetime:
    """A stored time; one without a zone (or a bare day) is taken as UTC, as ours are."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _names(
    db: Database, table: str, column: str, member_ids: Iterable[str] | None
) -> dict[str, tuple]:
    found: dict[str, list[str]] = {}
    sql = f"select member_id, [{column}] as name from [{table}] where 1"
    for chunk_sql, params in _in_chunks(sql, "member_id", [], member_ids):
        for row in db.query(chunk_sql + " order by name", params):
            found.setdefault(row["member_id"], []).append(row["name"])
    return {member: tuple(names) for member, names in found.items()}


def _in_chunks(
    sql: str, column: str, params: list[str], member_ids: Iterable[str] | None
) -> Iterator[tuple[str, list[str]]]:
    """The query once for all members, or once per chunk of the given members."""
    if member_ids is None:
        yield sql, params
        return
    ids = list(dict.fromkeys(member_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield f"{sql} and {column} in ({','.join('?' * len(chunk))})", params + chunk
