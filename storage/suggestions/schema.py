"""The suggestions tables, as their own migration set.

Who sent an anonymous suggestion is never stored with it: the link lives in
`suggestion_relay` only while the council and the suggester may still write to each
other, and is deleted when the suggestion closes (with the messages about it, see
`queries.forget_sender`). `suggestions.member_id` is set only for a suggestion the member
chose to send with their name. `suggestion_sends` counts sends per member and day only.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

suggestions_migrations = Migrations("mutual_voice.suggestions")
# How many suggestions a member sent each day: see m002 and `queries.forget_sender`.
SENDS_TABLE = (
    "create table {name} (member_id text not null references members(member_id), "
    "day text not null, sends integer not null, primary key (member_id, day)) without rowid"
)


@suggestions_migrations()
def m001_suggestions(db: Database) -> None:
    db["suggestions"].create(
        {
            "id": int,
            "text": str,
            "topic": str,
            "named": int,
            "member_id": str,
            "sentiment": str,
            "polarity": float,
            "words": str,
            "similar": str,
            "status": str,
            "note": str,
            "created_at": str,
            "status_at": str,
            "responded_at": str,
            "overdue_at": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"text", "topic", "status", "created_at"},
        defaults={"named": 0, "status": "new"},
        foreign_keys=[("member_id", "members", "member_id")],
    )
    db["suggestions"].create_index(["status"])
    db["suggestions"].create_index(["created_at"])
    db["suggestions"].create_index(["member_id"])
    # The record the council keeps: status changes and the messages both ways.
    db["suggestion_log"].create(
        {"id": int, "suggestion_id": int, "kind": str, "text": str, "at": str},
        pk="id",
        not_null={"suggestion_id", "kind", "at"},
        foreign_keys=[("suggestion_id", "suggestions", "id")],
    )
    db["suggestion_log"].create_index(["suggestion_id"])
    # Who to relay to, only while the conversation is open.
    db["suggestion_relay"].create(
        {"suggestion_id": int, "member_id": str, "linked_at": str},
        pk="suggestion_id",
        not_null={"member_id"},
        foreign_keys=[
            ("suggestion_id", "suggestions", "id"),
            ("member_id", "members", "member_id"),
        ],
    )
    db["suggestion_relay"].create_index(["member_id"])
    # A suggestion being written: one per member, until sent or cancelled.
    db["suggestion_drafts"].create(
        {
            "id": int,
            "member_id": str,
            "text": str,
            "topic": str,
            "named": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"member_id", "created_at"},
        foreign_keys=[("member_id", "members", "member_id")],
    )
    db["suggestion_drafts"].create_index(["member_id"], unique=True)
    # When a member sent a suggestion, for the daily limit; kept for a day only.
    db["suggestion_sends"].create(
        {"id": int, "member_id": str, "at": str},
        pk="id",
        not_null={"member_id", "at"},
        foreign_keys=[("member_id", "members", "member_id")],
    )
    db["suggestion_sends"].create_index(["member_id", "at"])


@suggestions_migrations()
def m002_sends_by_day(db: Database) -> None:
    """How many suggestions a member sent each day, for the daily limit: no time, no order.

    A time of day would match the suggestion's own "Sent" time, and rows written in the
    order they were sent would pair up with the suggestions' numbers; so the table holds a
    count per member and day, in a b-tree ordered by member and day (WITHOUT ROWID).
    """
    db.execute(SENDS_TABLE.format(name="suggestion_sends_by_day"))
    db.execute(
        "insert into suggestion_sends_by_day (member_id, day, sends) "
        "select member_id, substr(at, 1, 10), count(*) from suggestion_sends "
        "group by member_id, substr(at, 1, 10)"
    )
    db.execute("drop table suggestion_sends")
    db.execute("alter table suggestion_sends_by_day rename to suggestion_sends")
