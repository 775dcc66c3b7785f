"""Secret means secret, looked for everywhere: the running bot (the real runner, both real
adapters, the real APScheduler, `-v` logging) holds 20 votes (half of them allowing a
change of mind, which some members use) and 20 check-in rounds in which members on
Telegram and on Slack press real buttons. After each close, and at a random moment while
each vote and round is open, the test copies the database file and its `-wal` as a
thief would, and at the end takes the log.

It then collects, without knowing the schema, every record that carries an identifier of
a member (member id, Telegram chat id, Slack user and DM id, name, e-mail): every row of
every table in `sqlite_master`, a window of bytes around every place an identifier's bytes
sit in any page of the file (free pages and unused space included) or of any `-wal`
frame, and every log line. Two attackers try to recover each member's choice from them:

- by evidence: which option's label, button data (Telegram callback data, Slack action
  value) or receipt code (looked up in the ballot list) the member's records hold most,
  in each source alone (rows, file pages, -wal frames, log) and in all together;
- by counts: the gaps between the rowids of a member's rows and their neighbours, learnt
  from the other closes (which gap goes with which choice) and applied to this one;
- by secrets: every value of every row tried as a flow's secret, making each member's
  keys the way the product does (a check-in's respondent key, a vote's replacement key);
  what the rows holding those keys hold, learnt from the other closes the same way.
  Given the keys file beside the database as well, it pairs nearly every answer and
  changeable ballot while open: the secrets are there and nowhere in the file.

Choices are drawn as a random permutation of a balanced list within each constituency,
so the published results carry nothing about any one member: a guess independent of the
records is right with probability exactly 1/3. Each attack fails the test only if a
guesser owing nothing to the choices would get as many right with probability below
1e-4 (split over the attacks made), computed exactly from those permutations
(`chance_tail`). The same attackers, given what went over the wire to the platforms,
recover nearly every choice: they are not blind.

`TRACE_SEED=n` repeats a run (the seed is printed); `TRACE_CLOSES=n` makes a shorter one
for a look at the figures (its bound means little under 20).
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import logging
import os
import random
import re
import shutil
import sqlite3
import struct
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import logs
from bot.adapters.whatsapp import templates as template_file
from handlers.votes.admin import create_vote
from storage import conversations, members, outbox, whatsapp
from surveys.anonymity import respondent_key
from surveys.votes.definitions import VoteDefinition, VoteOption
from tests.fakes.slack_requests import as_slack_returns, block_actions, post, slash_command
from tests.fakes.whatsapp_api import FakeWhatsApp, Template
from tests.process.harness import (
    SLACK_SECRET,
    Bot,
    ProcessClock,
    fakes,
    free_port,
    import_members,
    link_telegram,
    running,
    write_config,
)
from tests.process.test_month_whatsapp import whatsapp_section

pytestmark = pytest.mark.slow

CLOSES = int(os.environ.get("TRACE_CLOSES", "20"))
PLATFORMS = ("telegram", "slack", "whatsapp")
ALPHA = 1e-4
PARALLEL = 4  # members pressing at once
ANSWERS = ("Disagree", "Neither", "Agree")  # the three a member may press
RECEIPT = re.compile(rb"[2-9A-Z]{4}-[2-9A-Z]{4}")
WINDOW = 600  # bytes either side of an identifier in a page
WORDS = [
    *("Quokka", "Okapi", "Pangolin", "Axolotl", "Narwhal", "Tapir", "Caracal", "Dugong"),
    *("Saola", "Fossa", "Kinkajou", "Margay", "Numbat", "Quoll", "Serval", "Tarsier"),
    *("Vaquita", "Zorilla", "Binturong", "Coati"),
]
COLOURS = ["Tangerine", "Vermilion", "Cerulean"]

TENANTS = {f"tq{n}x": 5_100_000_000 + 7919 * n for n in range(1, 7)}  # member: chat id
STAFF = {f"sk{n}w": f"U0ST{n}FQZ" for n in range(1, 7)}  # member: Slack user id
WHATSAPP = {f"wa{n}v": f"4477009{n:05}" for n in range(1, 4)}  # tenants on WhatsApp: phone
# Each group's choices are a balanced permutation of its own (`World.balanced`), so the
# results, by constituency and by channel, carry nothing about any one member.
GROUPS = (list(TENANTS), list(STAFF), list(WHATSAPP))
EVERYONE = [m for group in GROUPS for m in group]
NAMES = {m: f"{kind} {WORDS[n]}ley" for n, m in enumerate(EVERYONE) for kind in
         ["Staffer" if m in STAFF else "Tenant"]}  # fmt: skip
EMAILS = {m: f"{m}.mail@riverside.example" for m in STAFF}
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},{NAMES[m]},{EMAILS.get(m, '')},{'staff' if m in STAFF else 'tenant'}\n" for m in EVERYONE
)
SURVEY = """
id = "check"
title = "Check-in"
audience = ["tenant", "staff"]
schedule = "0 10 * * wed"
open_hours = 48
thanks = "Thank you."
reminder_hours = 0

[[questions]]
id = "repairs"
kind = "scale"
text = "Repairs are done well and on time."
topic = "Repairs"
"""


def wednesday(close: int) -> datetime:
    return datetime(2026, 12, 2, tzinfo=UTC) + timedelta(weeks=close)


def labels(close: int) -> tuple[str, ...]:
    """Option labels found nowhere else: each close's own."""
    return tuple(f"{WORDS[close]} {colour}" for colour in COLOURS)


def vote_of(close: int) -> VoteDefinition:
    start = wednesday(close)
    return VoteDefinition(
        id=f"v{close:02}",
        title=f"Choose a name {close}",
        explanation="Which name should the new garden have?",
        method="irv" if close % 2 else "single",
        options=tuple(VoteOption(name) for name in labels(close)),
        opens=start + timedelta(hours=9),
        closes=start + timedelta(days=2, hours=15),
        constituencies=("tenant", "staff"),
        reminder_hours=(),
        allow_change=close % 4 < 2,  # half of each method: their secret makes ballot keys
    )


def identifiers(bot: Bot) -> dict[str, list[bytes]]:
    """Every identifier of each member, in every form its bytes may take in a file."""
    found: dict[str, list[bytes]] = {}
    for m in EVERYONE:
        forms = [m, NAMES[m]]
        if m in TENANTS or m in WHATSAPP:
            user = TENANTS.get(m) or int(WHATSAPP[m])
            forms.append(str(user))
            raw = [user.to_bytes(6, "big")]  # a SQLite integer of this size takes 6 bytes
        else:
            forms += [STAFF[m], bot.dm(STAFF[m]), EMAILS[m]]
            raw = []
        found[m] = [f.encode() for f in forms] + raw
    return found


@dataclass
class Snapshot:
    """A copy of the database file and its -wal, as a thief would take them."""

    close: int
    db: bytes
    wal: bytes
    cast: list[str] = field(default_factory=list)  # voters whose ballots count as in
    answered: list[str] = field(default_factory=list)  # members whose answers count as in
    keys: bytes = b""  # the keys file beside the database (only the oracle uses it)


@dataclass
class Trial:
    flow: str  # "vote" or "pulse"
    close: int
    member: str
    truth: int
    prints: list[set[bytes]]  # per option: its label and the button data that chose it
    wire: bytes = b""  # what the platform was told about the member meanwhile


class World:
    def __init__(
        self, folder: Path, bot: Bot, rng: random.Random, whatsapp: FakeWhatsApp | None = None
    ) -> None:
        self.folder, self.bot, self.rng, self.whatsapp = folder, bot, rng, whatsapp
        # Without a WhatsApp fake (a caller on Telegram and Slack alone), no WhatsApp members.
        self.groups = GROUPS if whatsapp is not None else GROUPS[:2]
        self.url = f"http://127.0.0.1:{bot.app.settings.slack.port}{bot.app.settings.slack.path}"
        self.after: list[Snapshot] = []
        self.during: list[Snapshot] = []
        self.trials: list[Trial] = []
        self.seen: dict[str, int] = {}

    def snapshot(self, close: int, cast: list[str], answered: list[str]) -> Snapshot:
        path = self.folder / "mv.db"
        wal, keys = Path(f"{path}-wal"), Path(f"{path}.keys")
        return Snapshot(close, path.read_bytes(), wal.read_bytes() if wal.exists() else b"",
                        list(cast), list(answered),
                        keys.read_bytes() if keys.exists() else b"")  # fmt: skip

    # ------------------------------------------------------------------ pressing

    async def press(
        self, member: str, label: str, session: aiohttp.ClientSession
    ) -> dict[str, str]:
        """Press the button `label` on the latest message that has it; the button data of
        each button of that message, by label."""
        if member in TENANTS:
            return await self._press_telegram(TENANTS[member], label)
        if member in WHATSAPP:
            return await self._press_whatsapp(WHATSAPP[member], label)
        return await self._press_slack(STAFF[member], label, session)

    async def _press_whatsapp(self, phone: str, label: str) -> dict[str, str]:
        assert self.whatsapp is not None
        for sent in reversed(self.whatsapp.sent_to(phone)):
            for option_id, title in sent.options:
                if title == label:
                    kind = sent.body["interactive"]["type"]
                    fake = self.whatsapp
                    push = fake.push_button_reply if kind == "button" else fake.push_list_reply
                    await self._whatsapp_handled(await push(phone, option_id, title), label)
                    return {t: i for i, t in sent.options}
        raise AssertionError(f"no option {label!r} for {phone}")

    async def _whatsapp_handled(self, event: dict, what: str) -> None:
        message_id = event["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        db = self.bot.app.db
        await self.bot.until(
            lambda: (
                conversations.handled(db, "whatsapp", message_id)
                and outbox.waiting(db, "whatsapp") == len(self.held())  # others' wait a tap
            ),
            f"a WhatsApp member's {what!r}",
        )

    async def _press_telegram(self, user: int, label: str) -> dict[str, str]:
        bot = self.bot
        for message in reversed(bot.telegram.sent(chat_id=user)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in (b for row in rows for b in row):
                if button["text"] == label:
                    update_id, _ = bot.telegram.push_callback(
                        user, message["message_id"], button["callback_data"]
                    )
                    await bot.handled(update_id, f"{user}'s press of {label!r}")
                    return {b["text"]: b["callback_data"] for row in rows for b in row}
        raise AssertionError(f"no button {label!r} for {user}: {bot.telegram_texts(user)}")

    async def _press_slack(
        self, user: str, label: str, session: aiohttp.ClientSession
    ) -> dict[str, str]:
        bot, dm = self.bot, self.bot.dm(user)
        for message in reversed(bot.slack.posted(dm)):
            buttons = [
                e
                for b in message.get("blocks", [])
                if b["type"] == "actions"
                for e in b["elements"]
            ]
            for button in buttons:
                if button.get("text", {}).get("text") == label:
                    trigger = bot.slack.new_trigger_id(user)
                    request = block_actions(
                        user, button["action_id"], button.get("value"), dm, message["ts"],
                        trigger_id=trigger, message=as_slack_returns(message), text=label,
                    )  # fmt: skip
                    now = int(bot.clock.now.timestamp())
                    reply = await post(
                        session, request, url=self.url, secret=SLACK_SECRET, timestamp=now
                    )
                    assert reply.status == 200, reply
                    await bot.until(
                        lambda event=f"action:{trigger}": (
                            conversations.handled(bot.app.db, "slack", event)
                            and outbox.waiting(bot.app.db, "slack") == 0
                        ),
                        f"{user}'s press of {label!r}",
                    )
                    return {
                        b.get("text", {}).get("text"): str(b.get("value") or b["action_id"])
                        for b in buttons
                    }
        raise AssertionError(f"no button {label!r} for {user}: {bot.slack_texts(dm)}")

    async def vote_command(self, member: str, vote: str, session: aiohttp.ClientSession) -> None:
        """`/vote ID` typed on Telegram, `/voice vote ID` on Slack: the vote's ballot."""
        bot = self.bot
        if member in TENANTS:
            update_id = bot.telegram.push_message(TENANTS[member], f"/vote {vote}")
            await bot.handled(update_id, f"{member}'s /vote")
            return
        if member in WHATSAPP:
            assert self.whatsapp is not None
            await self._whatsapp_handled(
                await self.whatsapp.push_text(WHATSAPP[member], f"/vote {vote}"), "/vote"
            )
            return
        user = STAFF[member]
        trigger = bot.slack.new_trigger_id(user)
        request = slash_command(text=f"vote {vote}", user_id=user, channel_id=bot.dm(user),
                                trigger_id=trigger)  # fmt: skip
        now = int(bot.clock.now.timestamp())
        reply = await post(session, request, url=self.url, secret=SLACK_SECRET, timestamp=now)
        assert reply.status == 200, reply
        await bot.until(
            lambda event=f"command:{trigger}": (
                conversations.handled(bot.app.db, "slack", event)
                and outbox.waiting(bot.app.db, "slack") == 0
            ),
            f"{member}'s /voice vote",
        )

    def has_button(self, member: str, label: str, anywhere: bool = False) -> bool:
        """Whether the latest message to `member` with buttons (a newsletter may have come
        since) has button `label`; with `anywhere`, whether any message has it."""
        if member in TENANTS:
            messages = self.bot.telegram.sent(chat_id=TENANTS[member])
            labels = [
                [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                 for b in row]
                for m in messages
            ]  # fmt: skip
        elif member in WHATSAPP:
            assert self.whatsapp is not None
            labels = [[t for _, t in s.options] for s in self.whatsapp.sent_to(WHATSAPP[member])]
        else:
            labels = [
                [e.get("text", {}).get("text") for b in m.get("blocks", [])
                 if b["type"] == "actions" for e in b["elements"]]
                for m in self.bot.slack.posted(self.bot.dm(STAFF[member]))
            ]  # fmt: skip
        with_buttons = [found for found in labels if found]
        return any(label in found for found in (with_buttons if anywhere else with_buttons[-1:]))

    # ------------------------------------------------------------------ one close

    def balanced(self, k: int, ranked: bool) -> dict[str, tuple[int, ...]]:
        """Each constituency's choices: a random permutation of a balanced list."""
        choices: dict[str, tuple[int, ...]] = {}
        pool = [(i,) for i in range(k)]
        if ranked:  # every ranking, in turns of first choices: a group of k has each first once
            orders = list(itertools.permutations(range(k)))
            pool = sorted(orders, key=lambda p: ([q for q in orders if q[0] == p[0]].index(p), p))
        for group in self.groups:
            drawn = (pool * len(group))[: len(group)]
            self.rng.shuffle(drawn)
            choices.update(zip(group, drawn, strict=True))
        return choices

    async def hold(self, close: int, session: aiohttp.ClientSession) -> None:
        bot, definition = self.bot, vote_of(close)
        names = labels(close)
        ranked = definition.method == "irv"
        week = wednesday(close)
        await bot.at(week + timedelta(hours=9))
        await bot.at(week + timedelta(hours=10, minutes=30))
        everyone = [m for group in self.groups for m in group]
        await self.take_part(lambda m: self.invited(m, definition.id))
        await bot.until(
            lambda: all(
                self.has_button(m, "Disagree", anywhere=True)
                and self.has_button(m, "Vote now", anywhere=True)
                for m in everyone
            ),
            "the check-in's question and the vote's announcement to reach every member",
        )
        await bot.until(
            lambda: not any(outbox.waiting(bot.app.db, p) for p in PLATFORMS),
            "the day's other messages (a newsletter) to be delivered",
        )
        votes = self.balanced(3, ranked)
        answers = {m: c[0] for m, c in self.balanced(3, False).items()}
        # Who does what when: a random interleaving of every member's vote and answer.
        steps = [(m, "vote") for m in everyone] + [(m, "pulse") for m in everyone]
        self.rng.shuffle(steps)
        waves: list[list[tuple[str, str]]] = []  # steps taken at once, by different members
        for step in steps:
            if not waves or len(waves[-1]) == PARALLEL or step[0] in {m for m, _ in waves[-1]}:
                waves.append([])
            waves[-1].append(step)
        copy_after = self.rng.randrange(1, len(waves) - 1)
        cast: list[list[str]] = []  # by wave
        answered: list[list[str]] = []
        # In a vote that allows a change, one member (on Telegram or on Slack, by turns)
        # first votes otherwise, then changes their vote.
        changer = self.rng.choice(list((TENANTS, STAFF)[close // 4 % 2]))
        decoys = {changer: self._other(votes[changer], ranked)} if definition.allow_change else {}

        async def ballot(
            member: str, picks: tuple[int, ...], prints: list[set[bytes]], again: bool = False
        ) -> None:
            if again:  # "Vote now" is ticked once pressed: a change starts with /vote
                await self.vote_command(member, definition.id, session)
            else:
                await self.press(member, "Vote now", session)
            for index, pick in enumerate(picks):
                if index == 2 and not self.has_button(member, names[pick]):
                    break  # the last candidate may be ranked for the member
                shown = await self.press(member, names[pick], session)
                for option, name in enumerate(names):  # every option's, the same way
                    if name in shown:
                        prints[option].add(shown[name].encode())
            if not self.has_button(member, "Confirm"):
                await self.press(member, "Done", session)
            await self.press(member, "Confirm", session)

        async def vote(member: str) -> None:
            prints = [{name.encode()} for name in names]
            if member in decoys:
                await ballot(member, decoys[member], prints)
            await ballot(member, votes[member], prints, again=member in decoys)
            cast[-1].append(member)
            truth = votes[member][0]
            self.trials.append(Trial("vote", close, member, truth, prints, self._wire(member)))

        async def answer(member: str) -> None:
            shown = await self.press(member, ANSWERS[answers[member]], session)
            prints = [{a.encode(), shown[a].encode()} for a in ANSWERS]
            wire = self._wire(member)
            answered[-1].append(member)
            self.trials.append(Trial("pulse", close, member, answers[member], prints, wire))

        for n, wave in enumerate(waves):
            cast.append([])
            answered.append([])
            await asyncio.gather(*(vote(m) if f == "vote" else answer(m) for m, f in wave))
            if n == copy_after:  # the ballots and answers of the wave just in are allowed for
                before = (cast[:-1], answered[:-1])
                self.during.append(
                    self.snapshot(close, *([m for w in b for m in w] for b in before))
                )
        await bot.at(week + timedelta(days=2, hours=11))  # the round closes (10:00 London)
        await bot.until(
            lambda: bot.app.db.execute(
                "select count(*) from pulse_rounds where closed_at is not null"
            ).fetchone()[0] == close + 1,
            "the check-in round to close",
        )  # fmt: skip
        await bot.at(week + timedelta(days=2, hours=15))  # the vote closes
        sealed = lambda: bot.app.db.execute(  # noqa: E731
            "select sealed_at from votes where vote_id = ?", [definition.id]
        ).fetchone()[0]
        await bot.until(sealed, "the vote to be closed and sealed")
        await self.take_part(lambda m: True)  # its result, held for a tap on "Take part"
        await bot.until(
            lambda: not any(outbox.waiting(bot.app.db, p) for p in PLATFORMS),
            "the vote's result to be delivered",
        )
        self.after.append(self.snapshot(close, [], []))

    def _other(self, picks: tuple[int, ...], ranked: bool) -> tuple[int, ...]:
        """A ballot whose first choice is not `picks`'s."""
        first = self.rng.choice([o for o in range(3) if o != picks[0]])
        rest = [o for o in range(3) if o != first]
        self.rng.shuffle(rest)
        return (first, *rest) if ranked else (first,)

    def held(self) -> list[dict]:
        """WhatsApp rows waiting for a tap on the "Take part" template (24-hour rule)."""
        return [
            r
            for r in outbox.rows_for(self.bot.app.db, "whatsapp")
            if r["status"] == "pending" and r["error"] in (whatsapp.HELD, whatsapp.HELD_FOR_LIMIT)
        ]

    def invited(self, member: str, vote: str) -> bool:
        """Whether the vote's announcement and the open round's question went to `member`."""
        sent = {
            r["key"].split(":")[2]
            for r in outbox.rows_for(self.bot.app.db, "whatsapp")
            if r["status"] == "sent" and r["key"].endswith(f":{member}")
            and r["key"].startswith((f"vote:{vote}:open:", "pulse:"))
        }  # fmt: skip
        return {"open", "invite"} <= sent

    async def take_part(self, ready: Callable[[str], bool] = lambda member: False) -> None:
        """Once every WhatsApp member's messages are sent or held (or `ready` says so of
        them), each member with held messages taps "Take part", as they would after days
        without writing; their messages then go."""
        if self.whatsapp is None:
            return
        db = self.bot.app.db
        await self.bot.until(
            lambda: (
                outbox.waiting(db, "whatsapp") == len(held := self.held())
                and all(
                    ready(m) or any(r["chat_id"] == p for r in held) for m, p in WHATSAPP.items()
                )
            ),
            "the WhatsApp members' messages to be sent or held",
        )
        for phone in {r["chat_id"] for r in self.held()}:
            event = await self.whatsapp.push_quick_reply(
                phone, template_file.TAKE_PART_PAYLOAD, "Take part"
            )
            await self._whatsapp_handled(event, "Take part")

    def _wire(self, member: str) -> bytes:
        """What the platform was told about this member since their last press (the
        attackers' sanity check: it names their choice)."""
        if member in WHATSAPP:
            assert self.whatsapp is not None
            sent = self.whatsapp.sent_to(WHATSAPP[member])
            found = [s.body for s in sent[self.seen.get(member, 0) :]]
            self.seen[member] = len(sent)
            return repr(found).encode()
        fake = self.bot.telegram if member in TENANTS else self.bot.slack
        chat = str(TENANTS[member]) if member in TENANTS else self.bot.dm(STAFF[member])
        calls = fake.calls[self.seen.get(member, 0) :]
        self.seen[member] = len(fake.calls)
        found = [c.params for c in calls if chat in repr(c.params)]
        return repr(found).encode()


# ---------------------------------------------------------------------- the records


def pages(data: bytes, size: int, head: int = 0, frame: int = 0) -> list[bytes]:
    """The pages in `data`: a database file's (head = frame = 0) or a -wal's frames'."""
    found, at = [], head
    while at + frame + size <= len(data):
        found.append(data[at + frame : at + frame + size])
        at += frame + size
    return found


def page_size(db: bytes) -> int:
    (size,) = struct.unpack(">H", db[16:18])
    return 65536 if size == 1 else size


def windows(page: bytes, forms: list[bytes]) -> list[bytes]:
    found = []
    for form in forms:
        at = page.find(form)
        while at >= 0:
            found.append(page[max(0, at - WINDOW) : at + len(form) + WINDOW])
            at = page.find(form, at + 1)
    return found


@dataclass
class Records:
    """What a snapshot holds about each member, found without knowing the schema."""

    blobs: dict[str, dict[str, list[bytes]]]  # source: member: rows or windows of bytes
    gaps: dict[str, set[tuple[str, int, int]]]  # member: (table, rowid gaps to neighbours)
    receipts: dict[bytes, int]  # receipt code: first choice, from the ballot list
    tables: int
    keyed: dict[str, set[tuple[str, int, bytes]]]  # member: what rows under their keys hold
    oracle: dict[str, set[tuple[str, int, bytes]]]  # the same, given the keys file too


def gather(snapshot: Snapshot, ids: dict[str, list[bytes]], scratch: Path) -> Records:
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "copy.db").write_bytes(snapshot.db)
    wal = scratch / "copy.db-wal"
    wal.write_bytes(snapshot.wal) if snapshot.wal else wal.unlink(missing_ok=True)
    blobs: dict[str, dict[str, list[bytes]]] = {
        source: defaultdict(list) for source in ("rows", "file", "wal")
    }
    gaps: dict[str, set[tuple[str, int, int]]] = defaultdict(set)
    texts = {m: [f.decode("latin-1") for f in forms] for m, forms in ids.items()}
    numbers = {m: [int(f) for f in t if f.isdigit()] for m, t in texts.items()}
    db = sqlite3.connect(scratch / "copy.db")
    db.text_factory = bytes
    tables = [
        (name, sql)
        for name, sql in db.execute("select name, sql from sqlite_master where type = 'table'")
    ]
    every: list[tuple[str, tuple]] = []
    for name, sql in tables:
        name = name.decode()
        rowid = b"without rowid" not in (sql or b"").lower()
        try:
            rows = db.execute(f'select {"rowid, " if rowid else ""}* from "{name}"').fetchall()
        except sqlite3.OperationalError:  # a virtual table whose module is not loaded
            continue
        every.extend((name, row) for row in rows)
        order = sorted(r[0] for r in rows) if rowid else []
        place = {r: n for n, r in enumerate(order)}
        for row in rows:
            text = repr(row)
            for member, forms in texts.items():
                if any(f in text for f in forms) or any(v in numbers[member] for v in row):
                    blobs["rows"][member].append(text.encode("latin-1", "replace"))
                    if rowid:
                        at = place[row[0]]
                        before = row[0] - order[at - 1] if at else 0
                        after = order[at + 1] - row[0] if at + 1 < len(order) else 0
                        gaps[member].add((name, before, after))
    receipts: dict[bytes, int] = {}
    vote = f"v{snapshot.close:02}".encode()
    for receipt, choice in db.execute(
        "select receipt, choice from vote_ballots where vote_id = ?", [vote]
    ):
        if choice:
            receipts[receipt] = int(choice.split(b",")[0])
    rounds = [r for (r,) in db.execute("select id from pulse_rounds where closed_at is null")]
    db.close()
    candidates = {
        v for _, row in every for v in row if isinstance(v, bytes) and 16 <= len(v) <= 128
    }
    keyed = keyed_rows(every, list(ids), rounds, candidates)
    secrets = {bytes.fromhex(e["key"]) for e in json.loads(snapshot.keys or b"{}").values()}
    oracle = keyed_rows(every, list(ids), rounds, secrets)  # the thief with both files
    size = page_size(snapshot.db)
    for source, raw in (
        ("file", pages(snapshot.db, size)),
        ("wal", pages(snapshot.wal, size, head=32, frame=24)),
    ):
        for page in raw:
            for member, forms in ids.items():
                blobs[source][member] += windows(page, forms)
    return Records(blobs, gaps, receipts, len(tables), keyed, oracle)


def keyed_rows(
    rows: list[tuple[str, tuple]], members: list[str], rounds: list[int], candidates: set[bytes]
) -> dict[str, set[tuple[str, int, bytes]]]:
    """Each of `candidates` (every value of the file, or the keys file's) tried as a
    flow's secret, making each member's keys the way the product does: a check-in's
    respondent key (`respondent_key`), a vote's replacement key (an HMAC of the member id,
    handlers.votes.state.ballot_key). For each member, the short values (an answer, a
    ballot) of every row holding a key made for them, as (table, column, value)."""
    holding: dict[bytes, list[tuple[str, tuple]]] = defaultdict(list)
    for name, row in rows:
        for value in row:
            if isinstance(value, bytes) and 16 <= len(value) <= 128:
                holding[value].append((name, row))
    found: dict[str, set[tuple[str, int, bytes]]] = defaultdict(set)
    for secret in candidates:
        for member in members:
            made = [respondent_key(secret, r, member).encode() for r in rounds]
            made.append(hmac.digest(secret, member.encode(), "sha256").hex()[:32].encode())
            for key in made:
                for name, row in holding.get(key, []):
                    found[member] |= {
                        (name, n, v)
                        for n, v in enumerate(row)
                        if isinstance(v, bytes) and len(v) < 16
                    }
    return found


def log_lines(log: str, ids: dict[str, list[bytes]]) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = defaultdict(list)
    for line in log.splitlines():
        raw = line.encode()
        for member, forms in ids.items():
            if any(f in raw for f in forms):
                found[member].append(raw)
    return found


# ---------------------------------------------------------------------- the attackers


def evidence_guess(trial: Trial, blobs: list[bytes], receipts: dict[bytes, int],
                   rng: random.Random) -> int:  # fmt: skip
    score = [0] * len(trial.prints)
    for blob in blobs:
        for option, prints in enumerate(trial.prints):
            score[option] += sum(blob.count(p) for p in prints if len(p) >= 3)
        if trial.flow == "vote":
            for receipt in RECEIPT.findall(blob):
                if receipt in receipts:
                    score[receipts[receipt]] += 1
    best = max(score)
    return rng.choice([o for o, s in enumerate(score) if s == best])


def counts_guesses(trials: list[Trial], features: list[set], rng: random.Random) -> list[int]:
    """Leave one close out: what each gap went with in the other closes, applied here."""
    guesses = []
    for n, trial in enumerate(trials):
        learnt: dict[object, Counter] = defaultdict(Counter)
        for other, found in zip(trials, features, strict=True):
            if other.close != trial.close:
                for feature in found:
                    learnt[feature][other.truth] += 1
        score = Counter()
        for feature in features[n]:
            total = sum(learnt[feature].values())
            for option, count in learnt[feature].items():
                score[option] += count / total
        options = range(len(trial.prints))
        best = max(score[o] for o in options)
        guesses.append(rng.choice([o for o in options if score[o] == best]))
    return guesses


def chance_tail(trials: list[Trial], guesses: list[int], everyone: list[Trial]) -> float:
    """P(a guesser whose guesses owe nothing to the choices gets at least as many right as
    `guesses` did), exactly. Within each close and constituency the choices are a
    uniformly drawn permutation of a balanced list (`World.balanced`): the number right
    in a group has the distribution of the matches over every distinct permutation,
    and groups are independent. (A binomial bound would not do: guesses spread over
    the options vary more than a binomial across a balanced group.)"""
    guessed = {(t.flow, t.close, t.member): g for t, g in zip(trials, guesses, strict=True)}
    right = sum(g == t.truth for t, g in zip(trials, guesses, strict=True))
    total: dict[int, float] = {0: 1.0}
    for flow, close in {(t.flow, t.close) for t in trials}:
        members = {t.member: t.truth for t in everyone if (t.flow, t.close) == (flow, close)}
        for group in (g for g in GROUPS if all(m in members for m in g)):
            wanted = [guessed.get((flow, close, m)) for m in group]
            orders = set(itertools.permutations(sorted(members[m] for m in group)))
            counts = Counter(
                sum(g == c for g, c in zip(wanted, order, strict=True)) for order in orders
            )
            combined: dict[int, float] = defaultdict(float)
            for a, pa in total.items():
                for b, nb in counts.items():
                    combined[a + b] += pa * nb / len(orders)
            total = combined
    return sum(p for k, p in total.items() if k >= right)


# ---------------------------------------------------------------------- the test


@pytest.fixture
def debug_log(tmp_path: Path):
    """The log as `mutual-voice -v run` writes it, to a file."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {n: logging.getLogger(n).level for n in ("httpx", "apscheduler", "aiohttp.access")}
    path = tmp_path / "bot.log"
    with path.open("w", encoding="utf-8") as stream:
        logs.configure(logging.DEBUG, "text", stream)
        for noisy in levels:
            logging.getLogger(noisy).setLevel(logging.WARNING)
        try:
            yield path
        finally:
            for handler in root.handlers[:]:
                root.removeHandler(handler)
            for handler in saved[0]:
                root.addHandler(handler)
            root.setLevel(saved[1])
            for noisy, level in levels.items():
                logging.getLogger(noisy).setLevel(level)


async def test_no_record_of_a_member_recovers_their_choice_better_than_chance(
    tmp_path: Path, debug_log: Path
):
    seed = int(os.environ.get("TRACE_SEED") or random.SystemRandom().randrange(10**6))
    print(f"TRACE_SEED={seed}")
    rng = random.Random(seed)
    folder = tmp_path / "bot"
    (folder / "surveys").mkdir(parents=True)
    (folder / "surveys" / "check.toml").write_text(SURVEY, encoding="utf-8")
    clock = ProcessClock(wednesday(0) - timedelta(days=1))
    port = free_port()
    templates = [
        Template(s.name, s.language, s.body, s.category, s.buttons) for s in template_file.load()
    ]
    async with (
        fakes(clock) as (telegram, slack),
        FakeWhatsApp(
            webhook_url=f"http://127.0.0.1:{port}/whatsapp/webhook",
            clock=lambda: clock.now.timestamp(),
            templates=templates,
        ) as phones,
    ):
        for member, user in STAFF.items():
            slack.add_user(user, EMAILS[member], NAMES[member])
        extra = '\n[surveys]\nfolder = "surveys"\n' + whatsapp_section(phones, port)
        config = write_config(folder, telegram, slack, extra)

        def set_up(app) -> None:
            import_members(app, ROSTER)
            for member, user in TENANTS.items():
                telegram.add_user(user)
                link_telegram(app, member, user)
            for member, phone in WHATSAPP.items():
                members.link_identity(app.db, "whatsapp", phone, phone, member, app.clock())
                phones.names[phone] = NAMES[member]
            for close in range(CLOSES):
                create_vote(app.ctx, vote_of(close), "officer", False)

        async with (
            running(config, clock, telegram, slack, set_up) as bot,
            aiohttp.ClientSession() as session,
        ):
            await bot.until(
                lambda: not members.unlinked(bot.app.db, "slack", ["staff"]),
                "the staff to be matched to Slack by e-mail",
            )
            world = World(folder, bot, rng, phones)
            for close in range(CLOSES):
                await world.hold(close, session)
            ids = identifiers(bot)
    log = debug_log.read_text(encoding="utf-8")
    assert "Calling Bot API endpoint" in log and "slack_sdk" in log  # -v logged the libraries

    in_log = log_lines(log, ids)
    attacks: dict[str, tuple[int, int, float]] = {}  # name: (right, trials, chance of as many)

    def attack(name: str, trials: list[Trial], records: list[Records]) -> None:
        """Each attacker on each source alone (a trace in one is not drowned by the others),
        and the evidence attacker on all of them together."""
        sources = {
            **{s: lambda t, r, s=s: r.blobs[s][t.member] for s in ("rows", "file", "wal")},
            "log": lambda t, r: in_log[t.member],
        }
        sources["all"] = lambda t, r: [b for f in list(sources.values())[:4] for b in f(t, r)]
        for source, blobs in sources.items():
            guesses = [
                evidence_guess(t, blobs(t, r), r.receipts, rng)
                for t, r in zip(trials, records, strict=True)
            ]
            attacks[f"{name} by evidence in {source}"] = score(trials, guesses)
        counts = counts_guesses(
            trials, [r.gaps[t.member] for t, r in zip(trials, records, strict=True)], rng
        )
        attacks[f"{name} by counts"] = score(trials, counts)
        keyed = counts_guesses(
            trials, [r.keyed[t.member] for t, r in zip(trials, records, strict=True)], rng
        )
        attacks[f"{name} by every value tried as a secret"] = score(trials, keyed)

    def score(trials: list[Trial], guesses: list[int]) -> tuple[int, int, float]:
        right = sum(g == t.truth for t, g in zip(trials, guesses, strict=True))
        return right, len(trials), chance_tail(trials, guesses, world.trials)

    after = [gather(s, ids, tmp_path / "scratch") for s in world.after]
    for flow in ("vote", "pulse"):
        trials = [t for t in world.trials if t.flow == flow]
        attack(f"{flow}s after close", trials, [after[t.close] for t in trials])
    # Each channel's members alone too, after close: a trace one adapter leaves (its
    # button data, its identifiers' forms) is not drowned by the other channels' members.
    for channel, group in (("Telegram", TENANTS), ("Slack", STAFF), ("WhatsApp", WHATSAPP)):
        for flow in ("vote", "pulse"):
            trials = [t for t in world.trials if t.flow == flow and t.member in group]
            found = [after[t.close] for t in trials]
            everything = [
                [b for s in ("rows", "file", "wal") for b in r.blobs[s][t.member]]
                + in_log[t.member]
                for t, r in zip(trials, found, strict=True)
            ]
            guesses = [
                evidence_guess(t, blobs, r.receipts, rng)
                for t, r, blobs in zip(trials, found, everything, strict=True)
            ]
            name = f"{flow}s after close of the {channel} members"
            attacks[f"{name} by evidence in all"] = score(trials, guesses)
            gaps = [r.gaps[t.member] for t, r in zip(trials, found, strict=True)]
            attacks[f"{name} by counts"] = score(trials, counts_guesses(trials, gaps, rng))
    # While open: every ballot cast and answer given before the copy but the last ones.
    during = {s.close: (s, gather(s, ids, tmp_path / "scratch")) for s in world.during}
    open_trials: dict[str, list[Trial]] = {}
    for flow, name in (("vote", "votes"), ("pulse", "check-ins")):
        done = (lambda s: s.cast) if flow == "vote" else (lambda s: s.answered)
        trials = [
            t for t in world.trials if t.flow == flow and t.member in done(during[t.close][0])
        ]
        open_trials[flow] = trials
        attack(f"{name} while open", trials, [during[t.close][1] for t in trials])
    assert all(r.tables > 20 for r in after)  # the whole schema was read

    # The attackers are not blind: what the platforms were sent names nearly every choice.
    seen = Counter(evidence_guess(t, [t.wire], {}, rng) == t.truth for t in world.trials)
    assert seen[True] >= 0.75 * len(world.trials), seen
    # Nor is the one that tries secrets: given the keys file too (a thief who took both
    # files while open), it pairs nearly every check-in answer and changeable ballot.
    changeable = [t for t in open_trials["vote"] if vote_of(t.close).allow_change]
    for trials in (open_trials["pulse"], changeable):
        oracle = counts_guesses(trials, [during[t.close][1].oracle[t.member] for t in trials], rng)
        right = sum(g == t.truth for t, g in zip(trials, oracle, strict=True))
        assert right >= 0.75 * len(trials), (right, len(trials))

    for name, (right, n, tail) in attacks.items():
        print(f"{name}: {right} of {n} right (chance {n / 3:.0f}; as many by chance: {tail:.2g})")
    for name, (right, n, tail) in attacks.items():
        assert n >= 2 * CLOSES, name  # enough trials for the test to mean something
        assert tail > ALPHA / len(attacks), (name, right, n, tail)
    shutil.rmtree(tmp_path / "scratch", ignore_errors=True)
