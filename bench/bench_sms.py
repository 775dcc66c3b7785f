"""Texts delivered per second through the real SMS adapter and `twilio` client, against
the fake Twilio, compared with Twilio's default rate of one segment a second per long code.

Run: python bench/bench_sms.py [--members 40] [--rate 1.0] [--fast-members 500] [--fast-rate 50]

Part 1 (the real clock): an invitation to every member at `sms.rate_per_second` (default
1, Twilio's long-code rate), a sixth of them reading Welsh (UCS-2, two segments). The
adapter paces segments, not texts: prints texts/s and segments/s against the rate.

Part 2 (the real clock, `--fast-rate` texts/s, as a short code or a Messaging Service
allows): what the adapter and the `twilio` client manage on this machine, with signed
status callbacks coming back. Prints texts/s, lost and doubled texts. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import logging
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.sms import adapter as sms_adapter  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import OutboxSettings, Settings, SmsSettings, StorageSettings  # noqa: E402
from handlers.members.roster import import_roster  # noqa: E402
from handlers.messages import Message, Recipient  # noqa: E402
from handlers.settings import QuietHours  # noqa: E402
from storage import members, outbox  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402

INVITATION = {
    "en": "New vote: Rent 2027\nAnswer on your own page: https://mv.example/m/" + "x" * 43,
    "cy": "Pleidlais newydd: Rhent 2027 Tŷ\nAtebwch ar eich tudalen eich hun: "
    "https://mv.example/m/" + "x" * 43,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def phone(n: int) -> str:
    return f"+4477009{n:05d}"


def build_app(folder: Path, fake: FakeTwilio, port: int, count: int, rate: float) -> App:
    settings = dataclasses.replace(
        Settings(),
        folder=folder,
        storage=StorageSettings(database="bench.db"),
        quiet_hours=QuietHours(enabled=False),  # a bench at any hour measures the same
        outbox=OutboxSettings(poll_seconds=0.2),
        sms=SmsSettings(
            enabled=True,
            account_sid=fake.account_sid,
            auth_token=fake.auth_token,
            from_number=fake.from_number,
            api_url=fake.api_url,
            port=port,
            rate_per_second=rate,
        ),
    )
    app = App(settings)
    roster = "member_id,name,email,constituency,language\n" + "".join(
        f"m{n},Member {n},,tenant,{'cy' if n % 6 == 0 else 'en'}\n" for n in range(count)
    )
    report = import_roster(app.ctx, io.StringIO(roster), skip_bad=False, actor="bench")
    assert report.applied, report.problems
    now = app.clock()
    with app.db.atomic():
        for n in range(count):
            members.link_identity(app.db, "sms", phone(n), phone(n), f"m{n}", now)
    return app


def invitations(count: int, prefix: str) -> list[Message]:
    return [
        Message(
            Recipient.of(f"m{n}"),
            INVITATION["cy" if n % 6 == 0 else "en"],
            key=f"{prefix}-{n}",
            language="cy" if n % 6 == 0 else "en",
        )
        for n in range(count)
    ]


async def at_long_code_rate(count: int, rate: float) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeTwilio(webhook_url=f"http://127.0.0.1:{port}/sms/inbound", auto_status=False)
        async with fake:
            app = build_app(Path(folder), fake, port, count, rate)
            adapter = await sms_adapter.start(app, asyncio.Event())
            app.postman.post(invitations(count, "slow"))
            while outbox.waiting(app.db, "sms"):
                await asyncio.sleep(0.1)
            await adapter.stop()
            sent = fake.sent
            span = sent[-1].time - sent[0].time if len(sent) > 1 else 0.0
            # Between the first text's start and the last's, all but the last one's segments.
            paced = sum(s.segments for s in sent[:-1])
            by_parts = Counter(s.segments for s in sent)
            print(f"Part 1: {count:,} invitations at {rate:g} segment/s (real clock)")
            print(f"  texts by segments:  {dict(sorted(by_parts.items()))}")
            print(
                f"  delivered:          {len(sent):,} in {span:.1f} s = {(len(sent) - 1) / span:.2f} texts/s"
            )
            print(
                f"  segments:           {paced / span:.2f} segments/s against the rate of "
                f"{rate:g} (Twilio queues what comes faster)"
            )
            print(f"  refused:            {len(fake.refused)}")
            app.db.close()


async def at_full_speed(count: int, rate: float) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeTwilio(webhook_url=f"http://127.0.0.1:{port}/sms/inbound", burst=int(rate))
        async with fake:
            app = build_app(Path(folder), fake, port, count, rate)
            adapter = await sms_adapter.start(app, asyncio.Event())
            started = time.perf_counter()
            app.postman.post(invitations(count, "fast"))
            while outbox.waiting(app.db, "sms"):
                await asyncio.sleep(0.1)
            elapsed = time.perf_counter() - started
            await asyncio.sleep(1)  # the last status callbacks
            await adapter.stop()
            sent = fake.sent
            span = sent[-1].time - sent[0].time if len(sent) > 1 else 0.0
            per_member = Counter(s.to for s in sent)
            print(f"Part 2: {count:,} invitations at up to {rate:g} texts/s (real clock)")
            print(
                f"  delivered:          {len(sent):,} in {span:.1f} s = {(len(sent) - 1) / span if span else 0:.1f} texts/s"
            )
            paced = sum(s.segments for s in sent[:-1])
            print(f"  segments:           {paced / span if span else 0:.1f} segments/s")
            print(f"  queue to last:      {elapsed:.1f} s")
            print(f"  refused by code:    {dict(Counter(c for _, c in fake.refused)) or 'none'}")
            print(
                f"  lost:               {sum(1 for n in range(count) if not per_member[phone(n)])}"
            )
            print(f"  doubled:            {sum(t - 1 for t in per_member.values() if t > 1)}")
            print(f"  status callbacks:   {dict(adapter.statuses)}")
            app.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--fast-members", type=int, default=500)
    parser.add_argument("--fast-rate", type=float, default=50.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(at_long_code_rate(args.members, args.rate))
    asyncio.run(at_full_speed(args.fast_members, args.fast_rate))


if __name__ == "__main__":
    main()
