"""General meetings' tables, as their own migration set.

- `meetings`: one row per meeting: its definition (JSON), when notice was given and the
  moment the roll was fixed at (`roll_by`: members who joined by then, as the rules say).
- `meeting_roll`: the members eligible to vote at the meeting, fixed once on the notice
  date, with their constituency and the weight the rules give it. An erased member's
  row keeps its place in the count and loses the name (storage/privacy.py).
- `meeting_attendance`: a member's reply to the notice (`rsvp`: in-person, online or
  no) and their check-in (`present`: in-person or online, when and by whom: "self" in
  chat, else the teller); an erased member's row keeps its count and loses the name.
  Not secret: a meeting's attendance is a matter of record.
- `meeting_motions`: votes put to the meeting in the room (`meeting motion`): the
  roll of each is the members checked in when it was opened (and, later, proxies).
- `meeting_notices`: what a meeting has sent once ("checkin": the reminder at its start).
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
def m002_attend28_attendance(db: Database) -> None:
    """A member's reply to the notice and their check-in, one row per member on the roll."""
    db.execute(
        """create table meeting_attendance (
            meeting_id text not null references meetings(meeting_id),
            member_id text references members(member_id),
            rsvp text,
            rsvp_at text,
            present text,
            checked_in_at text,
            checked_in_by text,
            unique (meeting_id, member_id)
        )"""
    )
    db.execute("create index meeting_attendance_member on meeting_attendance (member_id)")


@meetings_migrations()
def m003_attend28_motions(db: Database) -> None:
    """Votes put to a meeting in the room: their roll is the members checked in then."""
    db["meeting_motions"].create(
        {
            "vote_id": str,
            "meeting_id": str,
            "opened_at": str,
            "opened_by": str,
            "present": int,
            "by_proxy": int,
        },
        pk="vote_id",
        not_null={"meeting_id", "opened_at", "present"},
        foreign_keys=[("meeting_id", "meetings", "meeting_id")],
    )


@meetings_migrations()
def m004_attend28_meeting_notices(db: Database) -> None:
    """What a meeting has sent once (the check-in reminder at its start), so it goes once."""
    db.execute(
        """create table meeting_notices (
            meeting_id text not null references meetings(meeting_id),
            notice text not null,
            sent_at text not null,
            primary key (meeting_id, notice)
        )"""
    )
