"""The digests' one table, as its own migration set.

- `digest_runs`: one row per digest built for sending (scheduled or `digest send`):
  its kind, the period it covered and how many messages went out. The next digest
  of the same kind starts where the last one's period ended, so nothing falls between
  two digests and nothing is counted twice, however late a catch-up run is. Previews
  are never recorded.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

digests_migrations = Migrations("mutual_voice.digests")


@digests_migrations()
def m001_digest_runs(db: Database) -> None:
    db["digest_runs"].create(
        {
            "id": int,
            "kind": str,
            "due": str,
            "since": str,
            "until": str,
            "messages": int,
            "chart": str,
            "by": str,
        },
        pk="id",
        not_null={"kind", "due", "since", "until"},
        defaults={"messages": 0},
    )
    db["digest_runs"].create_index(["kind", "due"], unique=True)
    db["digest_runs"].create_index(["kind", "until"])
