"""What `mutual-voice status` and GET /healthz say: is the bot alive, can it reach each
platform, what waits to be sent and when it will have gone, what failed lately, each
job's last success, closes waiting, and the database's size."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.app import App
from bot.scheduler import Scheduler
from storage import health
from storage.db import file_of
from storage.timestamps import iso, parse


def collect(app: App, running_pid: int | None) -> dict[str, Any]:
    """The status of the bot on `app`'s database; `running_pid` is the running bot's
    process (None: not running)."""
    db, now = app.db, app.clock()
    scheduler = app.scheduler or Scheduler(
        app.ctx, app.postman, app.settings.scheduler.tick_seconds
    )
    heard = health.platforms(db)
    waiting = health.backlog(db, now)
    platforms = {}
    for platform in sorted(set(app.settings.platforms) | set(waiting) | set(heard)):
        platforms[platform] = {
            **reachable(heard.get(platform)),
            "backlog": drain(waiting.get(platform), now),
        }
    return {
        "alive": running_pid is not None,
        "pid": running_pid or None,
        "checked_at": iso(now),
        "platforms": platforms,
        "recent_errors": health.recent_errors(db, now),
        "jobs": [
            {k: job[k] for k in ("job", "last_success", "last_failure", "last_error", "next_run")}
            for job in scheduler.describe()
        ],
        "closes_waiting": health.closes_waiting(db, now),
        "clock": clock(health.clock_seen(db)),
        "database": {"path": str(file_of(db)), **health.file_size(file_of(db))},
    }


def clock(row: dict[str, Any] | None) -> dict[str, Any]:
    """The last step of the wall clock the bot noticed, and how far the wall clock is now
    ahead of one that did not leap (votes close by that one)."""
    row = row or {}
    return {
        "moved_at": row.get("moved_at"),
        "moved_seconds": row.get("moved_seconds"),
        "moved_while": row.get("moved_while"),
        "ahead_seconds": row.get("ahead_seconds") or 0,
    }


def reachable(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"reachable": None, "last_success": None, "last_failure": None}
    return {
        # Unknown until the running bot has delivered or failed to.
        "reachable": row["down_since"] is None
        if (row["last_success"] or row["down_since"])
        else None,
        "down_since": row["down_since"],
        "last_success": row["last_success"],
        "last_failure": row["last_failure"],
        "last_error": row["last_error"],
    }


def drain(row: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """The backlog, its oldest message's age and, at the last five minutes' pace, when it
    will have drained (None if nothing was delivered lately)."""
    if row is None or not row["waiting"]:
        return {"waiting": 0, "oldest_age_seconds": 0, "drains_in_seconds": 0}
    per_second = row["recently_delivered"] / health.RATE_WINDOW.total_seconds()
    oldest = parse(row["oldest"]) if row["oldest"] else now
    return {
        "waiting": row["waiting"],
        "oldest_age_seconds": max(0, round((now - oldest).total_seconds())),
        "drains_in_seconds": round(row["waiting"] / per_second) if per_second else None,
    }


def lines(status: dict[str, Any]) -> list[str]:
    """The status as a person reads it."""
    out = [
        f"Bot: running (process {status['pid']})" if status["alive"] else "Bot: not running",
    ]
    for platform, info in status["platforms"].items():
        state = {True: "reachable", False: f"NOT reachable since {info.get('down_since')}"}.get(
            info["reachable"], "not heard from yet"
        )
        if info["reachable"] is False and info.get("last_error"):
            state += f" ({info['last_error'][:80]})"
        backlog = info["backlog"]
        if backlog["waiting"]:
            drains = backlog["drains_in_seconds"]
            when = f"drains in about {duration(drains)}" if drains is not None else "not draining"
            waits = (
                f"{backlog['waiting']} waiting, oldest {duration(backlog['oldest_age_seconds'])} "
                f"old, {when}"
            )
        else:
            waits = "nothing waiting"
        out.append(f"{platform}: {state}; {waits}")
    for error in status["recent_errors"]:
        out.append(
            f"Delivery errors (last day): {error['platform']} {error['status']}: "
            f"{error['reason']} x{error['messages']}"
        )
    for job in status["jobs"]:
        out.append(
            f"Job {job['job']}: last success {job['last_success'] or 'never'}"
            + (
                f", last failure {job['last_failure']}: {job['last_error']}"
                if job["last_failure"]
                else ""
            )
        )
    for close in status["closes_waiting"]:
        out.append(f"Close waiting: {close['kind']} {close['id']} (due {close['closes_at']})")
    moved = status["clock"]
    if moved["moved_at"]:
        way = "forward" if moved["moved_seconds"] > 0 else "back"
        while_ = (
            "while the bot was stopped" if moved["moved_while"] == "stopped" else "while it ran"
        )
        out.append(
            f"Clock: set {way} by {duration(abs(moved['moved_seconds']))} {while_}, "
            f"noticed {moved['moved_at']}"
            + (
                f"; votes close by a clock {duration(moved['ahead_seconds'])} behind it"
                if moved["ahead_seconds"]
                else ""
            )
        )
    db = status["database"]
    out.append(
        f"Database: {db['path']}, {size(db.get('bytes', 0))} (+ {size(db.get('wal_bytes', 0))} log)"
    )
    return out


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)
