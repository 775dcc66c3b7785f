"""What the running bot last heard from each platform, as its own migration set."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

health_migrations = Migrations("mutual_voice.health")


@health_migrations()
def m001_platform_health(db: Database) -> None:
    db["platform_health"].create(
        {
            "platform": str,
            "last_success": str,
            "last_failure": str,
            "last_error": str,
            "down_since": str,  # set while deliveries fail, cleared by the next success
        },
        pk="platform",
    )
