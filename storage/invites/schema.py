"""Invites' and letters' additions to the schema, as their own migration set.

A new invite revokes the member's earlier unused ones (`revoked_at`), so at most one
link per member is live. A member's postal `address` (lines joined by "|") is printed
on their invite letter.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

invites_migrations = Migrations("mutual_voice.invites")


@invites_migrations()
def m001_invite_revocation(db: Database) -> None:
    db["invites"].add_column("revoked_at", str)


@invites_migrations()
def m002_member_address(db: Database) -> None:
    db["members"].add_column("address", str)


@invites_migrations()
def m003_latest_invite(db: Database) -> None:
    """A member's latest invite is read for every row of the console's member lists:
    this index finds it without sorting the member's invites."""
    db.execute(
        "create index if not exists invites_member_id_created_at on invites (member_id, created_at)"
    )
