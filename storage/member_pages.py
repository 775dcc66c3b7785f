"""The console's member lists a page at a time: filtered, counted and ordered by member id.

Each page reads only its own rows: ordered by member id through the primary key's index
(or the constituency's, `core` m012), it stops after the page, and the per-member facts
(platforms, first connection, latest invite) are looked up for those rows alone. The
officer's search by text cannot use an index (it matches inside names); the console runs
these queries off the event loop, on a reader connection of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso

JOINED_ONLY, NOT_JOINED = "yes", "no"
LETTER_ONLY = "letter"


@dataclass(frozen=True)
class Filter:
    """Which members: `search` inside id, name or email (ASCII letters in either case);
    one `constituency`; `joined` "yes" (connected on some platform), "no" or "" (both);
    `reach` "letter": only those nothing but a letter reaches (no identity that takes
    messages, on a channel not among the `unusable`, i.e. switched off)."""

    search: str = ""
    constituency: str = ""
    joined: str = ""
    reach: str = ""
    unusable: tuple[str, ...] = ()


CONNECTED = "exists (select 1 from identities i where i.member_id = m.member_id)"
REACHABLE = """exists (select 1 from identities i where i.member_id = m.member_id
    and i.unreachable_at is null and i.platform not in (select value from json_each(?)))"""


def _where(chosen: Filter) -> tuple[str, list[Any]]:
    clauses, params = ["m.erased_at is null"], []
    if chosen.constituency:
        clauses.append("m.constituency = ?")
        params.append(chosen.constituency)
    text = chosen.search.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            "(m.member_id like ? escape '\\' or m.name like ? escape '\\' "
            "or m.email like ? escape '\\')"
        )
        params += [pattern] * 3
    if chosen.joined == JOINED_ONLY:
        clauses.append(CONNECTED)
    elif chosen.joined == NOT_JOINED:
        clauses.append(f"not {CONNECTED}")
    if chosen.reach == LETTER_ONLY:
        clauses.append(f"not {REACHABLE}")
        params.append(json.dumps(list(chosen.unusable)))
    return " and ".join(clauses), params


def count(db: Database, chosen: Filter) -> int:
    where, params = _where(chosen)
    return db.execute(f"select count(*) from members m where {where}", params).fetchone()[0]


def page_sql(chosen: Filter, offset: int, limit: int) -> tuple[str, list[Any]]:
    """The query for one page (kept apart so a test can read its plan)."""
    where, params = _where(chosen)
    sql = f"""select p.member_id, p.name, p.constituency,
            (select group_concat(platform, ', ') from (select distinct platform from identities
              where member_id = p.member_id order by platform)) as platforms,
            (select min(linked_at) from identities where member_id = p.member_id) as joined_at,
            v.created_at as invited_at, v.expires_at, v.used_at
        from (select m.member_id, m.name, m.constituency from members m where {where}
              order by m.member_id limit ? offset ?) p
        left join invites v on v.rowid = (
            select rowid from invites w where w.member_id = p.member_id
            order by w.created_at desc, w.rowid desc limit 1)
        order by p.member_id"""
    return sql, [*params, limit, offset]


def page(db: Database, chosen: Filter, offset: int, limit: int) -> list[dict[str, Any]]:
    """Members `offset` to `offset + limit` of those chosen, by member id, each with the
    platforms they are connected on, when they first connected and their latest invite."""
    sql, params = page_sql(chosen, offset, limit)
    return list(db.query(sql, params))


def matching_ids(db: Database, chosen: Filter, part: int = 1000) -> Iterator[list[str]]:
    """Every member id chosen, in order, a part at a time (for an action on them all)."""
    where, params = _where(chosen)
    after = ""
    while True:
        rows = db.execute(
            f"select m.member_id from members m where {where} and m.member_id > ? "
            "order by m.member_id limit ?",
            [*params, after, part],
        ).fetchall()
        if not rows:
            return
        yield [row[0] for row in rows]
        after = rows[-1][0]


def constituencies(db: Database) -> list[str]:
    """The constituencies active members belong to (through the constituency index)."""
    return [
        row[0]
        for row in db.execute(
            "select distinct constituency from members where erased_at is null "
            "order by constituency"
        )
    ]


def joining_counts(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Per constituency: members, ever invited, joined, link waiting, expired unused and
    never invited (a member's status from their connections and latest invite).

    Counted from three smaller sides rather than member by member: the members per
    constituency, the connected (from identities) and the invited (from invites); those
    never invited nor connected are what is left."""
    groups: dict[str, dict[str, Any]] = {}
    for constituency, (members, joined) in connected_counts(db).items():
        groups[constituency] = {"constituency": constituency, "members": members, "invited": 0}
        groups[constituency].update(
            joined=joined, waiting=0, expired=0, never_invited=members - joined
        )
    for constituency, joined, expired in db.execute(
        """select m.constituency, exists (select 1 from identities i
                where i.member_id = m.member_id),
            v.used_at is not null or v.expires_at <= ?
        from (select distinct member_id from invites) w
        join members m on m.member_id = w.member_id and m.erased_at is null
        join invites v on v.rowid = (select rowid from invites x where x.member_id = w.member_id
            order by x.created_at desc, x.rowid desc limit 1)""",
        [iso(now)],
    ):
        group = groups[constituency]
        group["invited"] += 1
        if not joined:
            group["expired" if expired else "waiting"] += 1
            group["never_invited"] -= 1
    return [groups[c] for c in sorted(groups)]


def letter_only_counts(db: Database, unusable: tuple[str, ...]) -> dict[str, int]:
    """Per constituency: active members nothing but a letter reaches."""
    return dict(
        db.execute(
            f"select m.constituency, count(*) from members m where m.erased_at is null "
            f"and not {REACHABLE} group by m.constituency",
            [json.dumps(list(unusable))],
        ).fetchall()
    )


def connected_counts(db: Database) -> dict[str, tuple[int, int]]:
    """Per constituency: (active members, those connected on some platform)."""
    found = {
        row[0]: (row[1], 0)
        for row in db.execute(
            "select constituency, count(*) from members where erased_at is null "
            "group by constituency"
        )
    }
    for constituency, joined in db.execute(
        "select m.constituency, count(distinct i.member_id) from identities i "
        "join members m on m.member_id = i.member_id where m.erased_at is null "
        "group by m.constituency"
    ):
        found[constituency] = (found[constituency][0], joined)
    return found


def unconnected(db: Database, member_ids: list[str]) -> list[str]:
    """Those of these members (in this order) not connected on any platform."""
    connected = {
        row[0]
        for row in db.execute(
            "select distinct member_id from identities "
            "where member_id in (select value from json_each(?))",
            [json.dumps(member_ids)],
        )
    }
    return [m for m in member_ids if m not in connected]
