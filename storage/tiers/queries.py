"""The ladder of involvement's records: roles, groups, interest, nudges and snapshots."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso

# --- formal roles and groups (assigned by the officer) ---------------------------------


def add_role(db: Database, member_id: str, role: str, now: datetime, by: str) -> bool:
    """Give a member a role; False if they already hold it."""
    return _add(
        db, ("member_roles", "role", "assigned_at", "assigned_by"), member_id, role, now, by
    )


def remove_role(db: Database, member_id: str, role: str) -> bool:
    return _remove(db, "member_roles", "role", member_id, role)


def add_group(db: Database, member_id: str, group: str, now: datetime, by: str) -> bool:
    """Record that a member joined a group; False if already recorded."""
    columns = ("member_groups", "group_name", "joined_at", "added_by")
    return _add(db, columns, member_id, group, now, by)


def remove_group(db: Database, member_id: str, group: str) -> bool:
    return _remove(db, "member_groups", "group_name", member_id, group)


def _add(
    db: Database,
    columns: tuple[str, str, str, str],
    member_id: str,
    value: str,
    now: datetime,
    by: str,
) -> bool:
    table, column, stamp, actor = columns
    cursor = db.execute(
        f"insert or ignore into [{table}] (member_id, [{column}], [{stamp}], [{actor}]) "
        "values (?, ?, ?, ?)",
        [member_id, value, iso(now), by],
    )
    return cursor.rowcount > 0


def _remove(db: Database, table: str, column: str, member_id: str, value: str) -> bool:
    cursor = db.execute(
        f"delete from [{table}] where member_id = ? and [{column}] = ?", [member_id, value]
    )
    return cursor.rowcount > 0


def roles_and_groups(db: Database) -> list[dict[str, Any]]:
    """Everyone holding a role or in a group, for the officer."""
    return list(
        db.query(
            """select r.member_id as member_id, m.name as name, m.constituency as constituency,
                'role' as kind, r.role as what, r.assigned_at as since
            from member_roles r join members m on m.member_id = r.member_id
            union all
            select g.member_id, m.name, m.constituency, 'group', g.group_name, g.joined_at
            from member_groups g join members m on m.member_id = g.member_id
            order by kind desc, what, member_id"""
        )
    )


# --- "I'd like to do more" -------------------------------------------------------------


def interest(db: Database, member_id: str, tier: str) -> dict[str, Any] | None:
    rows = list(db["tier_interest"].rows_where("member_id = ? and tier = ?", [member_id, tier]))
    return rows[0] if rows else None


def ask(db: Database, member_id: str, tier: str, now: datetime) -> None:
    """Record interest, awaiting consent (a request already consented to is kept)."""
    db.execute(
        "insert into tier_interest (member_id, tier, asked_at) values (?, ?, ?) "
        "on conflict (member_id, tier) do update set asked_at = excluded.asked_at "
        "where consent is null",
        [member_id, tier, iso(now)],
    )


def consent(db: Database, member_id: str, tier: str, now: datetime) -> None:
    """The member agreed to be contacted about `tier`."""
    stamp = iso(now)
    db.execute(
        "insert into tier_interest (member_id, tier, asked_at, consent, answered_at) "
        "values (?, ?, ?, 1, ?) on conflict (member_id, tier) do update set "
        "consent = 1, answered_at = excluded.answered_at",
        [member_id, tier, stamp, stamp],
    )


def mark_notified(db: Database, member_id: str, tier: str, now: datetime) -> None:
    db["tier_interest"].update((member_id, tier), {"notified_at": iso(now)})


def decline(db: Database, member_id: str, tier: str, now: datetime) -> bool:
    """No consent: forget who asked and count the request anonymously.

    Returns False when there was no request waiting (nothing to count twice).
    """
    cursor = db.execute(
        "delete from tier_interest where member_id = ? and tier = ? and consent is null",
        [member_id, tier],
    )
    if cursor.rowcount:
        count_anonymously(db, {tier: 1}, now)
    return cursor.rowcount > 0


def count_anonymously(db: Database, per_tier: dict[str, int], now: datetime) -> None:
    month = now.strftime("%Y-%m")
    for tier, n in per_tier.items():
        db.execute(
            "insert into tier_interest_counts (tier, month, asked) values (?, ?, ?) "
            "on conflict (tier, month) do update set asked = asked + excluded.asked",
            [tier, month, n],
        )


def expire_unanswered(db: Database, before: datetime, now: datetime) -> int:
    """Requests nobody answered Yes or No to by `before` become anonymous counts."""
    with db.atomic():
        rows = list(
            db.query(
                "select tier, count(*) as n from tier_interest "
                "where consent is null and asked_at < ? group by tier",
                [iso(before)],
            )
        )
        db.execute(
            "delete from tier_interest where consent is null and asked_at < ?", [iso(before)]
        )
        count_anonymously(db, {row["tier"]: row["n"] for row in rows}, now)
    return sum(row["n"] for row in rows)


def named_pipeline(db: Database) -> list[dict[str, Any]]:
    """Members who asked to do more and agreed to be contacted, oldest first."""
    return list(
        db.query(
            """select i.member_id, m.name, m.constituency, i.tier, i.asked_at, i.notified_at
            from tier_interest i join members m on m.member_id = i.member_id
            where i.consent = 1 and m.erased_at is null order by i.asked_at"""
        )
    )


def anonymous_pipeline(db: Database) -> dict[str, dict[str, int]]:
    """Per rung: requests without consent ('declined') and those awaiting an answer."""
    found: dict[str, dict[str, int]] = {}
    for row in db.query("select tier, sum(asked) as n from tier_interest_counts group by tier"):
        found.setdefault(row["tier"], {"declined": 0, "waiting": 0})["declined"] = row["n"]
    for row in db.query(
        "select tier, count(*) as n from tier_interest where consent is null group by tier"
    ):
        found.setdefault(row["tier"], {"declined": 0, "waiting": 0})["waiting"] = row["n"]
    return found


# --- nudges ------------------------------------------------------------------------------


def last_checked(db: Database, kind: str) -> str | None:
    row = db.execute("select checked_at from tier_watch where kind = ?", [kind]).fetchone()
    return row[0] if row else None


def set_checked(db: Database, kind: str, now: datetime) -> None:
    db["tier_watch"].upsert({"kind": kind, "checked_at": iso(now)}, pk="kind")


def mark_seen(db: Database, kind: str, member_ids: Iterable[str]) -> None:
    """Remember that these members' first `kind` was handled (that it was, never when)."""
    db["tier_nudges"].insert_all(
        ({"member_id": m, "kind": kind} for m in member_ids), ignore=True, batch_size=500
    )


def last_nudged_on(db: Database, member_id: str) -> str | None:
    row = db.execute(
        "select nudged_on from tier_last_nudge where member_id = ?", [member_id]
    ).fetchone()
    return row[0] if row else None


def set_nudged_on(db: Database, member_id: str, day: str) -> None:
    db["tier_last_nudge"].upsert({"member_id": member_id, "nudged_on": day}, pk="member_id")


# --- monthly snapshots ---------------------------------------------------------------------


def save_snapshot(
    db: Database, month: str, counts: dict[tuple[str, str], int], now: datetime
) -> None:
    """Replace the snapshot of `month`: members per (constituency, tier)."""
    with db.atomic():
        db.execute("delete from tier_snapshots where month = ?", [month])
        db["tier_snapshots"].insert_all(
            {
                "month": month,
                "constituency": constituency,
                "tier": tier,
                "members": n,
                "taken_at": iso(now),
            }
            for (constituency, tier), n in counts.items()
        )


def latest_snapshot(db: Database) -> tuple[str, dict[tuple[str, str], int]] | None:
    """The newest snapshot's month and its members per (constituency, tier)."""
    row = db.execute("select max(month) from tier_snapshots").fetchone()
    if row is None or row[0] is None:
        return None
    rows = db.query(
        "select constituency, tier, members from tier_snapshots where month = ?", [row[0]]
    )
    return row[0], {(r["constituency"], r["tier"]): r["members"] for r in rows}


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
