"""Slack through the real stack against FakeSlack, in real time: throughput and response time.

Run: python bench/bench_slack.py [--members 500] [--events 200] [--first-contacts 50]
         [--rate 20]
1. One DM to each of `--members` staff through the outbox, the sender and the real
   slack_sdk client to FakeSlack (its per-channel limit on: about 1 message/s per
   channel, bursts of 3). Prints delivered messages/s against the configured rate,
   and how many were lost or sent twice.
2. `--events` signed `message.im` events from known members, one after another, to the
   adapter's Bolt endpoint over HTTP: half spaced 1/rate apart, half back to back (then
   the outbox's global pace sets the time); then `--first-contacts` from members the
   bot has not met (users.info and conversations.open first). Prints p50/p99 time from
   posting the event to the reply arriving at FakeSlack.
Prints the figures; asserts nothing (timings belong here, not in tests). Uses a
database file in a temporary folder (WAL, as the bot runs).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bot.adapters.slack import adapter as slack  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import Settings, SlackSettings  # noqa: E402
from handlers.messages import Message, Recipient  # noqa: E402
from storage import members  # noqa: E402
from storage.db import open_database  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_requests import message_im, post  # noqa: E402

TOKEN = "xoxb-bench-token"
SECRET = "bench-signing-secret"


def user_id(n: int) -> str:
    return f"U0BENCH{n:05d}"


def roster(app: App, fake: FakeSlack, count: int) -> None:
    rows = [
        {
            "member_id": f"staff-{n:05d}",
            "name": f"Staff Member {n}",
            "email": f"staff{n}@example.org",
            "constituency": "staff",
        }
        for n in range(count)
    ]
    members.upsert_many(app.db, rows, app.clock())
    for n in range(count):
        fake.add_user(user_id(n), f"staff{n}@example.org", f"Staff Member {n}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def throughput(app: App, fake: FakeSlack, count: int) -> None:
    for n in range(count):  # as if each had opened the app once
        members.link_identity(
            app.db, "slack", user_id(n), fake.dm_channel(user_id(n)), f"staff-{n:05d}", app.clock()
        )
    messages = [
        Message(Recipient.of(f"staff-{n:05d}"), f"Pulse check-in for staff {n}: how was your week?")
        for n in range(count)
    ]
    start = time.perf_counter()
    app.postman.post(messages)
    await fake.wait_for(lambda: len(fake.posted()) >= count, timeout=count)
    elapsed = time.perf_counter() - start
    await asyncio.sleep(0.5)  # anything sent twice would arrive now
    texts = Counter(m["blocks"][0]["text"]["text"] for m in fake.posted())
    rate = app.settings.slack.rate_per_second
    print(f"delivery: {count} DMs in {elapsed:.2f} s = {count / elapsed:.1f} messages/s")
    print(
        f"  configured rate {rate:g}/s ({100 * count / elapsed / rate:.0f}% of it); fake limit "
        f"{fake.post_rate:g}/s per channel, burst {fake.post_burst}"
    )
    lost = count - len(texts)
    twice = sum(n - 1 for n in texts.values())
    print(
        f"  lost {lost}, sent twice {twice}, HTTP 429s {sum(c.status == 429 for c in fake.calls)}"
    )


async def response_times(
    adapter: slack.SlackAdapter, fake: FakeSlack, users: range, label: str, gap: float
) -> None:
    """Events one after another, `gap` seconds apart (0: as fast as the replies come)."""
    latencies = []
    async with aiohttp.ClientSession() as session:
        for n in users:
            user = user_id(n)
            dm = fake.dm_channel(user)
            before = len(fake.posted(dm))
            event = message_im(user, "hello", dm, f"{time.time():.6f}")
            start = time.perf_counter()
            reply = await post(
                session, event, url=adapter.url, secret=SECRET, timestamp=int(time.time())
            )
            assert reply.status == 200, reply.text
            await fake.wait_for(lambda dm=dm, before=before: len(fake.posted(dm)) > before)
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(gap)
    ms = [1000 * value for value in latencies]
    print(
        f"  {label}: {len(ms)} events, p50 {percentile(ms, 0.5):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, mean {statistics.fmean(ms):.1f} ms, "
        f"max {max(ms):.1f} ms"
    )


async def main(options: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    total = options.members + options.first_contacts
    with tempfile.TemporaryDirectory() as folder:
        async with FakeSlack(TOKEN) as fake:
            settings = Settings(
                slack=SlackSettings(
                    enabled=True,
                    bot_token=TOKEN,
                    signing_secret=SECRET,
                    api_url=fake.api_url,
                    port=0,
                    rate_per_second=options.rate,
                ),
            )
            app = App(settings, db=open_database(Path(folder) / "bench.db"))
            roster(app, fake, total)
            adapter = await slack.start(app, asyncio.Event())
            try:
                await throughput(app, fake, options.members)
                print("response time, signed message.im -> reply posted at the fake:")
                gap = 1 / options.rate  # so the outbox's global pace does not hold replies back
                half = options.events // 2
                await response_times(adapter, fake, range(half), "known, spaced 1/rate", gap)
                known = range(half, options.events)
                await response_times(adapter, fake, known, "known, back to back", 0)
                first = range(options.members, total)
                await response_times(adapter, fake, first, "first contact, spaced", gap)
            finally:
                await adapter.stop()
                app.db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--first-contacts", type=int, default=50)
    parser.add_argument("--rate", type=float, default=20.0, help="slack.rate_per_second")
    asyncio.run(main(parser.parse_args()))
