"""Members own their data: export everything held about one member, or erase it.

`MEMBER_TABLES` lists every table that refers to a member, with what erasure does
there: delete the rows, or clear named columns. A feature that adds such a table adds
a line here. Anonymous tables (answers, ballots) hold no member id and are untouched,
so aggregates stay intact.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso

DELETE = "delete"

MEMBER_TABLES: list[tuple[str, str, str | tuple[str, ...]]] = [
    ("identities", "member_id", DELETE),
    ("invites", "member_id", DELETE),
    ("outbox", "member_id", DELETE),
    ("pulse_participation", "member_id", DELETE),  # who took part; their anonymous answers stay
    ("pulse_answers", "member_id", ("member_id",)),  # named surveys only: the answers stay
    ("pulse_comments", "member_id", ("member_id",)),
    ("suggestions", "member_id", ("member_id",)),  # named ones: the words stay, the name goes
    ("suggestion_relay", "member_id", DELETE),
    ("suggestion_drafts", "member_id", DELETE),
    ("suggestion_sends", "member_id", DELETE),
    ("vote_voters", "member_id", ("member_id",)),  # "has voted" stays for turnout; the name goes
    ("vote_drafts", "member_id", DELETE),
    ("meeting_roll", "member_id", ("member_id",)),  # the roll's size stays; the name goes
    ("meeting_nominations", "member_id", DELETE),  # their candidacy and statement go
    ("nomination_seconders", "member_id", DELETE),  # the nomination loses its seconder
    ("meeting_attendance", "member_id", ("member_id",)),  # attendance counts stay; names go
    ("meeting_proxies", "member_id", DELETE),  # their proxy ends
    ("meeting_proxies", "holder_id", DELETE),  # and so do the proxies they held
    ("member_roles", "member_id", DELETE),  # tiers: roles, groups, interest, nudges
    ("member_groups", "member_id", DELETE),
    ("tier_interest", "member_id", DELETE),
    ("tier_nudges", "member_id", DELETE),
    ("tier_last_nudge", "member_id", DELETE),
    ("console_links", "member_id", DELETE),  # an erased officer's unused links stop working
    ("console_sessions", "member_id", DELETE),  # and their sessions end
    ("email_unsubscribe_links", "member_id", DELETE),
    ("email_opt_outs", "member_id", DELETE),
    ("page_links", "member_id", DELETE),  # links to the member's page stop working
]

ERASED_PROFILE = (
    "name",
    "email",
    "slack_user_id",
    "timezone",
    "language",
    "language_chosen",
    "address",
    "phone",
    "prefers",
)


# What an officer's export of a member leaves out, and why. The member gets all of it
# themselves (`/mydata`, handlers/members/mydata.py), delivered to them alone.
LEFT_OUT_FOR_OFFICERS = {
    "suggestion_relay": "which open anonymous suggestions are theirs",
    "suggestion_drafts": "suggestions they are still writing (they may send them anonymously)",
    "suggestion_sends": "how many suggestions they sent today (most are anonymous)",
    "outbox": "the messages the bot sent them: their words, times and order would tell "
    "which anonymous suggestions are theirs",
    "conversations": "the question their chat is waiting to answer (it may be about an "
    "anonymous suggestion)",
}
LEFT_OUT_NOTE = (
    "This export leaves out what could tell who sent an anonymous suggestion, so that no "
    "officer can learn it: {tables}. The member can get all of their data, these parts "
    "included, by sending /mydata to the bot; it goes to them alone."
)


# Rows an officer's export leaves out until their vote or round is closed (a vote once
# sealed): with them, two exports a moment apart would tell who has voted or answered
# so far. Per table: which rows wait (SQL over the table), and why.
UNTIL_CLOSED = {
    "vote_voters": (
        "vote_id in (select vote_id from votes where sealed_at is null)",
        "whether they have voted in a vote still open",
    ),
    "vote_drafts": ("1", "a ballot they are filling in (drafts go when the vote closes)"),
    "meeting_proxies": (
        # instructions for a vote go when it closes (handlers/meetings/proxies.py)
        "instructions != '{}'",
        "how they told their proxy to vote in a vote still to close (only the proxy knows)",
    ),
    "pulse_participation": (
        "round_id in (select id from pulse_rounds where closed_at is null)",
        "whether, and how far, they have answered a check-in still open",
    ),
}


def export_for_officer(db: Database, member_id: str) -> dict[str, Any]:
    """What an officer may see of a member: everything but what is in LEFT_OUT_FOR_OFFICERS,
    and, until their vote or round is closed, the rows in UNTIL_CLOSED."""
    data = {k: v for k, v in export_member(db, member_id).items() if k not in LEFT_OUT_FOR_OFFICERS}
    tables = db.table_names()
    for table, (waiting, _why) in UNTIL_CLOSED.items():
        if table in tables and data.get(table):
            data[table] = list(
                db[table].rows_where(f"member_id = ? and not ({waiting})", [member_id])
            )
    data["left_out"] = {
        "note": LEFT_OUT_NOTE.format(tables=", ".join(LEFT_OUT_FOR_OFFICERS)),
        "tables": dict(LEFT_OUT_FOR_OFFICERS),
        "until_closed": {table: why for table, (_sql, why) in UNTIL_CLOSED.items()},
    }
    return data


def export_member(db: Database, member_id: str) -> dict[str, Any]:
    """Everything held about a member, table by table: for the member alone."""
    tables = db.table_names()
    member = list(db["members"].rows_where("member_id = ?", [member_id]))
    data: dict[str, Any] = {"member": member[0] if member else None}
    for table, column, _ in MEMBER_TABLES:
        if table in tables:
            # a table may name a member in two columns (meeting_proxies): both kinds of row
            rows = list(db[table].rows_where(f"[{column}] = ?", [member_id]))
            data[table] = data.get(table, []) + rows
    data["conversations"] = list(
        db.query(
            "select c.* from conversations c join identities i on "
            "i.platform = c.platform and i.chat_id = c.chat_id "
            "where i.member_id = ?",
            [member_id],
        )
    )
    return data


# The roster columns that name a member, as an import would meet them again.
ROSTER_KEYS = ("member_id", "email", "slack_user_id", "phone")


def _key_hashes(db: Database, row: dict[str, Any]) -> dict[str, str]:
    """A keyed hash of each roster key `row` has, by column."""
    key = db.execute("select key from privacy_keys where name = 'erased'").fetchone()[0]
    hashes = {}
    for column in ROSTER_KEYS:
        value = (row.get(column) or "").strip()
        if value:
            value = value.lower() if column == "email" else value
            message = f"{column}:{value}".encode()
            hashes[column] = hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashes


def erased_match(db: Database, row: dict[str, Any]) -> tuple[str, str] | None:
    """(column, erased_at) if a roster row names a member who was erased, else None."""
    for column, digest in _key_hashes(db, row).items():
        found = db.execute(
            "select erased_at from erased_keys where key_hash = ?", [digest]
        ).fetchone()
        if found:
            return column, found[0]
    return None


def remember_erased(db: Database, rows: Iterable[dict[str, Any]], now: datetime) -> None:
    """Keep the keyed hashes of these (about to be erased) members' roster keys."""
    for row in rows:
        for digest in _key_hashes(db, row).values():
            db.execute(
                "insert or ignore into erased_keys (key_hash, erased_at) values (?, ?)",
                [digest, iso(now)],
            )


def erase_member(db: Database, member_id: str, now: datetime) -> None:
    """Remove a member's personal data and platform links; keep anonymous aggregates, and
    a keyed hash of their roster keys so that no import brings them back."""
    tables = db.table_names()
    with db.atomic():
        slack_links = db.execute(
            "select platform_user_id from identities where platform = 'slack' and member_id = ?",
            [member_id],
        ).fetchall()
        remember_erased(
            db,
            [
                *db["members"].rows_where("member_id = ?", [member_id]),
                *({"slack_user_id": user} for (user,) in slack_links),
            ],
            now,
        )
        db.execute(
            "delete from conversations where exists (select 1 from identities i where "
            "i.platform = conversations.platform and "
            "i.chat_id = conversations.chat_id and i.member_id = ?)",
            [member_id],
        )
        db.execute(  # when they last wrote on WhatsApp, and their numbered menu
            "delete from whatsapp_chats where chat_id in (select chat_id from identities "
            "where platform = 'whatsapp' and member_id = ?)",
            [member_id],
        )
        db.execute(  # the numbered menu of their last question by SMS
            "delete from sms_chats where chat_id in (select chat_id from identities "
            "where platform = 'sms' and member_id = ?)",
            [member_id],
        )
        for table, column, action in reversed(MEMBER_TABLES):
            # A close under way keeps copies of rows in staging tables (storage/secrecy.py):
            # they would come back after the erasure, so they are erased too.
            staged = [t for t in tables if t.startswith(f"sealing_{table}_")]
            for name in [table] * (table in tables) + staged:
                if action == DELETE:
                    db.execute(f"delete from [{name}] where [{column}] = ?", [member_id])
                else:
                    assignments = ", ".join(f"[{c}] = null" for c in action)
                    db.execute(
                        f"update [{name}] set {assignments} where [{column}] = ?", [member_id]
                    )
        cleared = ", ".join(f"{c} = null" for c in ERASED_PROFILE)
        db.execute(
            f"update members set {cleared}, erased_at = ? where member_id = ?",
            [iso(now), member_id],
        )
