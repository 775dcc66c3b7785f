"""Fan out one message to every WhatsApp member through the real adapter, against the fake
Cloud API; then a broadcast above the daily limit, spread over days.

Run: python bench/bench_whatsapp.py [--members 1000] [--limit 80] [--daily-limit 250]

Part 1 (the real clock): every member wrote within the day, so their window is open; the
fake refuses more than `--limit` messages a second (error 130429) and more than 5 to one
member in 6 s (131056), and posts signed `sent`/`delivered` status webhooks back. Prints
messages/s against the limit (target: at least 90%), refusals, lost and doubled messages.

Part 2 (a simulated clock, so days pass at once): nobody wrote for two days, so each
member is invited by template; at most `--daily-limit` members a day. Prints the
templates sent each day, free-form messages outside the window (target: 0), and the
officer's estimate for comparison. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import logging
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.whatsapp import adapter as whatsapp_adapter  # noqa: E402
from bot.adapters.whatsapp import limits  # noqa: E402
from bot.adapters.whatsapp import templates as template_file  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import OutboxSettings, Settings, StorageSettings, WhatsAppSettings  # noqa: E402
from handlers.members.roster import import_roster  # noqa: E402
from handlers.messages import Message, Recipient  # noqa: E402
from handlers.settings import QuietHours  # noqa: E402
from storage import members, outbox, whatsapp  # noqa: E402
from tests.fakes.whatsapp_api import DISPLAY_NUMBER, FakeWhatsApp, Template  # noqa: E402

TARGET_SHARE = 0.90
NOTICE = "Your neighbourhood forum meets on Thursday. Reply to tell us if you can come."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def phone(n: int) -> str:
    return f"4477009{n:05d}"


class SimulatedClock:
    """Days pass in moments: the sender's sleep moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=500)
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)
        self.now += timedelta(seconds=max(seconds, 0))


def build_app(
    folder: Path,
    fake: FakeWhatsApp,
    port: int,
    count: int,
    clock: SimulatedClock | None = None,
    **options: int,
) -> App:
    settings = dataclasses.replace(
        Settings(),
        folder=folder,
        storage=StorageSettings(database="bench.db"),
        quiet_hours=QuietHours(enabled=False),  # a bench at any hour measures the same
        # On the simulated clock an idle sender sleeps till its next due row, not a second.
        outbox=OutboxSettings(poll_seconds=3600.0 if clock else 1.0),
        whatsapp=WhatsAppSettings(
            enabled=True,
            phone_number_id=fake.phone_number_id,
            business_number=f"+{DISPLAY_NUMBER}",
            access_token=fake.token,
            app_secret=fake.app_secret,
            verify_token="bench-verify-token",
            api_url=fake.api_url,
            port=port,
            **options,
        ),
    )
    app = App(settings, **({"clock": clock, "sleep": clock.sleep} if clock else {}))
    roster = "member_id,name,email,constituency\n" + "".join(
        f"m{n},Member {n},,tenant\n" for n in range(count)
    )
    report = import_roster(app.ctx, io.StringIO(roster), skip_bad=False, actor="bench")
    assert report.applied, report.problems
    return app


def link_everyone(app: App, count: int, wrote: datetime | None) -> None:
    now = app.clock()
    with app.db.atomic():
        for n in range(count):
            members.link_identity(app.db, "whatsapp", phone(n), phone(n), f"m{n}", now)
            if wrote is not None:
                whatsapp.wrote(app.db, phone(n), wrote)


def fake_templates() -> list[Template]:
    return [
        Template(s.name, s.language, s.body, s.category, s.buttons) for s in template_file.load()
    ]


async def fan_out(count: int, limit: int, statuses: bool) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeWhatsApp(
            webhook_url=f"http://127.0.0.1:{port}/whatsapp/webhook",
            throughput=limit,
            templates=fake_templates(),
            auto_status=statuses,
        )
        async with fake:
            app = build_app(Path(folder), fake, port, count)
            link_everyone(app, count, datetime.now(UTC))
            for n in range(count):
                fake.last_inbound[phone(n)] = time.time()
            adapter = await whatsapp_adapter.start(app, asyncio.Event())
            started = time.perf_counter()
            queued = app.postman.post(
                [Message(Recipient.of(f"m{n}"), NOTICE, key=f"bench-{n}") for n in range(count)]
            ).queued
            while outbox.waiting(app.db, "whatsapp"):
                await asyncio.sleep(0.2)
            elapsed = time.perf_counter() - started
            await asyncio.sleep(1)  # the last status webhooks
            await adapter.stop()
            sent = fake.sent
            per_member = Counter(s.to for s in sent)
            span = sent[-1].time - sent[0].time if len(sent) > 1 else 0.0
            rate = (len(sent) - 1) / span if span else 0.0
            refused = Counter(error.code for _, error in fake.refused)
            print("Part 1: fan-out inside the 24-hour window (real clock)")
            print(f"  members:            {count:,} ({queued:,} queued)")
            print(f"  throughput limit:   {limit} messages/s (the fake answers 130429 beyond it)")
            print(f"  delivered:          {len(sent):,} in {span:.1f} s = {rate:.1f} messages/s")
            print(f"  share of limit:     {rate / limit:.1%} (target at least {TARGET_SHARE:.0%})")
            print(f"  queue to last:      {elapsed:.1f} s")
            print(f"  refused by code:    {dict(refused) or 'none'}")
            print(
                f"  lost:               {sum(1 for n in range(count) if not per_member[phone(n)])}"
            )
            print(f"  doubled:            {sum(t - 1 for t in per_member.values() if t > 1)}")
            print(f"  status webhooks:    {dict(adapter.statuses)}")
            app.db.close()


async def spread(count: int, limit: int, daily_limit: int) -> None:
    port = free_port()
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday
    clock = SimulatedClock(start)
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeWhatsApp(
            webhook_url=f"http://127.0.0.1:{port}/whatsapp/webhook",
            throughput=limit,
            clock=lambda: clock.now.timestamp(),
            templates=fake_templates(),
            auto_status=False,
        )
        async with fake:
            app = build_app(Path(folder), fake, port, count, daily_limit=daily_limit, clock=clock)
            link_everyone(app, count, start - timedelta(days=2))
            estimate = limits.estimate(count, count, daily_limit, 0, start, 0.0, "GBP")
            adapter = await whatsapp_adapter.start(app, asyncio.Event())
            app.postman.post(
                [Message(Recipient.of(f"m{n}"), NOTICE, key=f"spread-{n}") for n in range(count)]
            )
            wall = time.perf_counter()
            while sum(1 for s in fake.sent if s.type == "template") < count:
                if time.perf_counter() - wall > 600:
                    break
                await asyncio.sleep(0.05)
            await adapter.stop()
            days = Counter((datetime.fromtimestamp(s.time, UTC) - start).days for s in fake.sent)
            print(f"Part 2: {count:,} members outside their window, daily limit {daily_limit:,}")
            for day in sorted(days):
                when = start + timedelta(days=day)
                print(f"  day {day + 1} ({when:%a %d %b}): {days[day]:,} templates")
            print(f"  free-form outside the window: {fake.window_violations}")
            print(f"  interactive-limit violations: {fake.interactive_violations}")
            print(f"  officer's estimate: {limits.sentence(estimate)}")
            app.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000, help="how many members (1000)")
    parser.add_argument("--limit", type=int, default=80, help="throughput, messages/s (80)")
    parser.add_argument("--daily-limit", type=int, default=250, help="members a day (250)")
    parser.add_argument(
        "--no-statuses", action="store_true", help="no status webhooks (sent, delivered)"
    )
    args = parser.parse_args()
    for name in [n for n in os.environ if n.lower() in ("http_proxy", "https_proxy", "all_proxy")]:
        del os.environ[name]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"About {args.members / args.limit:.0f} s for part 1.", flush=True)
    asyncio.run(fan_out(args.members, args.limit, not args.no_statuses))
    asyncio.run(spread(args.members, args.limit, args.daily_limit))


if __name__ == "__main__":
    main()
