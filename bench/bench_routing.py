"""Time one register, routed (issue 27): a roster with phones and e-mails imported with
SMS and e-mail switched on, a broadcast routed member by member, and how each member is
reached worked out for the whole roster (`members joining`). The import's own checks
(bench_roster_upload.py) take most of its time; the linking is the start-up figure.

Run: python bench/bench_routing.py [--members 100000] [--broadcast 10000]
Prints the figures; asserts nothing (timings belong here, not in tests). Uses a database
file in a temporary folder (WAL, as the bot runs), no network.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.postman import Postman  # noqa: E402
from handlers.context import Context  # noqa: E402
from handlers.members import joining, roster  # noqa: E402
from handlers.messages import Message, Recipient  # noqa: E402
from handlers.settings import Policy, Routing  # noqa: E402
from storage import members  # noqa: E402
from storage.db import open_database  # noqa: E402

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def roster_text(count: int) -> str:
    """Every member has a phone; every second an e-mail; every third prefers e-mail."""
    lines = ["member_id,name,email,constituency,phone,prefers"]
    for n in range(count):
        email = f"m{n}@example.org" if n % 2 == 0 else ""
        prefers = "email" if n % 3 == 0 and email else ""
        lines.append(f"m{n:06},Member {n},{email},tenant,07700 {n:06},{prefers}")
    return "\n".join(lines) + "\n"


def timed(what: str, work):  # noqa: ANN001, ANN202 - a bench helper
    started = time.perf_counter()
    result = work()
    print(f"{what}: {time.perf_counter() - started:.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--broadcast", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        policy = Policy(routing=Routing(enabled=("sms", "email")))
        ctx = Context(open_database(Path(folder) / "bench.db"), policy, lambda: START)
        text = roster_text(args.members)
        report = timed(
            f"import {args.members:,} members with phones and e-mails (SMS, e-mail on)",
            lambda: roster.import_roster(ctx, io.StringIO(text), skip_bad=False, actor="bench"),
        )
        assert report.applied, report.problems[:3]
        identities = ctx.db.execute("select count(*) from identities").fetchone()[0]
        print(f"  identities linked: {identities:,}")
        timed(
            "link the whole roster again, as the bot does at start",
            lambda: roster.sync_channels(ctx),
        )
        for n in range(0, args.members, 4):  # a quarter also joined Telegram
            members.link_identity(ctx.db, "telegram", f"tg{n}", f"tg{n}", f"m{n:06}", START)
        postman = Postman(ctx.db, lambda: START, None, "Europe/London", routing=policy.routing)
        messages = [
            Message(to=Recipient.of(f"m{n:06}"), text="A vote is open", key=f"bench:{n}")
            for n in range(args.broadcast)
        ]
        posted = timed(
            f"route and queue a broadcast to {args.broadcast:,}", lambda: postman.post(messages)
        )
        by = dict(
            ctx.db.execute("select platform, count(*) from outbox group by platform").fetchall()
        )
        print(f"  queued {posted.queued:,}: {by}")
        found = timed(
            f"members joining with reach, {args.members:,} members", lambda: joining.build(ctx)
        )
        letter_only = sum(g.letter_only for g in found.groups)
        print(f"  letter only: {letter_only:,}")
        ctx.db.close()


if __name__ == "__main__":
    main()
