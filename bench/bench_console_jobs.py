"""Letters and a roster import as console jobs: how long they take, what the progress
page says on the way, and how quickly the console answers meanwhile.

Builds a console on a fresh database in a temporary folder with MEMBERS tenants, signs an
officer in, asks for everyone's letters, and looks at the progress page four times a
second until the summary shows, timing each look; then imports a roster of MEMBERS new
tenants the same way.

Run: python bench/bench_console_jobs.py [MEMBERS]
Prints the figures; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.app import App  # noqa: E402
from bot.config import Settings, TelegramSettings, WebSettings  # noqa: E402
from bot.web.server import build  # noqa: E402
from handlers.console import signin as console  # noqa: E402
from handlers.members.roster import import_roster  # noqa: E402
from handlers.settings import Admin, Organisation  # noqa: E402

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 4_000
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
SAID = re.compile(r'<span id="job-count">(.*?)</span>|<div class="note" role="status"><p>(.*?)</p>')


def roster(prefix: str) -> str:
    rows = "".join(f"{prefix}{n:05d},Tenant {n},,tenant\n" for n in range(MEMBERS))
    return "member_id,name,email,constituency\ns1,Sam Okafor,sam@example.org,staff\n" + rows


async def watch(client: TestClient, answer, label: str) -> None:  # noqa: ANN001
    """Look at the job's page four times a second until it is finished; print the figures."""
    start, looks, seen = time.perf_counter(), [], []
    path = answer.url.path
    while True:
        began = time.perf_counter()
        page = await (await client.get(f"{path}?auto=1")).text()
        looks.append(time.perf_counter() - began)
        said = SAID.search(page)
        text = (said[1] or said[2]) if said else "?"
        if not seen or seen[-1] != text:
            seen.append(text)
        if "job-count" not in page:
            break
        await asyncio.sleep(0.25)
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.1f} s until the summary")
    shown = seen[:-1]
    if len(shown) > 6:
        shown = shown[:3] + ["…"] + shown[-3:]
    print(f"  the page said: {' → '.join(shown) or '(finished before the first look)'}")
    print(f"  then: {seen[-1]}")
    print(
        f"  {len(looks)} looks at the progress page meanwhile: median "
        f"{1000 * statistics.median(looks):.0f} ms, slowest {1000 * max(looks):.0f} ms"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        settings = dataclasses.replace(
            Settings(),
            folder=Path(name),
            admin=Admin(officers=("s1",)),
            organisation=Organisation(name="Riverside Homes", contact="Jo at the office"),
            telegram=TelegramSettings(bot_username="riverside_voice_bot"),
            web=WebSettings(),
        )
        app = App(settings)
        import_roster(app.ctx, io.StringIO(roster("t")), skip_bad=False, actor="bench")
        async with TestClient(TestServer(build(app))) as client:
            link = console.issue_link(app.ctx, "s1", "bench").url
            path = link.removeprefix(settings.web.base_url)
            page = await (await client.get(path)).text()
            await client.post(
                "/signin", data={"csrf": CSRF.search(page)[1], "token": path.rsplit("/", 1)[1]}
            )
            csrf = CSRF.search(await (await client.get("/")).text())[1]
            form = {"csrf": csrf, "constituency": "tenant", "older_than": "", "files": "letters"}
            answer = await client.post("/members/letters", data=form)
            await watch(client, answer, f"{MEMBERS:,} letters")
            answer = await client.post(
                "/members/import/apply", data={"csrf": csrf, "csv": roster("n")}
            )
            await watch(client, answer, f"importing {MEMBERS:,} new members")
        app.db.close()


if __name__ == "__main__":
    asyncio.run(main())
