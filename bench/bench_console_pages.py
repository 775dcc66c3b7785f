"""How long each page of the officer's console takes to load in Chromium with 67,000 members.

Seeds a real SQLite file with 67,000 members (a third connected on Telegram, a tenth
holding an invite), an open pulse round and a closed one, an open vote with ballots, and
300 suggestions; serves the real console (aiohttp) on 127.0.0.1; signs an officer in
with Debian's Chromium driven by Playwright; then loads each page several times and
prints, per page, the median and slowest time from navigation to the `load` event
(the server's work, the transfer and Chromium's layout), against the 1 s target.

Run: python bench/bench_console_pages.py [MEMBERS] [LOADS]
Prints the figures; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.server import build  # noqa: E402
from handlers.console import signin as console  # noqa: E402
from handlers.members import invites  # noqa: E402
from handlers.pulses import definitions as pulse_definitions  # noqa: E402
from handlers.pulses import rounds as pulse_rounds  # noqa: E402
from handlers.settings import Admin  # noqa: E402
from handlers.votes.admin import create_vote, open_vote  # noqa: E402
from storage import members  # noqa: E402
from storage.suggestions import queries as suggestions  # noqa: E402
from storage.votes import queries as votes  # noqa: E402
from storage.wal_keeper import WalKeeper  # noqa: E402
from surveys.votes.definitions import VoteDefinition, VoteOption  # noqa: E402

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 67_000
LOADS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
TARGET_S = 1.0
SEED = 20_261_208
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
NAMES = ("Siân Llŷr", "Zażółć Gęślą", "سارة الحسيني", "Pat Murphy", "Lee Chen")
GROUPS = (("tenant", 0.85), ("staff", 0.1), ("leaseholder", 0.05))


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def seed_members(app: App, count: int) -> None:
    """`count` members; every third connected on Telegram; the officer is s1."""
    rnd = random.Random(SEED)
    stamp = app.clock().isoformat(timespec="seconds")
    names, weights = [g for g, _ in GROUPS], [w for _, w in GROUPS]
    rows = [
        {
            "member_id": f"m{n:06d}",
            "name": f"{NAMES[n % len(NAMES)]} {n}",
            "email": f"m{n}@example.org",
            "constituency": rnd.choices(names, weights)[0],
        }
        for n in range(count - 1)
    ]
    rows.append({"member_id": "s1", "name": "Sam Okafor", "constituency": "staff"})
    members.upsert_many(app.db, rows, app.clock())
    links = [
        {
            "platform": "telegram",
            "platform_user_id": f"u{n}",
            "member_id": f"m{n:06d}",
            "chat_id": f"u{n}",
            "linked_at": stamp,
        }
        for n in range(0, count - 1, 3)
    ]
    with app.db.atomic():
        app.db["identities"].insert_all(links, batch_size=1000)
    waiting = [f"m{n:06d}" for n in range(1, count - 1, 10) if n % 3]
    invites.issue(app.ctx, waiting, actor="bench")


def seed_activity(app: App) -> tuple[str, str]:
    """A closed and an open pulse round, an open vote with ballots, 300 suggestions;
    the open round's and the vote's addresses."""
    ctx = app.ctx
    rnd = random.Random(SEED)
    staff = pulse_definitions.load(ctx)["staff-pulse"]
    earlier = pulse_rounds.open_round(ctx, staff, "bench")
    pulse_rounds.close(ctx, earlier)
    tenant = pulse_definitions.load(ctx)["tenant-pulse"]
    current = pulse_rounds.open_round(ctx, tenant, "bench")
    definition = VoteDefinition(
        id="bench-vote",
        title="Chair of the representative body",
        explanation="Benchmark.",
        method="irv",
        options=(VoteOption("Amber"), VoteOption("Birch"), VoteOption("Cedar")),
        opens=app.clock(),
        closes=app.clock() + timedelta(days=14),
        reminder_hours=(),
    )
    create_vote(ctx, definition, "bench")
    for _ in open_vote(ctx, definition.id):
        pass  # the announcements are not sent
    ballots = [(f"B{n:07d}", ",".join(rnd.sample("012", 3))) for n in range(20_000)]
    votes.insert_ballots(app.db, definition.id, ballots)
    for n in range(300):
        suggestions.create(
            app.db,
            member_id=f"m{n * 7:06d}",
            text=f"Suggestion {n}: fix the lift on floor {n % 12}",
            topic="services",
            named=False,
            sentiment="neutral",
            polarity=0.0,
            words=[],
            similar=[],
            now=app.clock(),
        )
    return f"/pulses/{current['survey_id']}/{current['number']}", f"/votes/{definition.id}"


async def loop_lag(stop: asyncio.Event, lags: list[float]) -> None:
    """How late a 10 ms timer fires, again and again: how long the event loop is held."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - started - 0.01)


async def invite_everyone(page, base: str) -> tuple[int, float, list[float], list[float]]:  # noqa: ANN001
    """Invites for every member not yet connected, from the bulk bar; how many rows the
    table holds, how long from pressing the button to the download, and the loop's lags."""
    await page.goto(base + "/members?joined=no")
    await page.get_by_label("matching this filter, on every page").check()
    await page.get_by_role("button", name="Issue invites").click()
    await page.get_by_role("button", name="Issue the new invites").wait_for()
    stop, idle = asyncio.Event(), []
    watcher = asyncio.create_task(loop_lag(stop, idle))
    await asyncio.sleep(2)  # the same measure with nothing to do, for comparison
    stop.set()
    await watcher
    stop, lags = asyncio.Event(), []
    watcher = asyncio.create_task(loop_lag(stop, lags))
    started = time.perf_counter()
    async with page.expect_download(timeout=300_000) as download:
        await page.get_by_role("button", name="Issue the new invites").click()
    path = await (await download.value).path()
    took = time.perf_counter() - started
    stop.set()
    await watcher
    rows = len(Path(path).read_text(encoding="utf-8-sig").splitlines()) - 1
    return rows, took, lags, idle


async def measure(
    base: str, app: App, pages: list[str]
) -> tuple[dict[str, list[float]], dict[str, float], tuple[int, float, list[float], list[float]]]:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {}
    held: dict[str, float] = {}  # the longest the event loop was held while a page loaded
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        link = console.issue_link(app.ctx, "s1", "bench").url
        await page.goto(base + link.removeprefix(app.settings.web.base_url))
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{base}/")
        for path in pages:
            times[path], lags = [], []
            stop = asyncio.Event()
            watcher = asyncio.create_task(loop_lag(stop, lags))
            for _ in range(LOADS):
                started = time.perf_counter()
                answer = await page.goto(base + path, wait_until="load")
                times[path].append(time.perf_counter() - started)
                assert answer is not None and answer.status == 200, (path, answer and answer.status)
            stop.set()
            await watcher
            held[path] = max(lags, default=0.0)
        everyone = await invite_everyone(page, base)
        await browser.close()
    return times, held, everyone


async def main() -> None:
    clock = Clock()
    with tempfile.TemporaryDirectory() as folder:
        settings = dataclasses.replace(
            Settings(),
            folder=Path(folder),
            admin=Admin(officers=("s1",)),
        )
        app = App(settings, clock=clock)
        started = time.perf_counter()
        seed_members(app, MEMBERS)
        round_page, vote_page = seed_activity(app)
        print(
            f"seeded {MEMBERS:,} members and their activity in {time.perf_counter() - started:.1f} s"
        )
        keeper = WalKeeper(app.db, app.settings.database_path)  # as `run` and `web` do
        keeper.start()
        server = TestServer(build(app), host="127.0.0.1", port=0)
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        last = -(-MEMBERS // 50)
        pages = [
            "/",
            "/members",
            f"/members?page={last // 2}",
            f"/members?page={last}",
            "/members?q=Murphy",
            "/members?q=m0666",
            "/members?constituency=leaseholder&joined=no",
            "/members?joined=yes&page=200",
            f"/members/m{MEMBERS // 2:06d}",
            "/members/joining",
            f"/members/joining?page={last}",
            "/members/joining?constituency=staff&joined=no&q=Chen",
            "/pulses",
            round_page,
            "/votes",
            vote_page,
            "/suggestions",
            "/suggestions/150",
            "/ladder",
        ]
        try:
            times, held, (issued, took, lags, idle) = await measure(base, app, pages)
        finally:
            await server.close()
            keeper.stop()
            app.db.close()
    width = max(len(p) for p in pages)
    print(
        f"\nload in Chromium ({CHROMIUM}), {LOADS} loads each, {MEMBERS:,} members; target < {TARGET_S:.0f} s"
    )
    print(f"{'page'.ljust(width)}  median    slowest   target  loop held at most")
    for path, found in times.items():
        slowest = max(found)
        verdict = "met" if slowest < TARGET_S else "MISSED"
        print(
            f"{path.ljust(width)}  {statistics.median(found):6.3f} s  {slowest:6.3f} s  "
            f"{verdict:6}  {held[path] * 1000:5.0f} ms"
        )
    print(
        f"\nissue invites to all {issued:,} members not yet connected (bulk bar, confirmed): "
        f"{took:.1f} s to the download of invites.csv; meanwhile the event loop was held "
        f"at most {max(lags) * 1000:.0f} ms (median {statistics.median(lags) * 1000:.1f} ms, "
        f"{len(lags):,} timer ticks); with nothing to do, at most {max(idle) * 1000:.0f} ms "
        "(this machine's own noise)"
    )


if __name__ == "__main__":
    asyncio.run(main())
