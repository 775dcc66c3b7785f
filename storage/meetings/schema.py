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
- `meeting_proxies`: a member's proxy for a meeting (another member, or the chair),
  with instructions where the rules allow them; revoking deletes the row.
- `meeting_signoffs`: the returning officer's sign-off of the declaration (once), with
  the declaration as signed.
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
def m002_nominations(db: Database) -> None:
    """Nominations for a meeting's seats.

    - `nomination_periods`: one per meeting: opened, due to close, closed.
    - `meeting_nominations`: a member standing for a seat, their statement and where the
      nomination stands (draft, awaiting-seconder, nominated, declined, withdrawn,
      lapsed, confirmed, rejected with the officer's reason).
    - `nomination_seconders`: the member named to second a nomination, and their answer
      (apart, so that erasing a seconder leaves the nominee's row).
    """
    db.execute(
        """create table nomination_periods (
            meeting_id text primary key references meetings(meeting_id),
            opened_at text not null,
            closes_at text not null,
            closed_at text,
            opened_by text
        )"""
    )
    db.execute(
        """create table meeting_nominations (
            nomination_id integer primary key,
            meeting_id text not null references meetings(meeting_id),
            seat_id text not null,
            member_id text not null references members(member_id),
            statement text not null default '',
            status text not null,
            reason text,
            created_at text not null,
            updated_at text not null,
            unique (meeting_id, seat_id, member_id)
        )"""
    )
    db.execute("create index meeting_nominations_member on meeting_nominations (member_id)")
    db.execute(
        """create table nomination_seconders (
            nomination_id integer primary key,
            member_id text not null references members(member_id),
            asked_at text not null,
            answer text,
            answered_at text
        )"""
    )
    db.execute("create index nomination_seconders_member on nomination_seconders (member_id)")


@meetings_migrations()
def m003_paper_ballots(db: Database) -> None:
    # `paper_entries`: one teller's entry of a meeting's paper ballots, waiting for a
    # second teller's to agree (or the returning officer to accept it); it names members
    # beside their choices, as the papers' counterfoils do, so it is deleted as soon as
    # it is counted (the seal at each vote's close rebuilds the file).
    # `paper_counts`: spoilt and refused paper ballots per vote, as counts with the
    # reason, never who.
    db.execute(
        """create table paper_entries (
            meeting_id text not null references meetings(meeting_id),
            teller text not null,
            rows text not null,
            entered_at text not null,
            primary key (meeting_id, teller)
        )"""
    )
    db.execute(
        """create table paper_counts (
            meeting_id text not null references meetings(meeting_id),
            vote_id text not null,
            kind text not null,
            reason text not null,
            n integer not null,
            primary key (meeting_id, vote_id, kind, reason)
        )"""
    )


@meetings_migrations()
def m004_attendance(db: Database) -> None:
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
def m005_motions(db: Database) -> None:
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
def m006_meeting_notices(db: Database) -> None:
    """What a meeting has sent once (the check-in reminder at its start), so it goes once."""
    db.execute(
        """create table meeting_notices (
            meeting_id text not null references meetings(meeting_id),
            notice text not null,
            sent_at text not null,
            primary key (meeting_id, notice)
        )"""
    )


@meetings_migrations()
def m007_proxies(db: Database) -> None:
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


@meetings_migrations()
def m008_signoffs(db: Database) -> None:
    # The returning officer's sign-off of a meeting's declaration: once per meeting (the
    # primary key), who signed it off (the name they gave) and when, who did it (the
    # console's officer or the CLI's actor), and the declaration as signed (JSON), so the
    # declaration shown and downloaded afterwards is the one signed. Counts only: no ballot.
    db.execute(
        """create table meeting_signoffs (
            meeting_id text primary key references meetings(meeting_id),
            signed_by text not null,
            signed_at text not null,
            actor text,
            declaration text not null
        )"""
    )
