"""When each scheduled job last ran, succeeded and failed: the database, not the scheduler,
is the source of truth, so `mutual-voice jobs` can tell an operator what really happened."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.timestamps import iso, parse


def last_run(db: Database, job_id: str) -> datetime | None:
    """The moment a cron job's last run covered (its claim), or its baseline."""
    row = db.execute("select last_run from job_runs where job_id = ?", [job_id]).fetchone()
    return parse(row[0]) if row and row[0] else None


def baseline(db: Database, job_id: str, now: datetime) -> None:
    """A new job starts counting from now: nothing before its first start is 'missed'."""
    db.execute(
        "insert or ignore into job_runs (job_id, last_run, runs) values (?, ?, 0)",
        [job_id, iso(now)],
    )


def claim(db: Database, job_id: str, previous: datetime, now: datetime) -> bool:
    """Mark the job as run at `now` if nobody else did since `previous` (one winner across processes)."""
    cursor = db.execute(
        "update job_runs set last_run = ?, runs = runs + 1 where job_id = ? and last_run = ?",
        [iso(now), job_id, iso(previous)],
    )
    return cursor.rowcount == 1


def succeeded(db: Database, job_id: str, now: datetime) -> None:
    """The job ran to the end at `now` (its effects committed)."""
    db.execute(
        "insert into job_runs (job_id, last_success) values (?, ?) "
        "on conflict(job_id) do update set last_success = excluded.last_success",
        [job_id, iso(now)],
    )


def failed(db: Database, job_id: str, now: datetime, reason: str) -> None:
    """The job failed at `now` for `reason` (one line); it is tried again on the next tick."""
    db.execute(
        "insert into job_runs (job_id, last_failure, last_error, failures) values (?, ?, ?, 1) "
        "on conflict(job_id) do update set last_failure = excluded.last_failure, "
        "last_error = excluded.last_error, failures = failures + 1",
        [job_id, iso(now), reason],
    )


def all_runs(db: Database) -> dict[str, dict]:
    return {row["job_id"]: row for row in db["job_runs"].rows}


def start_fanout(db: Database, job_id: str, due: datetime, by: str) -> None:
    """A cron job's run for `due` is under way in `by` (posting its messages in parts)."""
    db.execute(
        "update job_runs set unfinished = ?, unfinished_by = ? where job_id = ?",
        [iso(due), by, job_id],
    )


def finish_fanout(db: Database, job_id: str) -> None:
    db.execute(
        "update job_runs set unfinished = null, unfinished_by = null where job_id = ?", [job_id]
    )


def unfinished(db: Database, job_id: str) -> tuple[datetime, str | None] | None:
    """The due time of a run cut short (or under way) and who ran it."""
    row = db.execute(
        "select unfinished, unfinished_by from job_runs where job_id = ?", [job_id]
    ).fetchone()
    return (parse(row[0]), row[1]) if row and row[0] else None


def clock_set_back(db: Database, now: datetime) -> int:
    """The clock was set back: a job whose last run lies in the future counts from now
    (else it would wait for the clock to pass it, skipping what falls due before)."""
    return db.execute(
        "update job_runs set last_run = ? where last_run > ?", [iso(now), iso(now)]
    ).rowcount
