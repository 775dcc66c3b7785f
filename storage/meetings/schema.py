"""General meetings' tables, as their own migration set.

- `meetings`: one row per meeting: its definition (JSON), when notice was given and the
  moment the roll was fixed at (`roll_by`: members who joined by then, as the rules say).
- `meeting_roll`: the members eligible to vote at the meeting, fixed once on the notice
  date, with their constituency and the weight the rules give it. An erased member's
  row keeps its place in the count and loses the name (storage/privacy.py).
- `meeting_proxies`: a member's proxy for a meeting (another member, or the chair),
  with instructions where the rules allow them; revoking deletes the row.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

meetings_migrations = Migrations("mutual_voice.meetings")


@meetings_migrations()
def m001_meetings(db: Database) -> None:
    db["meetings"].create(
        {
            "meeting_id": str,
            "title": str,
            "definition": str,
            "starts_at": str,
            "notice_given": str,
            "roll_by": str,
            "created_at": str,
            "created_by": str,
        },
        pk="meeting_id",
        not_null={"title", "definition", "starts_at", "notice_given", "roll_by"},
    )
    db.execute(
        """create table meeting_roll (
            meeting_id text not null references meetings(meeting_id),
            member_id text references members(member_id),
            constituency text not null,
            weight integer not null default 1,
            unique (meeting_id, member_id)
        )"""
    )
    db.execute("create index meeting_roll_member on meeting_roll (member_id)")


@meetings_migrations()
def m002_proxy28_proxies(db: Database) -> None:
    # A member's proxy for a meeting: another member (holder_id) or the chair (holder_id
    # null); instructions, where the rules allow them, as JSON {vote id: choice}.
    # Revoking deletes the row (the audit log keeps that it happened).
    db.execute(
        """create table meeting_proxies (
            meeting_id text not null references meetings(meeting_id),
            member_id text not null references members(member_id),
            holder_kind text not null,
            holder_id text references members(member_id),
            instructions text not null default '{}',
            appointed_at text not null,
            appointed_by text,
            primary key (meeting_id, member_id)
        )"""
    )
    db.execute("create index meeting_proxies_holder on meeting_proxies (meeting_id, holder_id)")
    db.execute("create index meeting_proxies_member on meeting_proxies (member_id)")
