"""How long a member waits for a reply while a broadcast to 67,000 members is going out.

Run: python bench/bench_reply_latency.py [--members 67000] [--seconds 60] [--limit 30]
The real Telegram adapter (python-telegram-bot polling) and the bot's sender run against
the fake Bot API server, which enforces Telegram's flood limits on the real clock. A
broadcast (one unrequested message per member) is queued to `--members`; meanwhile, every
half second, one of 20 other members writes /help, and the time from their message to the
bot's reply reaching the fake server is measured. The broadcast goes on the whole time
(67,000 at 30/s takes 37 minutes; the measurement is its first `--seconds`). Prints the
replies' latency (p50, p99, max; target p99 under 2 s) and the broadcast's rate. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_telegram import FIRST_USER_ID, build_app  # noqa: E402
from bot.adapters.telegram import adapter as telegram  # noqa: E402
from handlers.messages import Message, Recipient  # noqa: E402
from handlers.settings import QuietHours  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

WRITERS = 20
TARGET_P99 = 2.0


async def measure(count: int, seconds: float, limit: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegram(
            rate_limits=True, global_rate=limit, global_burst=int(limit)
        ) as fake:
            app = build_app(Path(folder), fake, count + WRITERS, limit)
            # At any hour: the broadcast must not wait for quiet hours to end.
            app.settings = dataclasses.replace(app.settings, quiet_hours=QuietHours(False))
            adapter = await telegram.start(app, asyncio.Event())
            app.senders["telegram"].quiet_hours = QuietHours(False)
            started = time.perf_counter()
            notice = "The AGM is on Thursday at 7pm in the community hall."
            app.postman.post(
                Message(Recipient.of(f"m{n}"), notice, key=f"news-{n}", quiet_hours=True)
                for n in range(count)
            )
            queued_in = time.perf_counter() - started
            writers = [FIRST_USER_ID + count + n for n in range(WRITERS)]
            asked: list[tuple[int, float]] = []  # (user, when it wrote)
            end = time.monotonic() + seconds
            turn = 0
            while time.monotonic() < end:
                user = writers[turn % WRITERS]
                fake.push_message(user, "/help")
                asked.append((user, time.monotonic()))
                turn += 1
                await asyncio.sleep(0.5)
            await asyncio.sleep(5)  # the last replies
            waits = []
            for user, when in asked:
                calls = [
                    c
                    for c in fake.calls_to("sendMessage")
                    if c.status == 200 and c.params.get("chat_id") == user and c.time >= when
                ]
                if calls:
                    waits.append(calls[0].time - when)
            broadcast = [
                c
                for c in fake.calls_to("sendMessage")
                if c.status == 200 and c.params.get("chat_id") < FIRST_USER_ID + count
            ]
            await adapter.stop()
            app.db.close()
    waits.sort()
    p99 = waits[max(0, int(len(waits) * 0.99) - 1)] if waits else float("nan")
    span = broadcast[-1].time - broadcast[0].time if len(broadcast) > 1 else 0.0
    print(f"broadcast:        {count:,} members queued in {queued_in:.1f} s")
    print(f"broadcast sent:   {len(broadcast):,} during the measurement, ", end="")
    print(f"{(len(broadcast) - 1) / span if span else 0:.1f} messages/s")
    print(f"replies measured: {len(waits)} of {len(asked)} messages from {WRITERS} members")
    if waits:
        print(
            f"reply latency:    p50 {statistics.median(waits):.2f} s, p99 {p99:.2f} s, "
            f"max {waits[-1]:.2f} s (target p99 under {TARGET_P99:g} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=67_000, help="broadcast to (67,000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured for (60)")
    parser.add_argument("--limit", type=float, default=30.0, help="the fake's limit (30/s)")
    args = parser.parse_args()
    for name in [n for n in os.environ if n.lower() in ("http_proxy", "https_proxy", "all_proxy")]:
        del os.environ[name]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(measure(args.members, args.seconds, args.limit))


if __name__ == "__main__":
    main()
