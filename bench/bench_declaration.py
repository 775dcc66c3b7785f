"""Time a general meeting's close and declaration: 2,000 members, 4 origins.

Seeds a database file with 2,000 members on a meeting's roll and two votes put to it,
an STV election (3 seats, 6 candidates) and a special resolution; 1,700 members vote by
chat (Telegram, the member's page, SMS) and 250 on paper, entered by two tellers whose
entries agree (with spoilt papers and papers refused because their member voted in chat).
Then times, from close to declaration: closing both votes (count, seal, rebuild), the
declaration (data, Markdown, PDF) and the members' result messages. Then the console
(an aiohttp test server over the same file, the officer signed in): the paper ballots
page with two tellers' entries that differ, the declaration page, its PDF, and the
returning officer's sign-off, which queues the results to every member linked in chat.

Run: python bench/bench_declaration.py [MEMBERS]
Prints the figures against the 10 s target; asserts nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.app import App  # noqa: E402
from bot.cli.declaration_pdf import write_pdf  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.server import build  # noqa: E402
from handlers.console import signin as console  # noqa: E402
from handlers.meetings import declaration, paper  # noqa: E402
from handlers.meetings.admin import create_meeting  # noqa: E402
from handlers.members.roster import import_roster  # noqa: E402
from handlers.settings import Admin, Organisation  # noqa: E402
from handlers.votes.admin import close_vote, create_vote, open_vote  # noqa: E402
from handlers.votes.state import new_receipt  # noqa: E402
from storage import members as member_rows  # noqa: E402
from storage.votes import queries as store  # noqa: E402
from surveys.meetings.definitions import AgendaItem, Meeting  # noqa: E402
from surveys.votes.definitions import VoteDefinition, VoteOption  # noqa: E402

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
TARGET_SECONDS = 10.0
SEED = 20_261_206
START = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
CANDIDATES = ("Amber", "Birch", "Cedar", "Dara", "Eden", "Fern")
CHAT = ("telegram", "page", "sms")
RULES = """
[eligibility]
constituencies = ["tenant"]
[notice]
clear_days = 14
[quorum]
members = 20
[proxies]
allowed = false
"""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def ranking(rnd: random.Random) -> list[int]:
    order = rnd.sample(range(len(CANDIDATES)), k=rnd.randint(1, len(CANDIDATES)))
    return order


def main() -> None:
    rnd = random.Random(SEED)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "rules.toml").write_text(RULES)
        settings = dataclasses.replace(
            Settings(),
            folder=Path(folder),
            admin=Admin(officers=(OFFICER,)),
            organisation=Organisation(rules=str(Path(folder) / "rules.toml")),
        )
        clock = Clock()
        app = App(settings, clock=clock)
        ctx = app.ctx
        ids = [f"m{n:05d}" for n in range(MEMBERS)]
        roster = "member_id,name,email,constituency\n" + "".join(
            f"{m},Member {m},,tenant\n" for m in ids
        )
        roster += f"{OFFICER},Dee Officer,,staff\n"
        import_roster(ctx, io.StringIO(roster), skip_bad=False, actor="bench")
        meeting = Meeting(
            id="agm",
            title="Annual general meeting",
            starts=START + timedelta(days=20),
            agenda=(AgendaItem("Adopt the new rules", resolution="special"),),
        )
        create_meeting(ctx, meeting, "bench")
        window = {
            "opens": START + timedelta(days=15),
            "closes": START + timedelta(days=21),
            "reminder_hours": (),
            "meeting": "agm",
        }
        create_vote(
            ctx,
            VoteDefinition(
                id="board",
                title="Board",
                explanation="Three seats.",
                method="stv",
                seats=3,
                options=tuple(VoteOption(c) for c in CANDIDATES),
                **window,
            ),
            "bench",
        )
        create_vote(
            ctx,
            VoteDefinition(
                id="rules",
                title="Adopt the new rules",
                explanation="Special resolution.",
                method="resolution",
                resolution="special",
                **window,
            ),
            "bench",
        )
        clock.now = START + timedelta(days=15)
        for vote_id in ("board", "rules"):
            for _ in open_vote(ctx, vote_id):
                pass
        chat = ids[: MEMBERS * 85 // 100]
        for member in chat:  # reachable in chat, so that they are told the results
            member_rows.link_identity(ctx.db, "telegram", member, member, member, clock.now)
        on_paper = ids[len(chat) : len(chat) + MEMBERS * 125 // 1000]
        day = f"{clock.now:%Y-%m-%d}"
        started = time.perf_counter()
        for n, member in enumerate(chat):
            origin = CHAT[n % len(CHAT)]
            store.cast(
                ctx.db,
                "board",
                member,
                ",".join(map(str, ranking(rnd))),
                new_receipt,
                day,
                clock.now,
                channel=origin,
            )
            choice = "for" if rnd.random() < 0.78 else rnd.choice(("against", "abstain"))
            store.cast(ctx.db, "rules", member, choice, new_receipt, day, clock.now, channel=origin)
        rows = ["vote,member,choice,spoilt,origin"]
        for n, member in enumerate(on_paper):
            origin = "post" if n % 3 == 0 else "paper"
            spoilt = "two crosses" if n % 40 == 0 else ""
            rank = " > ".join(CANDIDATES[i] for i in ranking(rnd))
            rows.append(f"board,{member},{'' if spoilt else rank},{spoilt},{origin}")
            rows.append(f"rules,{member},{'for' if rnd.random() < 0.7 else 'against'},,{origin}")
        rows += [f"rules,{member},for,,paper" for member in chat[:20]]  # refused: voted in chat
        text = "\n".join(rows) + "\n"
        seeded = time.perf_counter()
        paper.enter(ctx, "agm", "Ann", paper.read_csv(ctx, "agm", text, "ann.csv"))
        differ = text.replace(",against,", ",for,", 5)  # Bo misreads five papers at first
        paper.enter(ctx, "agm", "Bo", paper.read_csv(ctx, "agm", differ, "bo.csv"))
        paper_page = asyncio.run(console_pages(app, ["/meetings/agm/paper"]))
        counted = paper.enter(ctx, "agm", "Bo", paper.read_csv(ctx, "agm", text, "bo.csv"))
        print(
            f"{MEMBERS:,} members; {len(chat):,} by chat ({', '.join(CHAT)}), "
            f"{len(on_paper):,} on paper or by post; chat ballots seeded in "
            f"{seeded - started:.1f} s"
        )
        print(
            f"two tellers' entries of {len(rows) - 1:,} paper rows read, compared and counted: "
            f"{time.perf_counter() - seeded:.2f} s; counted {counted['counted']}"
        )

        clock.now = START + timedelta(days=20, hours=3)
        t0 = time.perf_counter()
        for vote_id in ("board", "rules"):
            close_vote(ctx, vote_id, "bench")
        t1 = time.perf_counter()
        declared = declaration.declare(ctx, "agm", "Returning Officer")
        markdown = declaration.markdown(declared)
        t2 = time.perf_counter()
        write_pdf(declared, Path(folder) / "declaration.pdf")
        t3 = time.perf_counter()
        sent = sum(1 for _ in declaration.messages(ctx, declared))
        t4 = time.perf_counter()
        print(f"close both votes (count, seal, rebuild): {t1 - t0:.2f} s")
        print(f"declaration (data + Markdown, {len(markdown):,} characters): {t2 - t1:.2f} s")
        print(f"PDF: {t3 - t2:.2f} s")
        print(f"members' result messages ({sent:,}): {t4 - t3:.2f} s")
        total = t4 - t0
        print(
            f"close to declaration: {total:.2f} s; target {TARGET_SECONDS:.0f} s "
            f"({'met' if total < TARGET_SECONDS else 'MISSED'})"
        )
        for item in declared["items"]:
            print(
                f"  {item['vote']}: {item['headline']} turnout by origin {item['turnout_by_origin']}"
            )
        pages = ["/meetings/agm/declaration", "/meetings/agm/declaration.pdf", SIGN_OFF]
        timed = asyncio.run(console_pages(app, pages, sign_off=True))
        print("console, the officer signed in:")
        for path, (seconds, said) in {**paper_page, **timed}.items():
            print(f"  {path}: {seconds:.2f} s{f' ({said})' if said else ''}")
        app.db.close()


OFFICER = "o1"
SIGN_OFF = "/meetings/agm/declaration/sign-off"


async def console_pages(
    app: App, paths: list[str], sign_off: bool = False
) -> dict[str, tuple[float, str]]:
    """Seconds to answer each GET (and, with `sign_off`, the sign-off's POST), as served."""
    timed: dict[str, tuple[float, str]] = {}
    async with TestClient(TestServer(build(app))) as client:
        url = console.issue_link(app.ctx, OFFICER, "bench").url
        path = url.removeprefix(app.settings.web.base_url)
        form = await (await client.get(path)).text()
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', form)[1]  # type: ignore[index]
        await client.post("/signin", data={"csrf": token, "token": path.rsplit("/", 1)[1]})
        home = await (await client.get("/")).text()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', home)[1]  # type: ignore[index]
        for path in paths:
            started = time.perf_counter()
            answer = await client.get(path)
            body = await answer.read()
            timed[path] = (time.perf_counter() - started, f"{answer.status}, {len(body):,} bytes")
        if sign_off:
            started = time.perf_counter()
            answer = await client.post(SIGN_OFF, data={"csrf": csrf, "confirm": "yes"})
            page = await answer.text()
            found = re.search(r"Signed off by [^<]*", page)
            timed[f"POST {SIGN_OFF}"] = (
                time.perf_counter() - started,
                found[0] if found else "not signed off",
            )
    return timed


if __name__ == "__main__":
    main()
