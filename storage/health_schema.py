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


@health_migrations()
def m002_clock_seen(db: Database) -> None:
    # One row: the wall clock the running bot last saw, with the boot it saw it in and the
    # seconds since that boot (a clock no one sets), so that the next start can tell a
    # clock set while the bot was down from time that passed; and the last step noticed.
    db["clock_seen"].create(
        {
            "id": int,
            "wall": str,
            "boot_id": str,
            "since_boot": float,
            "ahead_seconds": float,  # how far the wall clock was ahead of one that did not leap
            "moved_at": str,
            "moved_seconds": float,  # the last step: + forward, - back
            "moved_while": str,  # "running" or "stopped"
        },
        pk="id",
    )
