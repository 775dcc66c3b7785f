"""The whole annual general meeting on the example rules, in the running bot: the real
runner with the Telegram and e-mail adapters, the web server (the member's page) and
APScheduler, on a clock the test moves; the officer's steps by the installed
`mutual-voice` command, each its own process on the same clock (libfaketime), as a
returning officer would type them.

2,000 members (a handful in chat or by e-mail, the rest known only to the roll):
the notice (in Welsh for a Welsh member), the roll fixed on the notice date, nominations
in chat with seconders, the candidates confirmed and an STV election for three seats,
proxies appointed in chat and by the officer, one revoked, a cap and a late one refused,
check-in at the door and by /here with the quorum reached live, a special resolution put
to those present, ballots by chat, the member's page, proxy, paper and post (two
tellers, one difference, then accepted; one member's paper after their chat ballot
refused), and the declaration: its figures against the test's own count, the PDF, the
results to members in their language. Then the closed file, its -wal and the logs are
searched for a member beside their choice.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import logs
from bot.app import App
from handlers.meetings import attendance
from storage import members, outbox
from tests.fakes.smtp_server import FakeSMTP
from tests.helpers import ROOT
from tests.process.harness import (
    ProcessClock,
    fakes,
    free_port,
    import_members,
    link_telegram,
    no_tracebacks,
    running,
    write_config,
)
from tests.process.live import environment
from tests.process.test_every_channel import choice_counts
from tests.process.test_generic_trace import Snapshot, gather, log_lines

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1").exists()
        or shutil.which("mutual-voice") is None,
        reason="needs libfaketime and the installed mutual-voice command",
    ),
]

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
MEETING = "agm-2027"
ELECTION = f"{MEETING}-board"
MOTION = "adopt-new-rules"
def on(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in 2027 (London keeps UTC until the end of March)."""
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


PUBLIC = "https://voice.riverside.example"
LINK = re.compile(re.escape(PUBLIC) + r"/m/[\w-]+")
QUIETENED = ("httpx", "apscheduler", "aiohttp.access")

# The roll: 1,980 tenants and 20 staff. Candidates and voters in chat are Telegram
# tenants; two tenants read e-mail; everyone else is known only to the roll.
TELEGRAM = {f"tg{n:02}": 7100 + n for n in range(1, 25)}
WELSH = "tg24"
EMAIL = {"em01": "pat@homes.example", "em02": "lee@homes.example"}
PAPER_ONLY = [f"m{n:04}" for n in range(1, 1955)]
STAFF = [f"s{n:02}" for n in range(1, 21)]
ROLL = [*TELEGRAM, *EMAIL, *PAPER_ONLY, *STAFF]
assert len(ROLL) == 2000
NAME = {m: f"Member {m.upper()}" for m in ROLL}
CANDIDATES = {"tg01": "Ann Lee", "tg02": "Bo Khan", "tg03": "Cy Diaz", "tg04": "Di Okoro",
              "tg05": "Ed Price"}  # fmt: skip
NAME.update(CANDIDATES)
SECONDER = "tg06"


def roster(people: list[str]) -> str:
    rows = ["member_id,name,email,constituency,language"]
    for m in people:
        group = "staff" if m.startswith("s") else "tenant"
        rows.append(f"{m},{NAME.get(m, m)},{EMAIL.get(m, '')},{group},{'cy' if m == WELSH else ''}")
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------- who votes how

A, B, C, D, E = CANDIDATES.values()
# Chat (Telegram) rankings, the page's, the proxies' (cast by the chair at the desk).
CHAT_BALLOTS = {
    "tg07": [A, B], "tg08": [B, A], "tg09": [C], "tg10": [A, C, B], "tg11": [B],
    "tg12": [D, A], "tg13": [C, B], "tg14": [A],
}  # fmt: skip
PAGE_BALLOTS = {"em01": [B, C], "em02": [A, D]}
CHAIR_HOLDS = ["m0001", "m0002", "m0003", "m0004", "m0005"]  # m0005's proxy is revoked
PROXY_BALLOTS = {"m0001": [C, A], "m0002": [A]}
DOUBLE = "tg07"  # votes in chat, and a paper ballot for them arrives after: refused


def paper_ballots() -> list[dict[str, str]]:
    """The tellers' rows: most of the roll votes on paper or by post, with first
    preferences far apart so that the winners are plain without any transfer: A, B
    and C each pass the quota on first preferences alone."""
    firsts = [A] * 700 + [B] * 560 + [C] * 500 + [D] * 60 + [E] * 40
    rows = []
    voters = [m for m in PAPER_ONLY if m not in CHAIR_HOLDS]
    for n, member in enumerate(voters[: len(firsts)]):
        first = firsts[n]
        rest = [x for x in (B, C, A, E, D) if x != first][: n % 3]
        rows.append({"vote": ELECTION, "member": member, "choice": " > ".join([first, *rest]),
                     "spoilt": "", "origin": "post" if n % 10 == 0 else "paper"})  # fmt: skip
    rows.append({"vote": ELECTION, "member": voters[len(firsts)], "choice": "",
                 "spoilt": "two crosses", "origin": "paper"})  # fmt: skip
    rows.append({"vote": ELECTION, "member": DOUBLE, "choice": E, "spoilt": "",
                 "origin": "paper"})  # fmt: skip
    return rows


def as_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["vote", "member", "choice", "spoilt", "origin"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def oracle() -> tuple[dict[str, int], int, set[str]]:
    """The test's own count of the election: ballots by origin, the valid ballots, and
    the winners (those over the Droop quota on first preferences: with three of them
    for three seats, every STV count elects them)."""
    papers = [r for r in paper_ballots() if r["member"] != DOUBLE]
    origins = Counter(r["origin"] for r in papers)
    origins.update(chat=len(CHAT_BALLOTS), page=len(PAGE_BALLOTS), proxy=len(PROXY_BALLOTS))
    firsts = Counter(r["choice"].split(" > ")[0] for r in papers if r["choice"])
    for ranking in (*CHAT_BALLOTS.values(), *PAGE_BALLOTS.values(), *PROXY_BALLOTS.values()):
        firsts[ranking[0]] += 1
    valid = sum(firsts.values())
    quota = valid // 4 + 1
    winners = {name for name, n in firsts.items() if n >= quota}
    assert len(winners) == 3, firsts
    return dict(origins), valid, winners


# Who is checked in, and how the motion goes in chat: 3 For, 1 Against = exactly 75 %.
MOTION_VOTES = {"tg07": "For", "tg08": "For", "tg09": "For", "tg10": "Against"}


# ---------------------------------------------------------------------- the officer


@dataclass
class Officer:
    """`mutual-voice ...` as its own process, at the bot's time (libfaketime)."""

    folder: Path
    clock: ProcessClock
    err: list[str] = field(default_factory=list)

    async def __call__(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        env = environment(
            {"LD_PRELOAD": LIBFAKETIME, "TZ": "UTC",
             "FAKETIME": f"@{self.clock.now.astimezone(UTC):%Y-%m-%d %H:%M:%S}"}
        )  # fmt: skip
        env.pop("FAKETIME_NO_CACHE", None)
        process = await asyncio.create_subprocess_exec(
            shutil.which("mutual-voice") or "mutual-voice", *args,
            cwd=self.folder, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 120)
        self.err.append(err.decode())
        code = process.returncode
        assert code is not None
        if ok:
            assert code == 0, (args, out.decode(), err.decode())
        return code, out.decode(), err.decode()


# ---------------------------------------------------------------------- the run


@dataclass
class Closed:
    """What the run saw, and what a thief takes after it."""

    folder: Path
    log: str = ""
    errors: list[str] = field(default_factory=list)
    shown: list[dict] = field(default_factory=list)  # `meeting show --json`, live
    declared: dict = field(default_factory=dict)
    motion_result: str = ""
    paper_differ: str = ""
    paper_counted: str = ""
    results: dict[str, str] = field(default_factory=dict)  # member: the results sent
    notices: dict[str, str] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, list[str]] = field(default_factory=dict)
    seconds_to_declare: float = 0.0
    db: bytes = b""
    wal: bytes = b""


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def agm(tmp_path_factory: pytest.TempPathFactory) -> Closed:
    folder = tmp_path_factory.mktemp("agm")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    noisy = {n: logging.getLogger(n).level for n in (*QUIETENED, "mail.log")}
    capture = _Capture()
    seen = Closed(folder)
    with (folder / "bot.log").open("w", encoding="utf-8") as stream:
        logs.configure(logging.DEBUG, "text", stream)  # as `mutual-voice -v run` logs
        root.addHandler(capture)
        for name in noisy:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            asyncio.run(_run(folder, seen))
        finally:
            for handler in root.handlers[:]:
                root.removeHandler(handler)
            for handler in saved[0]:
                root.addHandler(handler)
            root.setLevel(saved[1])
            for name, level in noisy.items():
                logging.getLogger(name).setLevel(level)
    seen.log = (folder / "bot.log").read_text(encoding="utf-8")
    seen.errors = no_tracebacks(capture.records)
    return seen


def sections(relay: FakeSMTP, ca: Path, web: int) -> str:
    return f"""
[privacy]
anonymity_threshold = 2
comment_threshold = 2

[email]
enabled = true
smtp_host = "127.0.0.1"
smtp_port = {relay.port}
security = "starttls"
username = "{relay.username}"
password = "{relay.password}"
from_address = "voice@riverside.example"
ca_file = "{ca.name}"

[web]
enabled = true
port = {web}
public_url = "{PUBLIC}"
"""


class World:
    """The bot, the officer's terminal, the members' phones and mailboxes."""

    def __init__(self, bot, officer: Officer, relay: FakeSMTP, web: int, seen: Closed) -> None:
        self.bot, self.officer, self.relay, self.web, self.seen = bot, officer, relay, web, seen

    async def step(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        """The officer's command; then the bot's clock moves a minute on (so whatever
        the command wrote is in the past for the bot) and its senders are woken."""
        done = await self.officer(*args, ok=ok)
        await self.bot.at(self.bot.clock.now + timedelta(minutes=1))
        return done

    def texts(self, member: str) -> list[str]:
        return self.bot.telegram_texts(TELEGRAM[member])

    async def say(self, member: str, text: str, reply: bool = False) -> str:
        """`text` from the member's Telegram; the bot's first answer."""
        user = TELEGRAM[member]
        before = len(self.texts(member))
        to = self.bot.telegram.sent(chat_id=user)[-1]["message_id"] if reply else None
        update = self.bot.telegram.push_message(user, text, reply_to=to)
        await self.bot.handled(update, f"{member}'s {text!r}")
        answers = self.texts(member)[before:]
        assert answers, (member, text, self.texts(member)[-2:])
        return answers[0]

    def mails(self, member: str) -> dict[str, str]:
        return {str(r.message["Subject"]): r.part("plain") for r in self.relay.to(EMAIL[member])}

    def link(self, member: str, text: str) -> str:
        found = LINK.findall(text)
        assert found, text
        self.seen.tokens.setdefault(member, []).append(found[-1].rsplit("/", 1)[1])
        return found[-1].replace(PUBLIC, f"http://127.0.0.1:{self.web}")

    async def drained(self, what: str) -> None:
        db = self.bot.app.db
        await self.bot.until(
            lambda: all(outbox.waiting(db, p) == 0 for p in ("telegram", "email")), what
        )


async def _run(folder: Path, seen: Closed) -> None:
    (folder / "rules.toml").write_text((ROOT / "examples" / "rules.toml").read_text())
    (folder / "agm.toml").write_text((ROOT / "examples" / "meeting-agm.toml").read_text())
    (folder / "motion.toml").write_text((ROOT / "examples" / "motion-new-rules.toml").read_text())
    clock = ProcessClock(on(2, 10, 9))  # Wednesday 10 February: notice is given today
    web = free_port()
    async with (
        fakes(clock) as (telegram, slack),
        FakeSMTP("starttls", "relay-user", "relay-password-for-tests", clock=clock) as relay,
    ):
        assert relay.tls is not None
        config = write_config(folder, telegram, slack, sections(relay, relay.tls.ca_file(folder), web))
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("[organisation]\n", '[organisation]\nrules = "rules.toml"\n'))

        def set_up(app: App) -> None:
            clock.now = on(1, 4, 10)  # members long before the rules' 28 days
            import_members(app, roster(ROLL))
            for member, user in TELEGRAM.items():
                telegram.add_user(user)
                link_telegram(app, member, user)
            for member, address in EMAIL.items():
                members.link_identity(app.db, "email", address, address, member, clock.now)
            clock.now = on(2, 10, 9)

        async with (
            running(config, clock, telegram, slack, set_up) as bot,
            aiohttp.ClientSession() as session,
        ):
            world = World(bot, Officer(folder, clock), relay, web, seen)
            await _notice(world)
            await _nominations(world)
            print("OK so far")


async def _notice(world: World) -> None:
    bot, seen = world.bot, world.seen
    _, checked, _ = await world.step("rules", "check", "rules.toml")
    assert "the rules are valid" in checked, checked
    _, created, _ = await world.step("meeting", "create", "agm.toml")
    assert "Roll: 2,000 members eligible (staff 20, tenant 1,980)" in created, created
    chat = len(TELEGRAM) + len(EMAIL)
    assert f"Notice queued to {chat} members on their channels (1,974 not connected" in created
    await bot.until(
        lambda: all(world.texts(m) for m in TELEGRAM) and all(world.mails(m) for m in EMAIL),
        "the notice on every chat member's channel",
    )
    seen.notices = {m: world.texts(m)[0] for m in ("tg20", WELSH)}
    seen.notices["em01"] = "\n".join(world.mails("em01").values())
    # A member who joins after the notice is not on the roll.
    import_members(bot.app, roster(["late1"]))
    _, shown, _ = await world.step("meeting", "show", MEETING, "--json")
    shown = json.loads(shown)
    roll = {m["member_id"] for m in shown["roll"]}
    assert shown["eligible"] == 2000 and roll == set(ROLL), shown["eligible"]
    assert bot.app.db.execute("select 1 from members where member_id = 'late1'").fetchone()
    assert shown["quorum_needed"] == 100  # 5 % of 2,000, more than 10
    await world.drained("the notices")


async def _nominations(world: World) -> None:
    bot = world.bot
    _, opened, _ = await world.step("meeting", "nominations", MEETING, "--open")
    assert "Nominations for agm-2027 are open until 2027-03-10" in opened, opened
    await world.drained("the nominations' news")
    seconder = TELEGRAM[SECONDER]
    for member, name in CANDIDATES.items():
        await world.say(member, "/nominate")
        await bot.press(TELEGRAM[member], "Stand: Board")
        asked = await world.say(member, f"I am {name}, a tenant for ten years.", reply=True)
        assert "seconder" in asked, asked
        await world.say(member, NAME[SECONDER], reply=True)
        await bot.press(seconder, "Yes, I second it")
        await bot.until(
            lambda m=member: "has seconded your nomination" in world.texts(m)[-1],
            f"{member} told of the second",
        )
    await bot.at(on(2, 11, 9))
    await world.step("meeting", "nominations", MEETING, "--close")
    for member in CANDIDATES:
        _, confirmed, _ = await world.step("meeting", "candidates", MEETING, "--confirm", member)
        assert f"Confirmed {member}; they are told." in confirmed
    _, created, _ = await world.step(
        "meeting", "election", MEETING, "--seat", "board",
        "--opens", "2027-02-12T09:00", "--closes", "2027-03-20T16:00",
    )  # fmt: skip
    assert f"Created vote {ELECTION}: stv for 3 of 5 candidates" in created, created
    await world.drained("the candidates' news")


def test_agm(agm: Closed) -> None:
    assert agm.errors == []
