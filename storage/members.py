"""Members of the organisation and the platform identities linked to them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso

PROFILE_FIELDS = (
    "name",
    "email",
    "constituency",
    "slack_user_id",
    "timezone",
    "language",
    "address",
    "phone",
    "prefers",
)
# The roster column each roster channel's identity comes from (the address as written
# is the chat; the platform's user id is the form its inbound messages name).
ROSTER_CHANNELS = {"sms": ("phone", "phone"), "email": ("email", "lower(email)")}


def upsert_many(db: Database, rows: Iterable[dict[str, Any]], now: datetime) -> int:
    """Insert or update members by member_id, never an erased one (erased stays erased);
    returns how many rows were written. One statement for them all: a part of a
    100,000-row roster is a few milliseconds."""
    stamp = iso(now)
    fields = ", ".join(PROFILE_FIELDS)
    marks = ", ".join("?" * len(PROFILE_FIELDS))
    updates = ", ".join(f"{f} = excluded.{f}" for f in PROFILE_FIELDS)
    records = [
        (row["member_id"], *(row.get(f) or None for f in PROFILE_FIELDS), stamp, stamp)
        for row in rows
    ]
    with db.atomic():
        before = db.conn.total_changes
        db.conn.executemany(
            f"insert into members (member_id, {fields}, created_at, updated_at) "
            f"values (?, {marks}, ?, ?) on conflict (member_id) do update set {updates}, "
            "updated_at = excluded.updated_at where members.erased_at is null",
            records,
        )
        return db.conn.total_changes - before


def phones_held(db: Database, phones: Iterable[str]) -> list[tuple[str, str]]:
    """(member_id, phone) of the active members holding any of these phones."""
    return db.execute(
        "select member_id, phone from members where erased_at is null "
        "and phone in (select value from json_each(?))",
        [json.dumps(list(phones))],
    ).fetchall()


def get(db: Database, member_id: str) -> dict[str, Any] | None:
    rows = list(db["members"].rows_where("member_id = ?", [member_id]))
    return rows[0] if rows else None


def by_ids(db: Database, member_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The members with these ids (erased ones included), by id."""
    rows = db.query(
        "select * from members where member_id in (select value from json_each(?))",
        [json.dumps(list(member_ids))],
    )
    return {row["member_id"]: row for row in rows}


def all_members(db: Database, include_erased: bool = False) -> list[dict[str, Any]]:
    where = None if include_erased else "erased_at is null"
    return list(db["members"].rows_where(where, order_by="member_id"))


def constituencies(db: Database) -> list[tuple[str, str]]:
    """(member_id, constituency) of every member not erased, by member id."""
    return db.execute(
        "select member_id, constituency from members where erased_at is null order by member_id"
    ).fetchall()


def names(db: Database) -> list[tuple[str, str]]:
    """(member_id, name) of every member not erased."""
    return db.execute(
        "select member_id, name from members where erased_at is null and name is not null"
    ).fetchall()


def count(db: Database) -> int:
    return db["members"].count


def find_by_slack(db: Database, slack_user_id: str, email: str | None) -> dict[str, Any] | None:
    """The active member with this Slack user id, or failing that this email address."""
    rows = list(
        db["members"].rows_where(
            "erased_at is null and (slack_user_id = ? or (? is not null and lower(email) = lower(?)))",
            [slack_user_id, email, email],
            order_by="slack_user_id is null",
            limit=1,
        )
    )
    return rows[0] if rows else None


def set_flag(db: Database, member_id: str, flag: str, value: bool) -> None:
    if flag not in ("pulses_paused", "newsletter_opt_out"):
        raise ValueError(f"unknown member flag {flag!r}")
    db["members"].update(member_id, {flag: int(value)})


def languages_read(db: Database) -> set[str]:
    """The languages active members have chosen or been given on the roster."""
    return {
        row[0]
        for row in db.execute(
            "select distinct coalesce(language_chosen, language) from members "
            "where erased_at is null and coalesce(language_chosen, language) is not null"
        )
    }


def language_counts(db: Database) -> dict[str, int]:
    """How many active members read each language tag (their choice, else the roster's)."""
    return {
        row[0]: row[1]
        for row in db.execute(
            "select coalesce(language_chosen, language), count(*) from members "
            "where erased_at is null and coalesce(language_chosen, language) is not null "
            "group by 1"
        )
    }


def set_language(db: Database, member_id: str, language: str) -> None:
    """Record the language a member chose for themselves."""
    db["members"].update(member_id, {"language_chosen": language})


def link_identity(
    db: Database, platform: str, platform_user_id: str, chat_id: str, member_id: str, now: datetime
) -> None:
    """Link a platform account to a member (replacing any earlier link of that account)."""
    db["identities"].upsert(
        {
            "platform": platform,
            "platform_user_id": platform_user_id,
            "member_id": member_id,
            "chat_id": chat_id,
            "linked_at": iso(now),
            "unreachable_at": None,
            "unreachable_reason": None,
        },
        pk=("platform", "platform_user_id"),
    )


def mark_welcomed(db: Database, platform: str, platform_user_id: str, now: datetime) -> bool:
    """Record that this account was welcomed; True only the first time."""
    cursor = db.execute(
        "update identities set welcomed_at = ? "
        "where platform = ? and platform_user_id = ? and welcomed_at is null",
        [iso(now), platform, platform_user_id],
    )
    return cursor.rowcount > 0


def identity(db: Database, platform: str, platform_user_id: str) -> dict[str, Any] | None:
    rows = list(
        db["identities"].rows_where(
            "platform = ? and platform_user_id = ?", [platform, platform_user_id]
        )
    )
    return rows[0] if rows else None


def platforms_by_member(db: Database) -> dict[str, str]:
    """For each member connected somewhere, their platforms ("slack, telegram")."""
    found: dict[str, list[str]] = {}
    for member_id, platform in db.execute(
        "select distinct member_id, platform from identities order by member_id, platform"
    ):
        found.setdefault(member_id, []).append(platform)
    return {member_id: ", ".join(names) for member_id, names in found.items()}


def identities_of(db: Database, member_id: str) -> list[dict[str, Any]]:
    return list(
        db["identities"].rows_where("member_id = ?", [member_id], order_by="linked_at desc")
    )


def reachable_identities(db: Database, member_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For each active member with a reachable identity: their `timezone`, `prefers`
    and `identities` (platform, chat_id, linked_at), oldest link first."""
    ids = list(member_ids)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(
            f"""select i.member_id, i.platform, i.chat_id, i.linked_at, m.timezone, m.prefers
            from identities i join members m on m.member_id = i.member_id
            where i.member_id in ({marks}) and i.unreachable_at is null and m.erased_at is null
            order by i.linked_at, i.rowid""",
            chunk,
        ):
            member = found.setdefault(
                row["member_id"],
                {"timezone": row["timezone"], "prefers": row["prefers"], "identities": []},
            )
            member["identities"].append({k: row[k] for k in ("platform", "chat_id", "linked_at")})
    return found


def identities_with_preference(
    db: Database, member_ids: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Every identity of these active members (or of all), oldest link first, each with
    the member's `prefers`: one query for a page of members or the whole roster."""
    scope, params = "", []
    if member_ids is not None:
        scope, params = (
            "and m.member_id in (select value from json_each(?))",
            [json.dumps(list(member_ids))],
        )
    return list(
        db.query(
            f"""select i.member_id, i.platform, i.chat_id, i.linked_at, i.unreachable_at,
                i.unreachable_reason, m.prefers
            from identities i join members m on m.member_id = i.member_id
            where m.erased_at is null {scope} order by i.linked_at, i.rowid""",
            params,
        )
    )


def sync_roster_identities(
    db: Database, channels: Iterable[str], now: datetime, member_ids: Iterable[str] | None = None
) -> None:
    """Keep the identities of the roster channels switched on in step with the members'
    phone and email (all members, or these): a new address is linked, a changed or
    removed one unlinked. An unreachable one (the member sent STOP, the address bounced)
    stays, so that the same address put back on the roster is not written to again."""
    scope, params = "", []
    if member_ids is not None:
        scope = "and member_id in (select value from json_each(?))"
        params = [json.dumps(list(member_ids))]
    for platform in channels:
        column, user_id = ROSTER_CHANNELS[platform]
        db.execute(
            f"""delete from identities where platform = ? and unreachable_at is null {scope}
            and platform_user_id is not (select {user_id} from members m
                where m.member_id = identities.member_id and m.erased_at is null)""",
            [platform, *params],
        )
        db.execute(
            f"""insert or ignore into identities
                (platform, platform_user_id, member_id, chat_id, linked_at)
            select ?, {user_id}, member_id, {column}, ? from members
            where erased_at is null and {column} is not null and {column} != '' {scope}""",
            [platform, iso(now), *params],
        )


def mark_unreachable(db: Database, platform: str, chat_id: str, reason: str, now: datetime) -> None:
    db.execute(
        "update identities set unreachable_at = ?, unreachable_reason = ? "
        "where platform = ? and chat_id = ?",
        [iso(now), reason, platform, chat_id],
    )


def unreachable(db: Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            """select i.member_id, m.name, i.platform, i.unreachable_at, i.unreachable_reason
            from identities i join members m on m.member_id = i.member_id
            where i.unreachable_at is not null order by i.unreachable_at"""
        )
    )


def mark_reachable(db: Database, platform: str, platform_user_id: str) -> None:
    """They wrote to us, so they can be written to again (e.g. they unblocked the bot)."""
    db.execute(
        "update identities set unreachable_at = null, unreachable_reason = null "
        "where platform = ? and platform_user_id = ? and unreachable_at is not null",
        [platform, platform_user_id],
    )


def unlinked(db: Database, platform: str, constituencies: Iterable[str]) -> list[dict[str, Any]]:
    """Active members of these constituencies (or with a Slack id) not yet linked on `platform`."""
    groups = list(constituencies)
    marks = ",".join("?" * len(groups)) or "null"
    return list(
        db.query(
            f"""select * from members m where m.erased_at is null
            and (m.constituency in ({marks}) or m.slack_user_id is not null)
            and not exists (select 1 from identities i
                            where i.member_id = m.member_id and i.platform = ?)
            order by m.member_id""",
            [*groups, platform],
        )
    )
