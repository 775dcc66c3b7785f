"""What an operator asks of the database: platforms' last word, the backlog and how fast
it drains, recent delivery errors, closes waiting, and the file's size."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage.timestamps import iso

RATE_WINDOW = timedelta(minutes=5)  # the drain rate is what was delivered in this window
ERRORS_WINDOW = timedelta(hours=24)


def record_platform(db: Database, platform: str, **fields: str | None) -> None:
    """Note what `platform` last said (last_success, last_failure, last_error, down_since)."""
    with db.atomic():
        db.execute("insert or ignore into platform_health (platform) values (?)", [platform])
        assignments = ", ".join(f"[{name}] = ?" for name in fields)
        db.execute(
            f"update platform_health set {assignments} where platform = ?",
            [*fields.values(), platform],
        )


def platforms(db: Database) -> dict[str, dict[str, Any]]:
    return {row["platform"]: row for row in db["platform_health"].rows}


def backlog(db: Database, now: datetime) -> dict[str, dict[str, Any]]:
    """Per platform: messages waiting, the oldest one's creation time, and the messages
    delivered over the last RATE_WINDOW."""
    found: dict[str, dict[str, Any]] = {}
    for platform, waiting, oldest in db.execute(
        "select platform, count(*), min(created_at) from outbox "
        "where status in ('pending', 'sending') group by platform"
    ):
        found[platform] = {"waiting": waiting, "oldest": oldest, "recently_delivered": 0}
    for platform, delivered in db.execute(
        "select platform, count(*) from outbox where status = 'sent' and sent_at >= ? "
        "group by platform",
        [iso(now - RATE_WINDOW)],
    ):
        found.setdefault(platform, {"waiting": 0, "oldest": None})["recently_delivered"] = delivered
    return found


def recent_errors(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Delivery errors of messages created in the last day, by platform, outcome and reason
    (the error's first words: its kind, not the member it was about)."""
    return [
        dict(zip(("platform", "status", "reason", "messages"), row, strict=True))
        for row in db.execute(
            "select platform, status, "
            "  case when instr(error, ':') between 1 and 60 then substr(error, 1, instr(error, ':') - 1)"
            "  else substr(error, 1, 60) end as reason, count(*) "
            "from outbox where error is not null and error != '' and created_at >= ? "
            "group by 1, 2, 3 order by 4 desc limit 20",
            [iso(now - ERRORS_WINDOW)],
        )
    ]


def closes_waiting(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Rounds and votes whose close is due or under way but not done."""
    stamp = iso(now)
    rounds = db.execute(
        "select id, closes_at, closing_at, sealing_at from pulse_rounds "
        "where closed_at is null and (closing_at is not null or closes_at <= ?)",
        [stamp],
    ).fetchall()
    votes = db.execute(
        "select vote_id, closes_at, sealing_at from votes where status = 'open' and closes_at <= ?",
        [stamp],
    ).fetchall()
    return [
        {"kind": "round", "id": r[0], "closes_at": r[1], "closing": bool(r[2]), "worked_on": r[3]}
        for r in rounds
    ] + [
        {"kind": "vote", "id": v[0], "closes_at": v[1], "closing": True, "worked_on": v[2]}
        for v in votes
    ]


def file_size(path: Path | None) -> dict[str, int]:
    """The database file's size and its write-ahead log's, in bytes."""
    if path is None:
        return {}
    sizes = {}
    for name, file in (("bytes", path), ("wal_bytes", path.with_name(path.name + "-wal"))):
        try:
            sizes[name] = file.stat().st_size
        except FileNotFoundError:
            sizes[name] = 0
    return sizes


def clock_seen(db: Database) -> dict[str, Any] | None:
    """What the running bot last noted of the clocks (`note_clock`), or None."""
    rows = list(db["clock_seen"].rows)
    return rows[0] if rows else None


def note_clock(
    db: Database, wall: datetime, boot_id: str | None, since_boot: float | None, ahead: timedelta
) -> None:
    """The running bot saw the wall clock at `wall`, `since_boot` seconds into boot `boot_id`,
    `ahead` of a clock that did not leap."""
    db.execute(
        "insert into clock_seen (id, wall, boot_id, since_boot, ahead_seconds) "
        "values (1, ?, ?, ?, ?) on conflict(id) do update set wall = excluded.wall, "
        "boot_id = excluded.boot_id, since_boot = excluded.since_boot, "
        "ahead_seconds = excluded.ahead_seconds",
        [iso(wall), boot_id, since_boot, ahead.total_seconds()],
    )


def clock_moved(db: Database, at: datetime, jump: timedelta, while_: str) -> None:
    """The wall clock was set by `jump` (+ forward, - back) at `at`, while the bot was
    `while_` ("running" or "stopped")."""
    db.execute(
        "insert into clock_seen (id, moved_at, moved_seconds, moved_while) values (1, ?, ?, ?) "
        "on conflict(id) do update set moved_at = excluded.moved_at, "
        "moved_seconds = excluded.moved_seconds, moved_while = excluded.moved_while",
        [iso(at), jump.total_seconds(), while_],
    )
