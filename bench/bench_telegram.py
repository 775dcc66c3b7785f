"""Deliver one message to every member through the real Telegram adapter and PTB.

Run: python bench/bench_telegram.py [--members 600] [--limit 30] [--rate 30] [--latency 0]
The fake Bot API server enforces Telegram's flood limits (`--limit` messages/s overall, one
a second per chat) on the real clock and answers 429 beyond them; the outbox's sender
starts at `--rate` (the bot's default) and slows down on a 429. Prints delivered messages/s
and its share of the fake's limit (target: at least 95%), 429s received, messages lost and
doubled (target: none), and peak memory. `--latency` gives the fake a network round trip
(seconds; Telegram's Bot API answers in roughly 0.05-0.3 s from most hosts): the sender
then keeps as many sends in flight as it needs to keep up, and prints the most it had at
once, which is the most a hard kill can send twice. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import logging
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.telegram import adapter as telegram  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import Settings, StorageSettings, TelegramSettings  # noqa: E402
from handlers.members.roster import import_roster  # noqa: E402
from handlers.messages import Message, Recipient  # noqa: E402
from storage import members, outbox  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

FIRST_USER_ID = 100_000
TARGET_SHARE = 0.95


def build_app(folder: Path, fake: FakeTelegram, count: int, rate: float) -> App:
    settings = dataclasses.replace(
        Settings(),
        folder=folder,
        storage=StorageSettings(database="bench.db"),
        telegram=TelegramSettings(
            enabled=True,
            token=fake.token,
            base_url=fake.base_url,
            base_file_url=fake.base_file_url,
            rate_per_second=rate,
        ),
    )
    app = App(settings)
    roster = "member_id,name,email,constituency\n" + "".join(
        f"m{n},Member {n},,tenant\n" for n in range(count)
    )
    report = import_roster(app.ctx, io.StringIO(roster), skip_bad=False, actor="bench")
    assert report.applied, report.problems
    now = app.clock()
    with app.db.atomic():
        for n in range(count):
            user = FIRST_USER_ID + n
            fake.add_user(user, first_name=f"Member {n}")
            members.link_identity(app.db, "telegram", str(user), str(user), f"m{n}", now)
    return app


async def deliver_to_everyone(count: int, limit: float, rate: float, latency: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegram(
            rate_limits=True, global_rate=limit, global_burst=int(limit), latency=latency
        ) as fake:
            app = build_app(Path(folder), fake, count, rate)
            baseline = peak_rss_mib()
            adapter = await telegram.start(app, asyncio.Event())
            started = time.perf_counter()
            notice = "Your neighbourhood forum meets on Thursday. Tap to tell us if you can come."
            queued = app.postman.post(
                [Message(Recipient.of(f"m{n}"), notice, key=f"bench-{n}") for n in range(count)]
            ).queued
            while outbox.waiting(app.db, "telegram"):
                await asyncio.sleep(0.2)
            elapsed = time.perf_counter() - started
            final_rate = app.senders["telegram"].rate.rate
            widest = getattr(app.senders["telegram"], "widest", None)
            print(f"round trip:       {latency * 1000:.0f} ms (the fake's latency)")
            print(f"most in flight:   {widest} (the most a hard kill can send twice)")
            await adapter.stop()
            report(app, fake, count, queued, limit, rate, final_rate, elapsed, baseline)
            app.db.close()


def peak_rss_mib() -> float:
    # Not tracemalloc: tracing every allocation would slow the sender it measures.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(
    app: App,
    fake: FakeTelegram,
    count: int,
    queued: int,
    limit: float,
    rate: float,
    final_rate: float,
    elapsed: float,
    baseline_mib: float,
) -> None:
    sends = fake.calls_to("sendMessage")
    accepted = [call for call in sends if call.status == 200]
    refused = len(sends) - len(accepted)
    per_chat = Counter(call.params["chat_id"] for call in accepted)
    lost = sum(1 for n in range(count) if per_chat[FIRST_USER_ID + n] == 0)
    duplicated = sum(times - 1 for times in per_chat.values() if times > 1)
    span = accepted[-1].time - accepted[0].time if len(accepted) > 1 else 0.0
    throughput = (len(accepted) - 1) / span if span else 0.0
    statuses = Counter(row["status"] for row in outbox.rows_for(app.db, "telegram"))

    print(f"members:          {count:,} (one message each, {queued:,} queued)")
    print(f"platform limit:   {limit:g} messages/s (the fake answers 429 beyond it)")
    print(f"sender's rate:    starts at {rate:g} messages/s, ended at {final_rate:.1f}")
    print(f"delivered:        {len(accepted):,} in {span:.1f} s = {throughput:.1f} messages/s")
    print(f"share of limit:   {throughput / limit:.1%} (target at least {TARGET_SHARE:.0%})")
    print(f"from queue to last delivery: {elapsed:.1f} s")
    print(f"429s received:    {refused}")
    print(f"lost:             {lost}")
    print(f"doubled:          {duplicated}")
    print(f"outbox statuses:  {dict(statuses)}")
    print(
        f"peak memory (RSS, bot and fake server in one process): {peak_rss_mib():.0f} MiB, "
        f"{peak_rss_mib() - baseline_mib:+.0f} MiB while delivering"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_rate = TelegramSettings().rate_per_second
    parser.add_argument("--members", type=int, default=600, help="how many members (600)")
    parser.add_argument(
        "--limit", type=float, default=30.0, help="the fake's limit, messages per second (30)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=default_rate,
        help=f"the sender's rate, messages per second (the default, {default_rate:g})",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="the fake's round trip, seconds (0)"
    )
    args = parser.parse_args()
    # HTTP clients honour proxy variables even for 127.0.0.1; this talks to a local fake only.
    for name in [n for n in os.environ if n.lower() in ("http_proxy", "https_proxy", "all_proxy")]:
        del os.environ[name]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    seconds = args.members / min(args.rate, args.limit)
    print(f"Delivering to {args.members:,} members against a {args.limit:g}/s limit; ", end="")
    print(f"about {seconds:.0f} s.", flush=True)
    asyncio.run(deliver_to_everyone(args.members, args.limit, args.rate, args.latency))


if __name__ == "__main__":
    main()
