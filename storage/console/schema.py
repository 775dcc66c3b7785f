"""The officer's web console tables, as their own migration set.

- `console_links`: one-time sign-in links; only the token's hash is kept, so a copy of
  the database opens no doors. A link is used once and expires.
- `console_sessions`: signed-in officers; only the session id's hash is kept. A session
  ends on sign-out, on revocation, or after a spell of idleness.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

console_migrations = Migrations("mutual_voice.console")


@console_migrations()
def m001_console(db: Database) -> None:
    db["console_links"].create(
        {
            "token_hash": str,
            "member_id": str,
            "created_at": str,
            "expires_at": str,
            "used_at": str,
        },
        pk="token_hash",
        not_null={"member_id", "created_at", "expires_at"},
    )
    db["console_sessions"].create(
        {
            "session_hash": str,
            "member_id": str,
            "created_at": str,
            "last_seen_at": str,
            "ended_at": str,
        },
        pk="session_hash",
        not_null={"member_id", "created_at", "last_seen_at"},
    )
