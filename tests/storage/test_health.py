"""What `status` reads from the database: the backlog and its drain estimate, errors by
reason, and closes that are due or under way but not done."""

from __future__ import annotations

from datetime import timedelta

from bot.status import drain
from storage import health
from storage.db import open_database
from storage.timestamps import iso
from tests.helpers import FakeClock


def outbox_row(db, key, status, created, sent=None, error=None, platform="telegram"):
    db.execute(
        "insert into outbox (key, platform, chat_id, payload, status, not_before, created_at, "
        "sent_at, error) values (?, ?, 'c', '{}', ?, ?, ?, ?, ?)",
        [key, platform, status, iso(created), iso(created), sent and iso(sent), error],
    )


def test_the_backlog_drains_at_the_last_five_minutes_pace():
    clock = FakeClock()
    now = clock()
    db = open_database()
    for n in range(600):  # 600 delivered over the last five minutes: 2 a second
        outbox_row(db, f"s{n}", "sent", now - timedelta(minutes=6), now - timedelta(seconds=n // 2))
    for n in range(1200):
        outbox_row(db, f"p{n}", "pending", now - timedelta(minutes=30 - n // 100))
    found = health.backlog(db, now)["telegram"]
    assert found["waiting"] == 1200 and found["recently_delivered"] == 600
    assert drain(found, now) == {
        "waiting": 1200,
        "oldest_age_seconds": 1800,
        "drains_in_seconds": 600,
    }


def test_errors_are_counted_by_reason_without_who_they_were_for():
    clock = FakeClock()
    now = clock()
    db = open_database()
    for n in range(3):
        outbox_row(db, f"a{n}", "pending", now, error="network: ConnectError: refused")
    outbox_row(db, "b", "failed", now, error="slack: HTTP 500", platform="slack")
    outbox_row(db, "old", "failed", now - timedelta(days=2), error="slack: HTTP 500")
    assert health.recent_errors(db, now) == [
        {"platform": "telegram", "status": "pending", "reason": "network", "messages": 3},
        {"platform": "slack", "status": "failed", "reason": "slack", "messages": 1},
    ]


def test_closes_due_or_under_way_are_listed():
    clock = FakeClock()
    now = clock()
    db = open_database()
    for number, closes, closing, closed in [
        (1, now - timedelta(hours=1), None, None),  # due, not started
        (2, now - timedelta(hours=2), now - timedelta(hours=1), None),  # under way
        (3, now - timedelta(hours=3), now, now),  # done
        (4, now + timedelta(hours=1), None, None),  # not due
    ]:
        db.execute(
            "insert into pulse_rounds (survey_id, number, definition, opened_at, closes_at, "
            "closing_at, closed_at) values ('s', ?, '{}', ?, ?, ?, ?)",
            [number, iso(now - timedelta(days=1)), iso(closes), closing and iso(closing),
             closed and iso(closed)],
        )  # fmt: skip
    waiting = health.closes_waiting(db, now)
    assert [(w["kind"], w["closing"]) for w in waiting] == [("round", False), ("round", True)]
