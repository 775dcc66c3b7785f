"""Time the vote counts on large, reproducible random votes.

Run: python bench/bench_tally.py
Prints the figures; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from surveys.votes.tally import count_approval, count_budget, count_irv, count_stv  # noqa: E402

BALLOTS = 67_000
IRV_TARGET_SECONDS = 1.0
SEED = 20_250_101


def ranked_ballots(rnd: random.Random, candidates: list[str], count: int) -> list[tuple[str, ...]]:
    """Partial rankings, drawn with unequal popularity so that counts need transfers."""
    weights = [len(candidates) - i for i in range(len(candidates))]
    ballots = []
    for _ in range(count):
        order = []
        pool, pool_weights = list(candidates), list(weights)
        for _ in range(rnd.randint(1, len(candidates))):
            pick = rnd.choices(range(len(pool)), pool_weights)[0]
            order.append(pool.pop(pick))
            pool_weights.pop(pick)
        ballots.append(tuple(order))
    return ballots


def approval_ballots(rnd: random.Random, options: list[str], count: int) -> list[set[str]]:
    return [{o for o in options if rnd.random() < 0.35} for _ in range(count)]


def timed(label: str, run: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = run()
    print(f"{label}: {time.perf_counter() - start:.3f} s")
    return result


def main() -> None:
    rnd = random.Random(SEED)
    print(f"{BALLOTS:,} ballots each, random seed {SEED}")

    three = ["amber", "birch", "cedar"]
    ballots = ranked_ballots(rnd, three, BALLOTS)
    irv = timed("instant-runoff, 3 candidates", lambda: count_irv(ballots, three, seed="bench"))
    print(f"  target: < {IRV_TARGET_SECONDS:.0f} s; winner {irv.winner}, {len(irv.rounds)} rounds")

    eight = [f"candidate-{i}" for i in range(1, 9)]
    ballots = ranked_ballots(rnd, eight, BALLOTS)
    stv = timed("STV, 3 seats of 8 candidates", lambda: count_stv(ballots, eight, 3, seed="bench"))
    print(f"  elected {', '.join(stv.elected)} in {len(stv.stages)} stages")

    options = [f"option-{i}" for i in range(1, 11)]
    choices = approval_ballots(rnd, options, BALLOTS)
    approval = timed("approval, 10 options, 3 seats", lambda: count_approval(choices, options, 3))
    print(f"  winners {', '.join(approval.winners)}")

    costs = {o: rnd.randrange(1_000, 20_000) for o in options}
    budget = timed(
        "participatory budget, 10 projects", lambda: count_budget(choices, costs, 50_000)
    )
    print(f"  funded {len(budget.funded)} projects, {budget.remaining:,} left")


if __name__ == "__main__":
    main()
