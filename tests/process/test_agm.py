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
import re
import shutil
import sqlite3
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
from handlers.meetings.notice import IN_PERSON
from storage import members, outbox
from storage.votes import queries as votes
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
from tests.process.test_every_channel import _Capture, choice_counts
from tests.process.test_generic_trace import Snapshot, gather, log_lines

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not LIBFAKETIME.exists() or shutil.which("mutual-voice") is None,
        reason="needs libfaketime and the installed mutual-voice command",
    ),
]
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
# Chat ids long enough never to stand by chance in a key, a token or a count.
TELEGRAM = {f"tg{n:02}": 5_100_000_000 + 7919 * n for n in range(1, 25)}
WELSH = "tg24"
EMAIL = {"em01": "pat@homes.example", "em02": "lee@homes.example"}
PAPER_ONLY = [f"m{n:04}" for n in range(1, 1955)]
STAFF = [f"s{n:02}" for n in range(1, 21)]
ROLL = [*TELEGRAM, *EMAIL, *PAPER_ONLY, *STAFF]
assert len(ROLL) == 2000
NAME = {m: f"Member {m.upper()}" for m in ROLL}
CANDIDATES = {"tg01": "Ann Lee", "tg02": "Bo Khan", "tg03": "Cy Diaz", "tg04": "Di Okoro"}
NAME.update(CANDIDATES)
SECONDER = "tg06"
JOINED_LATE = "j0113"  # joined 13 January at noon: 28 days before the 11th, not the 10th


def roster(people: list[str]) -> str:
    rows = ["member_id,name,email,constituency,language"]
    for m in people:
        group = "staff" if m.startswith("s") else "tenant"
        rows.append(f"{m},{NAME.get(m, m)},{EMAIL.get(m, '')},{group},{'cy' if m == WELSH else ''}")
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------- who votes how

A, B, C, D = CANDIDATES.values()
# Chat (Telegram) rankings, the page's, the proxies' (cast by the chair at the desk).
CHAT_BALLOTS = {"tg07": [A, B], "tg08": [B, A], "tg09": [C], "tg10": [A, C, B], "tg11": [D, A]}
PAGE_BALLOTS = {"em01": [B, C], "em02": [A, D]}
CHAIR_HOLDS = ["tg17", "tg18", "tg19", "tg20", "tg21"]  # in chat; the officer revokes tg21's
HOLDER = "tg16"  # holds tg15's proxy (appointed in chat) and m0001's (by the officer)
PROXY_BALLOTS = {"tg17": [C, A], "tg18": [A]}
DOUBLE = "tg07"  # votes in chat, and a paper ballot for them arrives after: refused


def paper_ballots() -> list[dict[str, str]]:
    """The tellers' rows: most of the roll votes on paper or by post, with first
    preferences far apart so that the winners are plain without any transfer: A, B
    and C each pass the quota on first preferences alone."""
    firsts = [A] * 700 + [B] * 560 + [C] * 500 + [D] * 150
    rows = []
    voters = [m for m in PAPER_ONLY if m != "m0001"]
    for n, member in enumerate(voters[: len(firsts)]):
        first = firsts[n]
        rest = [x for x in (B, C, A, D) if x != first][: n % 3]
        rows.append({"vote": ELECTION, "member": member, "choice": " > ".join([first, *rest]),
                     "spoilt": "", "origin": "post" if n % 10 == 0 else "paper"})  # fmt: skip
    rows.append({"vote": ELECTION, "member": voters[len(firsts)], "choice": "",
                 "spoilt": "two crosses", "origin": "paper"})  # fmt: skip
    rows.append({"vote": ELECTION, "member": DOUBLE, "choice": D, "spoilt": "",
                 "origin": "paper"})  # fmt: skip
    return rows


def as_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["vote", "member", "choice", "spoilt", "origin"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def oracle() -> tuple[dict[str, int], dict[str, int], set[str]]:
    """The test's own count of the election: ballots by origin, first preferences, and
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
    return dict(origins), dict(firsts), winners


# Who is checked in, and how the motion goes in chat: 3 For, 1 Against = exactly 75 %.
MOTION_VOTES = {"tg07": "For", "tg08": "For", "tg09": "Against"}
MOTION_BY_PROXY = {"tg15": "For"}  # cast by HOLDER in the room: nobody instructs on a motion


# ---------------------------------------------------------------------- the officer


@dataclass
class Officer:
    """`mutual-voice -v ...`, the installed command, as its own process in the bot's
    folder and at the bot's time: libfaketime starts its clock where the bot's stands
    (whatever the wall clock, or an outer `faketime`, says). What it logs, at every
    level, is kept in `err`."""

    folder: Path
    clock: ProcessClock
    err: list[str] = field(default_factory=list)

    async def __call__(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        now = f"@{self.clock.now.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
        env = environment({"LD_PRELOAD": str(LIBFAKETIME), "TZ": "UTC", "FAKETIME": now})
        process = await asyncio.create_subprocess_exec(
            shutil.which("mutual-voice") or "mutual-voice", "-v", *args,
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
    cli_errors: list[str] = field(default_factory=list)  # what the commands wrote to stderr
    public: list[str] = field(default_factory=list)  # what every member of the roll was told
    seconds_to_declare: float = 0.0
    db: bytes = b""
    wal: bytes = b""


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
        config = write_config(
            folder, telegram, slack, sections(relay, relay.tls.ca_file(folder), web)
        )
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace("[organisation]\n", '[organisation]\nrules = "rules.toml"\n')
        )

        def set_up(app: App) -> None:
            clock.now = on(1, 4, 10)  # members long before the rules' 28 days
            # The candidates last: their names stand far from the voters' rows in the file.
            import_members(app, roster([*(m for m in ROLL if m not in CANDIDATES), *CANDIDATES]))
            for member, user in TELEGRAM.items():
                telegram.add_user(user)
                link_telegram(app, member, user)
            for member, address in EMAIL.items():
                members.link_identity(app.db, "email", address, address, member, clock.now)
            # A member for 28 days by the election's creation, not by the notice: off the
            # roll, and so out of the election too.
            clock.now = on(1, 13, 12)
            import_members(app, roster([JOINED_LATE]))
            clock.now = on(2, 10, 9)

        async with (
            running(config, clock, telegram, slack, set_up) as bot,
            aiohttp.ClientSession() as session,
        ):
            world = World(bot, Officer(folder, clock, seen.cli_errors), relay, web, seen)
            await _notice(world)
            await _nominations(world)
            await _proxies(world)
            await _early_ballots(world, session)
            await _meeting_day(world)
            await _paper_and_proxy_ballots(world)
            await _declare(world)


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
    # A member added after the notice is not on the roll (nor, under the example rules,
    # a member for 28 days by then: either keeps them off).
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
    assert f"Created vote {ELECTION}: stv for 3 of 4 candidates" in created, created
    await world.drained("the candidates' news")


async def _proxies(world: World) -> None:
    """Thursday 11 February: members appoint proxies in chat; the officer enters a form."""
    seen = world.seen
    for member in CHAIR_HOLDS:
        done = await world.say(member, "/proxy chair")
        assert "is your proxy at Annual general meeting 2027" in done, done
    _, done, _ = await world.step(
        "meeting", "proxy", MEETING, "--member", "m0001", "--holder", HOLDER
    )
    assert done.startswith(f"m0001 appointed {NAME[HOLDER]}"), done
    code, _, refused = await world.step(
        "meeting", "proxy", MEETING, "--member", "m0002", "--holder", "chair", ok=False
    )
    assert code == 1
    seen.refusals["cap"] = refused
    _, revoked, _ = await world.step("meeting", "proxy", MEETING, "--member", "tg21", "--revoke")
    assert revoked.strip() == f"tg21's proxy for {MEETING} is revoked.", revoked
    done = await world.say("tg15", f"/proxy {NAME[HOLDER]}")
    assert "is your proxy at" in done and NAME[HOLDER] in done, done
    await world.drained("the proxies' replies")


def has_button(bot, user: int, label: str) -> bool:
    """Whether the latest message to `user` has a button labelled `label`."""
    rows = (bot.telegram.sent(chat_id=user)[-1].get("reply_markup") or {}).get(
        "inline_keyboard", []
    )
    return any(label in b["text"] for row in rows for b in row)


def rank_boxes(page: str, ranking: list[str]) -> dict[str, str]:
    """The numbers to type in the page's ranking boxes for `ranking`."""
    boxes = {}
    for box, label in re.findall(r'<label for="(rank-\d+)">(.*?)</label>', page, re.S):
        name = html.unescape(re.sub(r"<[^>]+>", "", label)).strip("\u2066\u2067\u2068\u2069 \n")
        found = [n for n in ranking if name.endswith(n)]
        boxes[box] = str(ranking.index(found[0]) + 1) if found else ""
    assert sum(1 for v in boxes.values() if v) == len(ranking), (boxes, ranking)
    return boxes


async def _early_ballots(world: World, session: aiohttp.ClientSession) -> None:
    """Friday 12 February, 09:00: the election opens; members vote in chat and on the
    member's page, from the link in their e-mail."""
    bot = world.bot
    await bot.at(on(2, 12, 9))
    await bot.until(
        lambda: (
            all(any(A in t for t in world.texts(m)[-3:]) for m in CHAT_BALLOTS)
            and all(len(world.mails(m)) >= 3 for m in EMAIL)
        ),
        "the election's candidates on every channel",
    )
    for member, ranking in CHAT_BALLOTS.items():
        user = TELEGRAM[member]
        await bot.press(user, "Vote now")
        for name in ranking:
            await bot.press(user, name)
        if has_button(bot, user, "Done"):
            await bot.press(user, "Done")
        await bot.press(user, "Confirm")
        assert "your vote is cast" in world.texts(member)[-1], world.texts(member)[-1]
    for member, ranking in PAGE_BALLOTS.items():
        (mail,) = [m for m in world.mails(member).values() if "Ann Lee" in m and LINK.search(m)]
        url = world.link(member, mail)
        async with session.get(url) as page:
            assert page.status == 200, await page.text()
            body = await page.text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', body)
        assert csrf, body
        form = {"csrf": csrf.group(1), **rank_boxes(body, ranking)}
        async with session.post(url, data=form) as sent:
            assert sent.status == 200, await sent.text()
            cast = await sent.text()
        assert re.search(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b", cast), cast
    await world.drained("the ballots' receipts")


DOOR = PAPER_ONLY[100:190]  # checked in by the tellers at the door
LETTER = "m0300"  # checked in by the code on their invite letter
PRESENT_ONLY = "tg22"  # checks in, and casts nothing


async def _meeting_day(world: World) -> None:
    bot, seen = world.bot, world.seen
    await bot.at(on(3, 19, 10))  # the day before: too late to appoint a proxy
    code, _, late = await world.step(
        "meeting", "proxy", MEETING, "--member", "m0006", "--holder", "chair", ok=False
    )
    assert code == 1
    seen.refusals["late"] = late
    _, issued, _ = await world.step("members", "invite", "--member", LETTER, "--json", "--yes")
    (letter,) = json.loads(issued)
    # Saturday 20 March, 13:05: check-in is open. The tellers at the door check in 90
    # members as the console's form does (one call each, as a teller's click).
    await bot.at(on(3, 20, 13, 5))
    for member in DOOR:
        attendance.check_in(bot.app.ctx, MEETING, member, IN_PERSON, "teller")
    seen.shown.append(json.loads((await world.step("meeting", "show", MEETING, "--json"))[1]))
    _, one, _ = await world.step("meeting", "checkin", MEETING, "--member", "tg08")
    assert "Checked in tg08 (in person)." in one and "Quorum not reached: 95 of 100" in one, one
    _, two, _ = await world.step("meeting", "checkin", MEETING, "--code", letter["code"])
    assert f"Checked in {LETTER} (in person)." in two, two
    _, three, _ = await world.step("meeting", "checkin", MEETING, "--member", "tg09", "--online")
    assert "Checked in tg09 (online)." in three and "Quorum not reached: 97 of 100" in three
    seen.shown.append(json.loads((await world.step("meeting", "show", MEETING, "--json"))[1]))
    for member in ("tg07", "tg10", HOLDER):
        await world.say(member, "/here")
        await bot.press(TELEGRAM[member], "I'm in the room")
    seen.shown.append(json.loads((await world.step("meeting", "show", MEETING, "--json"))[1]))

    # Five more join online before the motion is put.
    for member in ("tg11", "tg12", "tg13", "tg14", PRESENT_ONLY):
        await world.say(member, "/here")
        await bot.press(TELEGRAM[member], "I'm online")

    # 14:05: the special resolution, put to those present, voted in chat; the chair closes it.
    await bot.at(on(3, 20, 14, 5))
    _, put, _ = await world.step("meeting", "motion", MEETING, "motion.toml")
    # Put to those present and those present by proxy: their holder in the room is told.
    assert (
        "Put adopt-new-rules to the 101 members present and 6 members by proxy (tg16 holds 2, "
        "the chair holds 4)" in put
    ), put
    assert "11 messages sent in chat" in put, put  # 10 ballots in chat, 1 to the holder
    await world.drained("the motion's ballots")
    for member, choice in MOTION_VOTES.items():
        await bot.press(TELEGRAM[member], "Vote now")
        await bot.press(TELEGRAM[member], choice)
        await bot.press(TELEGRAM[member], "Confirm")
        assert "your vote is cast" in world.texts(member)[-1], world.texts(member)[-1]
    for member, choice in MOTION_BY_PROXY.items():
        await bot.press(TELEGRAM[HOLDER], f"For {NAME[member]} (proxy)")
        await bot.press(TELEGRAM[HOLDER], choice)
        await bot.press(TELEGRAM[HOLDER], "Confirm")
        thanks = world.texts(HOLDER)[-1]
        assert thanks.startswith(f"Thank you: {NAME[member]}'s vote in"), thanks
    _, closed, _ = await world.step("vote", "close", MOTION, "--yes")
    seen.motion_result = closed
    await world.drained("the motion's result")


async def _paper_and_proxy_ballots(world: World) -> None:
    """14:30: the chair's proxies at the tellers' desk; the two tellers' paper entries."""
    seen, folder = world.seen, world.officer.folder
    await world.bot.at(on(3, 20, 14, 30))
    for member, ranking in PROXY_BALLOTS.items():
        choices = [x for name in ranking for x in ("--choice", name)]
        _, cast, _ = await world.step(
            "meeting", "proxy-vote", MEETING, "--holder", "chair", "--member", member,
            "--vote", ELECTION, *choices,
        )  # fmt: skip
        assert f"{member}'s ballot in {ELECTION} is cast by proxy" in cast, cast
    rows = paper_ballots()
    (folder / "ann.csv").write_text(as_csv(rows), encoding="utf-8")
    slip = dict(rows[10], choice=D)  # Bo reads one paper differently
    (folder / "bo.csv").write_text(as_csv([*rows[:10], slip, *rows[11:]]), encoding="utf-8")
    _, first, _ = await world.step("meeting", "paper", MEETING, "ann.csv", "--teller", "Ann Teller")
    code, differ, _ = await world.step(
        "meeting", "paper", MEETING, "bo.csv", "--teller", "Bo Teller", ok=False
    )
    assert code == 1, differ
    seen.paper_differ = differ
    _, counted, _ = await world.step(
        "meeting", "paper", MEETING, "--accept", "Ann Teller", "--returning-officer", "Dee Officer"
    )
    seen.paper_counted = counted


async def _declare(world: World) -> None:
    """16:00: the election closes; the returning officer declares at once."""
    bot, seen, folder = world.bot, world.seen, world.officer.folder
    await bot.at(on(3, 20, 16))
    db = bot.app.db
    # Closed, and its close finished: its own result messages queued ("result" noted), so
    # the declaration's results come after them whatever the load.
    await bot.until(
        lambda: (
            db.execute("select status from votes where vote_id = ?", [ELECTION]).fetchone()[0]
            == "closed"
            and "result" in votes.notices(db, ELECTION)
        ),
        "the election's close to finish",
    )
    started = time.monotonic()
    _, declared, _ = await world.officer(
        "meeting", "declare", MEETING, "--returning-officer", "Dee Officer",
        "--pdf", "declaration.pdf", "--json", "--tell-members",
    )  # fmt: skip
    seen.seconds_to_declare = time.monotonic() - started
    seen.declared = json.loads(declared)
    await bot.at(bot.clock.now + timedelta(minutes=1))
    await world.drained("the results to members")
    seen.results = {
        m: next(t for t in reversed(world.texts(m)) if t.startswith(("Results:", "Canlyniadau:")))
        for m in ("tg20", WELSH)
    }
    # tg22 checked in and cast nothing: what they were sent, every member present was.
    seen.public = world.texts(PRESENT_ONLY)
    path = folder / "mv.db"
    wal = Path(f"{path}-wal")
    seen.db, seen.wal = path.read_bytes(), wal.read_bytes() if wal.exists() else b""
    (folder / "thief.db").write_bytes(seen.db)  # what the attack reads, kept to look at
    (folder / "thief.db-wal").write_bytes(seen.wal)


def test_an_agm_from_notice_to_declaration_and_its_secrecy(agm: Closed, tmp_path: Path) -> None:
    """One test, so that `-n 2` never runs the meeting twice (on both workers)."""
    an_agm_from_notice_to_declaration_by_the_example_rules(agm)
    no_record_pairs_a_member_with_their_choice(agm, tmp_path)


def an_agm_from_notice_to_declaration_by_the_example_rules(agm: Closed) -> None:
    assert agm.errors == [], agm.errors
    assert not [e for e in agm.cli_errors if "Traceback" in e], agm.cli_errors
    # The notice, on each member's channel, in their language.
    assert agm.notices["tg20"].startswith("Notice of a general meeting: Annual general meeting")
    assert agm.notices[WELSH].startswith("Hysbysiad o gyfarfod cyffredinol: Annual general")
    assert "Pryd: ddydd Sadwrn 20 Mawrth am 14:00" in agm.notices[WELSH], agm.notices[WELSH]
    assert "Riverside Community Hall" in agm.notices["em01"]
    # Proxies: the cap and the deadline, in plain words.
    assert agm.refusals["cap"].strip() == (
        "Error: No one may hold a proxy for more than 5 members: the chair holds 5."
    )
    assert agm.refusals["late"].strip() == (
        "Error: Too late: proxies had to be appointed by Thursday 18 March at 14:00."
    )
    # The quorum, live: 5 % of 2,000 is 100; present in person, online and by proxy.
    assert [(s["eligible"], "late1" in {m["member_id"] for m in s["roll"]}) for s in agm.shown] == [
        (2000, False)
    ] * 3  # the roll, as fixed on the notice date
    quorums = [(s["present"], s["quorum"]) for s in agm.shown]
    assert quorums == [
        ({"in-person": 90, "online": 0, "proxy": 4}, {"needed": 100, "present": 94, "reached": False}),
        ({"in-person": 92, "online": 1, "proxy": 4}, {"needed": 100, "present": 97, "reached": False}),
        ({"in-person": 95, "online": 1, "proxy": 6}, {"needed": 100, "present": 102, "reached": True}),
    ], quorums  # fmt: skip
    assert agm.shown[-1]["proxies"]["holders"] == [
        {"count": 4, "holder": "chair", "members": CHAIR_HOLDS[:4]},
        {"count": 2, "holder": HOLDER, "members": ["m0001", "tg15"]},
    ]
    # The special resolution at exactly 75 %: the rules' "at least 75%" passes it.
    assert (
        "Special resolution: 75% of votes cast were For; 75% were needed. Passed."
        in agm.motion_result
    ), agm.motion_result
    # Two tellers: the difference shown by member and line, never the choices; then accepted.
    assert "differ in 1 row; nothing is counted" in agm.paper_differ, agm.paper_differ
    assert "member m0012: choice differ (line 12 of Ann Teller's entry" in agm.paper_differ
    assert not any(name in agm.paper_differ for name in CANDIDATES.values()), agm.paper_differ
    assert "agm-2027-board: 1,910 ballots counted" in agm.paper_counted, agm.paper_counted
    assert "1 spoilt: two crosses" in agm.paper_counted
    double = "1 refused: the member had already voted another way, and the first ballot counts"
    assert double in agm.paper_counted, agm.paper_counted

    # The declaration, against the test's own count.
    declared = agm.declared
    assert declared["eligible"] == 2000 and declared["returning_officer"] == "Dee Officer"
    assert declared["quorum"]["reached"] and declared["quorum"]["needed"] == 100
    election, motion = declared["items"]
    origins, firsts, winners = oracle()
    valid = sum(firsts.values())
    # The tenants on the roll (not JOINED_LATE, a tenant for 28 days by the election's
    # creation but not by the notice).
    assert election["vote"] == ELECTION and election["electorate"] == 1980
    by_origin = {
        ("chat" if k == "telegram" else k): n for k, n in election["turnout_by_origin"].items()
    }
    assert by_origin == origins, (by_origin, origins)
    assert election["voted"] == sum(origins.values())
    assert election["count"]["valid"] == valid and election["spoilt"] == {"two crosses": 1}
    assert election["refused"] == {double.split(": ", 1)[1]: 1}
    assert set(election["count"]["elected"]) == winners, election["headline"]
    first, *_later = election["count"]["stages"]  # the STV count, stage by stage
    assert first["action"] == "first preferences"
    assert {n: float(v) for n, v in first["votes"].items()} == firsts, first["votes"]
    assert set(first["elected"]) == winners  # each over the quota at once
    assert motion["vote"] == MOTION and motion["count"]["for"] == 3
    # 3 in chat and 1 by proxy: origins under the anonymity threshold are merged, or the
    # proxy's one ballot would be told apart.
    assert motion["count"]["against"] == 1 and motion["turnout_by_origin"] == {"other": 4}
    assert (agm.folder / "declaration.pdf").read_bytes().startswith(b"%PDF")
    # Members are told, in their language.
    assert agm.results["tg20"].startswith("Results: Annual general meeting 2027")
    assert "Elected: " in agm.results["tg20"] and "Passed." in agm.results["tg20"]
    assert agm.results[WELSH].startswith("Canlyniadau: Annual general meeting 2027")
    assert "Wedi'u hethol: " in agm.results[WELSH], agm.results[WELSH]
    for name in winners:
        assert name in agm.results["tg20"] and name in agm.results[WELSH]
    print(f"declaration produced {agm.seconds_to_declare:.1f} s after the close")


# ---------------------------------------------------------------------- the secrecy attack

# Whose records are searched: members who voted in chat, on the page, by proxy, on paper.
ELECTION_CHOICE = {
    **{m: r[0] for m, r in CHAT_BALLOTS.items()},
    **{m: r[0] for m, r in PAGE_BALLOTS.items()},
    **{m: r[0] for m, r in PROXY_BALLOTS.items()},
    **{r["member"]: r["choice"].split(" > ")[0] for r in paper_ballots()
       if r["member"] in ("m0012", "m0030", "m1500")},
}  # fmt: skip
NAMES = tuple(CANDIDATES.values())
MOTION_LABELS = ("For", "Against", "Abstain")


def identifiers(agm: Closed) -> dict[str, list[bytes]]:
    found = {}
    for m in (*ELECTION_CHOICE, *MOTION_BY_PROXY):
        forms = [m, NAME[m], *agm.tokens.get(m, [])]
        forms += [str(TELEGRAM[m])] if m in TELEGRAM else []
        forms += [EMAIL[m]] if m in EMAIL else []
        found[m] = [f.encode() for f in forms]
    return found


# Where a stored text breaks: an escape (JSON's \\n or \\u2022, repr's \\xe2), a line
# break, a quote, or a byte that is no text (a record's header, a cell written over).
BREAK = re.compile(r"(\\+(?:n|x[0-9a-f]{2}|u[0-9a-f]{4})|[\n\"']|[\x00-\x1f\ufffd])")
HARD = re.compile(r"[\x00-\x09\x0b-\x1f\ufffd]")  # no text: what stood there was cut


def runs(text: str) -> list[tuple[str, bool]]:
    """The runs of `text` between breaks, each with whether it was cut (at an edge, or
    against bytes that are no text)."""
    parts = BREAK.split(text)
    found = []
    for n in range(0, len(parts), 2):
        before = parts[n - 1] if n else ""
        after = parts[n + 1] if n + 1 < len(parts) else ""
        cut = n == 0 or n + 1 >= len(parts) or bool(HARD.match(before) or HARD.match(after))
        found.append((parts[n].strip(" \\"), cut))
    return found


def without_public(blobs: list[bytes], public: list[str]) -> list[bytes]:
    """`blobs` without the runs of text that every member present was told (the
    statements, the ballots, the results): whole, or cut short by a window's edge or a
    record written over them. A run that only stands inside a passage told to everyone
    ("Ann Lee, Bo Khan") is kept, as is a bare name or choice: that is what a record
    pairing a member with their choice would hold."""
    forms = [f for t in public for f in (t, json.dumps(t), repr(t.encode()))]  # as kept
    told = {run for text in forms for run, _ in runs(text) if run}
    ends = {t[:n] for t in told for n in range(1, len(t))} | {
        t[n:] for t in told for n in range(1, len(t))
    }
    bare = {*NAMES, *MOTION_LABELS}
    found = []
    for blob in blobs:
        kept = [
            run
            for run, cut in runs(blob.decode("utf-8", "replace"))
            if run and (run in bare or not (run in told or (cut and run in ends)))
        ]
        found.append(" | ".join(kept).encode())
    return found


def no_record_pairs_a_member_with_their_choice(agm: Closed, tmp_path: Path) -> None:
    """The closed file, its -wal and the logs (the bot's at every level, the commands'),
    as a thief would take them: nothing that names a voter (id, name, chat id, address,
    page token) says what they chose in the election or the motion."""
    ids = identifiers(agm)
    records = gather(Snapshot(0, agm.db, agm.wal), ids, tmp_path / "scratch")
    in_log = log_lines(agm.log + "\n".join(agm.cli_errors), ids)
    assert records.tables > 20  # the whole schema was read
    copy = sqlite3.connect(tmp_path / "scratch" / "copy.db")
    assert copy.execute("select count(*) from paper_entries").fetchone() == (0,)
    ballots = dict(
        copy.execute("select receipt, choice from vote_ballots where vote_id = ?", [ELECTION])
    )
    assert len(ballots) == sum(
        oracle()[1].values()
    )  # the valid ones: a spoilt paper is counted, not kept
    copy.close()
    for m in ids:
        blobs = {
            "rows": records.blobs["rows"][m],
            "file": records.blobs["file"][m],
            "wal": records.blobs["wal"][m],
            "log": in_log[m],
        }
        checks = [(NAMES, ELECTION_CHOICE[m])] if m in ELECTION_CHOICE else []
        motion = MOTION_VOTES.get(m) or MOTION_BY_PROXY.get(m)
        if motion:
            checks.append((MOTION_LABELS, motion))
        for source, found in blobs.items():
            for labels, truth in checks:
                counts = choice_counts(without_public(found, agm.public), labels)
                mine = counts[labels.index(truth)]
                assert mine <= min(o for n, o in enumerate(counts) if labels[n] != truth), (
                    m, source, truth, dict(zip(labels, counts, strict=True)))  # fmt: skip
            receipts = [
                r
                for b in found
                for r in re.findall(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b", b.decode("latin-1"))
            ]
            assert not any(r in ballots for r in receipts), (m, source, receipts)
        assert records.blobs["rows"][m], m  # each is found (on the roll, at least)
        assert not records.keyed[m], (m, records.keyed[m])
        named = {table for table, _before, _after in records.gaps[m]}
        assert not {t for t in named if t.startswith(("vote_ballots", "paper_"))}, (m, named)

    # The attack is not blind: what a voter was shown as they voted, were it kept, names
    # their choice, and taking out what every member was told leaves it standing.
    # So does a ranking kept by name, though the same words stand in the published result.
    kept = [
        json.dumps({"text": "Your ranking: Ann Lee, Bo Khan."}).encode(),
        b"\x00\x03tg07" + json.dumps({"ranking": "Ann Lee, Bo Khan"}).encode(),
    ]
    counts = choice_counts(without_public(kept, agm.public), NAMES)
    assert counts == [2, 2, 0, 0], counts
