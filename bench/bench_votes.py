"""Time loading and counting a large vote from a real SQLite file.

Casts 67,000 ballots for a 3-candidate instant-runoff into a database file through
storage (in bulk), then times what closing the vote does: load the ballots and count
them, and the whole close (count, store the result, forget every link, rebuild the
file), and a rebuild of the file alone.

Run: python bench/bench_votes.py
Prints the figures; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.context import Context  # noqa: E402
from handlers.votes.admin import close_vote, create_vote, open_vote  # noqa: E402
from handlers.votes.results import tally_now  # noqa: E402
from handlers.votes.state import RECEIPT_ALPHABET, load  # noqa: E402
from storage import secrecy  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.votes import queries as store  # noqa: E402
from surveys.votes.definitions import VoteDefinition, VoteOption  # noqa: E402

BALLOTS = 67_000
TARGET_SECONDS = 1.0
SEED = 20_250_101
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def ranked_choices(rnd: random.Random, candidates: int, count: int) -> list[str]:
    """Stored ballots ("2,0,1"): partial rankings with unequal popularity, so transfers happen."""
    weights = [candidates - i for i in range(candidates)]
    ballots = []
    for _ in range(count):
        pool, pool_weights, order = list(range(candidates)), list(weights), []
        for _ in range(rnd.randint(1, candidates)):
            pick = rnd.choices(range(len(pool)), pool_weights)[0]
            order.append(pool.pop(pick))
            pool_weights.pop(pick)
        ballots.append(",".join(map(str, order)))
    return ballots


def receipts(rnd: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        code = "".join(rnd.choices(RECEIPT_ALPHABET, k=8))
        seen.add(f"{code[:4]}-{code[4:]}")
    return list(seen)


def timed(label: str, run):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    print(f"{label}: {elapsed:.3f} s")
    return result, elapsed


def main() -> None:
    rnd = random.Random(SEED)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        ctx = Context(open_database(path), clock=lambda: NOW)
        definition = VoteDefinition(
            id="bench-irv",
            title="Chair of the representative body",
            explanation="Benchmark.",
            method="irv",
            options=(VoteOption("Amber"), VoteOption("Birch"), VoteOption("Cedar")),
            opens=NOW,
            closes=NOW + timedelta(days=14),
            reminder_hours=(),
        )
        create_vote(ctx, definition, "bench")
        open_vote(ctx, definition.id)
        choices = ranked_choices(rnd, 3, BALLOTS)
        rows = list(zip(receipts(rnd, BALLOTS), choices, strict=True))
        print(f"{BALLOTS:,} ballots, 3 candidates, random seed {SEED}, file {path.name}")
        timed(
            "bulk insert through storage", lambda: store.insert_ballots(ctx.db, definition.id, rows)
        )
        ctx.db.close()

        fresh = Context(open_database(path), clock=lambda: NOW + timedelta(days=14))
        vote = load(fresh, definition.id)
        assert vote is not None
        summary, elapsed = timed("load + count (instant-runoff)", lambda: tally_now(fresh, vote))
        count = summary["count"]
        print(
            f"  target: < {TARGET_SECONDS:.0f} s ({'met' if elapsed < TARGET_SECONDS else 'MISSED'}); "
            f"{count['ballots']:,} ballots, winner {count['winner']}, {len(count['rounds'])} rounds"
        )
        timed(
            "whole close (count, store, forget links, rebuild the file)",
            lambda: close_vote(fresh, definition.id),
        )
        print(f"  file: {path.stat().st_size / 1e6:.1f} MB")
        timed("a rebuild alone (VACUUM, log emptied)", lambda: secrecy.rebuild_file(fresh.db.conn))
        fresh.db.close()


if __name__ == "__main__":
    main()
