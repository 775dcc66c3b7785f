"""Time creating a general meeting in the console: the preview, then "Give notice and
create", over a roster of MEMBERS (default 10,000; two in three linked in Telegram).

The preview runs the create and undoes it (admin.preview) and counts the notice's reach
by channel (Postman.channels); the create fixes the roll and posts the notices in parts.

Run: python bench/bench_meeting_create.py [MEMBERS]
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.server import build  # noqa: E402
from handlers.console import signin as console  # noqa: E402
from handlers.members.roster import import_roster  # noqa: E402
from handlers.settings import Admin, Organisation  # noqa: E402
from storage import members as member_rows  # noqa: E402

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
START = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
OFFICER = "s1"
RULES = "[notice]\nclear_days = 14\n[quorum]\nmembers = 20\n[proxies]\nallowed = false\n"
MEETING = """id = "agm"
title = "Annual general meeting"
starts = 2027-03-20T14:00:00
place = "Riverside Community Hall"
[[agenda]]
title = "Annual report"
"""
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


async def timed(app: App) -> None:
    async with TestClient(TestServer(build(app))) as client:
        path = console.issue_link(app.ctx, OFFICER, "bench").url
        path = path.removeprefix(app.settings.web.base_url)
        token = CSRF.search(await (await client.get(path)).text())[1]  # type: ignore[index]
        await client.post("/signin", data={"csrf": token, "token": path.rsplit("/", 1)[1]})
        csrf = CSRF.search(await (await client.get("/")).text())[1]  # type: ignore[index]
        form = aiohttp.FormData()
        form.add_field("csrf", csrf)
        form.add_field("file", MEETING.encode(), filename="agm.toml")
        started = time.perf_counter()
        answer = await client.post("/meetings/preview", data=form)
        page = await answer.text()
        print(f"preview: {time.perf_counter() - started:.2f} s ({answer.status})")
        reach = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([\d,]+)</td></tr>', page)
        print("  " + "; ".join(f"{name} {n}" for name, n in reach))
        started = time.perf_counter()
        answer = await client.post(
            "/meetings/create", data={"csrf": csrf, "meeting": MEETING, "source": "agm.toml"}
        )
        note = re.search(r'role="status">(.*?)</p>', await answer.text())
        print(f"give notice and create: {time.perf_counter() - started:.2f} s")
        print(f"  {note[1] if note else answer.url.path}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "rules.toml").write_text(RULES)
        settings = dataclasses.replace(
            Settings(),
            folder=Path(folder),
            admin=Admin(officers=(OFFICER,)),
            organisation=Organisation(rules=str(Path(folder) / "rules.toml")),
        )
        app = App(settings, clock=lambda: START)
        ids = [f"m{n:05d}" for n in range(MEMBERS)]
        roster = "member_id,name,email,constituency\n" + "".join(
            f"{m},Member {m},,tenant\n" for m in ids
        )
        roster += f"{OFFICER},Dee Officer,,staff\n"
        import_roster(app.ctx, io.StringIO(roster), skip_bad=False, actor="bench")
        for n, member in enumerate(ids):
            if n % 3:
                member_rows.link_identity(app.db, "telegram", member, member, member, START)
        print(f"{MEMBERS:,} members, {len([n for n in range(MEMBERS) if n % 3]):,} in Telegram")
        asyncio.run(timed(app))
        app.db.close()


if __name__ == "__main__":
    main()
