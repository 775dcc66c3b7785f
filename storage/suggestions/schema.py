"""The suggestions tables, as their own migration set.

Who sent an anonymous suggestion is never stored with it: the link lives in
`suggestion_relay` only while the council and the suggester may still write to each
other, and is deleted when the suggestion closes. `suggestions.member_id` is set only
for a suggestion the member chose to send with their name.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

suggestions_migrations = Migrations("mutual_voice.suggestions")


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
