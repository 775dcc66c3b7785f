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
