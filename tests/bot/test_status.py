"""What `mutual-voice status` prints, from what the database holds."""

from __future__ import annotations

from datetime import timedelta

from bot import status
from storage import health
from storage.timestamps import iso
from tests.web.console_harness import console_app


def test_status_reads_as_an_operator_needs_it(tmp_path, clock):
    app = console_app(tmp_path, clock)
    now = clock()
    db = app.db
    health.record_platform(
        db,
        "telegram",
        last_success=iso(now - timedelta(hours=2)),
        last_failure=iso(now),
        last_error="network: ConnectError: refused",
        down_since=iso(now - timedelta(minutes=90)),
    )
    for n in range(4):
        db.execute(
            "insert into outbox (key, platform, chat_id, payload, status, not_before, "
            "created_at, error) values (?, 'telegram', 'c', '{}', 'pending', ?, ?, ?)",
            [f"k{n}", iso(now), iso(now - timedelta(minutes=45)), "network: ConnectError"],
        )
    db.execute(
        "insert into pulse_rounds (survey_id, number, definition, opened_at, closes_at) "
        "values ('tenant-check', 1, '{}', ?, ?)",
        [iso(now - timedelta(days=7)), iso(now - timedelta(hours=1))],
    )
    found = status.collect(app, 4321)
    text = status.lines(found)
    assert text[0] == "Bot: running (process 4321)"
    assert (
        "telegram: NOT reachable since 2026-11-23T08:30:00+00:00 (network: ConnectError: "
        "refused); 4 waiting, oldest 45 min old, not draining" in text
    )
    assert "Delivery errors (last day): telegram pending: network x4" in text
    assert "Close waiting: round 1 (due 2026-11-23T09:00:00+00:00)" in text
    assert any(line.startswith("Job pulses:tick: last success never") for line in text)
    assert text[-1].startswith(f"Database: {tmp_path / 'mutual-voice.db'}, ")
    assert "KB" in text[-1] or "MB" in text[-1]
    app.db.close()
