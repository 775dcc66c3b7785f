"""The audit's attack on anonymous suggestions: name each sender from what officers see.

Four members send anonymous suggestions (one also talks with the council through the
relay), in an order unlike the roster's, each at its own time. Then an officer tries to
name each sender from everything officers are shown — every member's export through the
CLI and the console, every console page reachable from the home page, the audit log,
the council digest and the members' newsletter — and, once the suggestions are closed,
a thief tries from the database file: every row of every table, the order of the rows,
and the raw bytes. A link is a member and a suggestion in the same output or row: a
member's id, name, email or chat id together with the suggestion's words, its number in
a key or prompt, or a time within two minutes of when it was sent. While the
suggestions are open the file links every sender (the relay must): that shows the attack
works. Officers' outputs link none, open or closed; the closed file links none.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import App
from bot.cli import cli
from bot.config import Settings, WebSettings
from handlers.digests import council as council_digest
from handlers.digests import newsletter
from handlers.housekeeping import forget
from handlers.members.identity import member_for
from handlers.messages import Choice, Command, Sender, Text
from handlers.schedule import CHECKPOINT
from handlers.settings import Admin
from storage import audit, outbox, secrecy
from tests.helpers import FakeClock, add_members, link
from tests.sqlite_pages import table_cells, written_order
from tests.web.console_harness import served, signed_in

OFFICER = "s1"
ROSTER = (
    "member_id,name,email,constituency\n"
    + "".join(f"t{n},Tenant{n} Surname{n},tenant{n}@example.org,tenant\n" for n in range(1, 6))
    + "s1,Sam Okafor,sam@example.org,staff\n"
)
SENDERS = ["t4", "t2", "t3", "t1"]  # not the roster's order, nor the order they joined
COUNCIL = ("telegram", "-100777")
COUNCILLOR = Sender("telegram", "900", COUNCIL[1], "Councillor")
TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
NEAR = timedelta(minutes=2)


def user(member_id: str) -> str:
    return f"70000{member_id[1:]}"


class World:
    """The running product's own path: the engine handles each event; delivery is simulated."""

    def __init__(self, tmp_path: Path, clock: FakeClock) -> None:
        settings = dataclasses.replace(
            Settings(), folder=tmp_path, admin=Admin(officers=(OFFICER,)), web=WebSettings()
        )
        self.app = App(settings, clock=clock)
        self.app.ctx.council = COUNCIL
        self.app.postman.council = COUNCIL
        self.clock = clock
        add_members(self.app.ctx, ROSTER)
        for n in range(1, 6):
            link(self.app.ctx, f"t{n}", "telegram", user(f"t{n}"))
        self.sent: dict[str, dict] = {}  # member -> {"n", "text", "at"}
        self.received: dict[str, list[dict]] = {}  # chat -> payloads delivered

    @property
    def db(self):
        return self.app.db

    def sender(self, member_id: str) -> Sender:
        return Sender("telegram", user(member_id), user(member_id), member_id)

    def handle(self, event) -> None:
        self.app.engine.handle(event)

    def event(self, cls, who: Sender, **fields):
        found = member_for(self.app.ctx, who.platform, who.platform_user_id)
        return cls(who, found, uuid.uuid4().hex, **fields)

    def last_to(self, chat_id: str) -> dict:
        """The last message the chat received (the platform's copy: the outbox forgets)."""
        return {"payload": self.received[chat_id][-1]}

    def press(self, who: Sender, label: str) -> None:
        row = self.last_to(who.chat_id)
        [option] = [o for o in row["payload"]["choices"] if o["label"] == label]
        self.handle(
            self.event(Choice, who, action=option["action"], value=option["value"], message_ref="1")
        )
        self.deliver()

    def say(self, who: Sender, text: str) -> None:
        self.handle(self.event(Text, who, text=text))
        self.deliver()

    def suggest(self, member_id: str, text: str) -> None:
        who = self.sender(member_id)
        self.handle(self.event(Command, who, name="suggest", args=""))
        self.deliver()
        self.clock.advance(seconds=20)
        self.say(who, text)
        self.clock.advance(seconds=15)
        self.press(who, "Services")
        self.clock.advance(seconds=10)
        at = self.clock()
        self.press(who, "Anonymous")
        [(n,)] = self.db.execute("select max(id) from suggestions").fetchall()
        self.sent[member_id] = {"n": n, "text": text, "at": at}

    def deliver(self) -> None:
        """What the senders do: every due message is delivered and marked sent."""
        for platform in ("telegram", "slack"):
            for row in outbox.claim_due(self.db, platform, self.clock() + timedelta(days=1), 999):
                self.received.setdefault(row.chat_id, []).append(row.payload)
                outbox.mark_sent(self.db, row, self.clock())

    def council_press(self, n: int, label: str) -> None:
        codes = {"Adopted": ("suggest.status", f"{n}:adopt"), "Reply": ("suggest.reply", str(n))}
        action, value = codes[label]
        self.handle(self.event(Choice, COUNCILLOR, action=action, value=value, message_ref="2"))
        self.deliver()


def identities(member_id: str) -> list[str]:
    n = member_id[1:]
    return [member_id, f"Tenant{n}", f"tenant{n}@example.org", user(member_id)]


def _times(text: str) -> list[datetime]:
    found = []
    for stamp in TIME.findall(text):
        moment = datetime.fromisoformat(stamp.replace(" ", "T"))
        found.append(moment)
    return found


def _mentions_member(text: str, member_id: str) -> bool:
    return any(re.search(rf"(?<![\w@]){re.escape(i)}(?!\w)", text) for i in identities(member_id))


def _mentions_suggestion(text: str, sent: dict, local_times: bool) -> bool:
    n = sent["n"]
    if sent["text"] in text or re.search(rf"suggest\w*[.:]\w*:?{n}(?!\d)", text):
        return True
    if re.search(rf"#{n}(?!\d)", text):
        return True
    at = sent["at"].replace(tzinfo=None)
    naive = [t.replace(tzinfo=None) for t in _times(text)]
    if any(abs(t - at) <= NEAR for t in naive):
        return True
    # Console pages show local times as "06 Dec 2026 10:07" (London is UTC in winter).
    return local_times and sent["at"].strftime("%d %b %Y %H:%M") in text


def links(outputs: dict[str, str], world: World, local_times: bool = True) -> list[str]:
    """Every (output, member, suggestion) an attacker could pair up."""
    found = []
    for name, text in outputs.items():
        for member_id, sent in world.sent.items():
            if _mentions_member(text, member_id) and _mentions_suggestion(text, sent, local_times):
                found.append(f"{name}: {member_id} -> #{sent['n']}")
    return found


async def officer_outputs(world: World, client) -> dict[str, str]:
    """Everything an officer can be shown, by name."""
    outputs: dict[str, str] = {}
    await signed_in(client, world.app)
    seen, queue = set(), ["/"]
    while queue:
        path = queue.pop(0)
        if path in seen or path.startswith(("/static", "/signout")):
            continue
        seen.add(path)
        answer = await client.get(path)
        text = await answer.text()
        outputs[f"console {path}"] = text
        queue += [h for h in re.findall(r'href="(/[^"#]*)"', text) if h not in seen]
    member_ids = [r[0] for r in world.db.execute("select member_id from members")]
    for member_id in member_ids:
        answer = await client.get(f"/members/{member_id}/export")
        assert answer.status == 200
        outputs[f"console export {member_id}"] = await answer.text()
    assert any(p.startswith("console /suggestions/") for p in outputs), sorted(outputs)
    assert any(p.startswith("console /members/t") for p in outputs), sorted(outputs)
    now = world.clock()
    digest = council_digest.build(world.app.ctx, now - timedelta(days=7), now)
    outputs["council digest"] = digest.title + "\n" + digest.text
    news = newsletter.gather(world.app.ctx, now - timedelta(days=7), now)
    for member_id in member_ids:
        outputs[f"newsletter for {member_id}"] = (
            newsletter.copy_for(world.app.ctx, news, member_id) or ""
        )
    outputs["audit log"] = json.dumps(audit.entries(world.db), default=str)
    return outputs


def cli_exports(world: World, folder: Path, monkeypatch) -> dict[str, str]:
    """Every member's export, and the other commands that show members or suggestions."""
    monkeypatch.chdir(folder)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    commands = [["members", "list", "--json"], ["suggestions", "list", "--json"]]
    for (member_id,) in world.db.execute("select member_id from members").fetchall():
        commands.append(["members", "export", member_id])
    for (n,) in world.db.execute("select id from suggestions").fetchall():
        commands.append(["suggestions", "show", str(n), "--json"])
    outputs = {}
    for command in commands:
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output
        outputs["cli " + " ".join(command)] = result.output
    return outputs


def file_links(path: Path, world: World) -> list[str]:
    """What a thief of the file pairs up: rows naming a member and a suggestion, row order."""
    found = []
    db = sqlite3.connect(path)
    tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'")]
    for table in tables:
        rows = db.execute(f"select * from [{table}]").fetchall()
        texts = [json.dumps(row, default=str) for row in rows]
        found += links({f"{table} row {i}": t for i, t in enumerate(texts)}, world, False)
        # The N-th sender's row beside the N-th suggestion: rows in rowid (or key) order,
        # and in the order their bytes were written (SQLite fills a page from its end).
        written = [
            json.dumps(c.values, default=str) for c in written_order(table_cells(db, path, table))
        ]
        for how, sequence in (
            ("rowid", texts),
            ("bytes", written),
            ("bytes, reversed", written[::-1]),
        ):
            order = []
            for text in sequence:
                for member_id in SENDERS:
                    if member_id not in order and _mentions_member(text, member_id):
                        order.append(member_id)
            if order == SENDERS:
                found.append(f"{table}: senders' rows by {how} in the order they sent")
    db.close()
    raw = path.read_bytes()
    for words in (b"anonymously", b"suggest.answer:", b"suggestion:1:"):
        if words in raw:
            found.append(f"raw bytes hold {words!r}")
    return found


@pytest.fixture
def world(tmp_path) -> World:
    clock = FakeClock()
    made = World(tmp_path, clock)
    clock.advance(hours=2)  # joining is long past when the first suggestion is sent
    for n, member_id in enumerate(SENDERS):
        made.suggest(member_id, f"Idea number {n} from someone: fix the {member_id[::-1]}x lift")
        clock.advance(minutes=11)
    # The council talks with the second sender through the relay.
    n = made.sent["t2"]["n"]
    made.council_press(n, "Reply")
    made.say(COUNCILLOR, "Which floor do you mean?")
    clock.advance(minutes=9)
    made.press(made.sender("t2"), "Reply")
    made.say(made.sender("t2"), "The third floor, by the stairs")
    clock.advance(minutes=13)
    return made


def test_while_open_the_file_links_every_sender_so_the_attack_works(world):
    rows = links(
        {
            f"relay {n}": json.dumps(row)
            for n, row in enumerate(world.db.execute("select * from suggestion_relay"))
        },
        world,
    )
    assert len({r.split(" -> ")[0].split(": ")[1] for r in rows}) == len(SENDERS)


async def test_no_officer_output_names_a_sender_open_or_closed(world, tmp_path, monkeypatch):
    async with served(world.app) as client:
        outputs = await officer_outputs(world, client)
    outputs |= cli_exports(world, tmp_path, monkeypatch)
    assert links(outputs, world) == []
    export = json.loads(outputs["cli members export t2"])
    assert "/mydata" in export["left_out"]["note"]
    assert set(export["left_out"]["tables"]) >= {"outbox", "suggestion_relay"}

    for member_id in SENDERS:
        world.council_press(world.sent[member_id]["n"], "Adopted")
        world.clock.advance(minutes=3)
    async with served(world.app) as client:
        outputs = await officer_outputs(world, client)
    outputs |= cli_exports(world, tmp_path, monkeypatch)
    assert links(outputs, world) == []


def test_once_closed_nothing_in_the_file_links_a_sender(world, tmp_path):
    for member_id in SENDERS:
        world.council_press(world.sent[member_id]["n"], "Adopted")
        world.clock.advance(minutes=3)
    assert CHECKPOINT in forget(world.app.ctx, world.clock())  # housekeeping, then
    assert secrecy.checkpoint(world.db)  # as the scheduler does once the job committed
    path = world.app.settings.database_path
    wal = path.parent / f"{path.name}-wal"
    assert wal.stat().st_size == 0  # checked before close, which would delete the log
    world.db.close()
    assert file_links(path, world) == []


def test_the_member_gets_their_own_open_anonymous_suggestions_alone(world):
    who = world.sender("t3")
    before = world.db.execute("select max(id) from outbox").fetchone()[0]
    world.handle(world.event(Command, who, name="mydata", args=""))
    rows = [r for r in outbox.rows_for(world.db) if r["id"] > before]
    assert rows and {(r["chat_id"], r["member_id"]) for r in rows} == {(user("t3"), "t3")}
    text = "\n".join(r["payload"]["text"] for r in rows)
    assert world.sent["t3"]["text"] in text  # their own anonymous suggestion, still open
    assert world.sent["t4"]["text"] not in text  # not someone else's
    assert "Tenant3 Surname3" in text
    world.deliver()  # once delivered, the copy leaves the outbox
    assert not list(world.db.query("select 1 from outbox where key like 'mydata:%'"))


def test_mydata_speaks_the_members_language(world):
    world.db.execute("update members set language = 'cy' where member_id = 't1'")
    world.handle(world.event(Command, world.sender("t1"), name="mydata", args=""))
    [payload] = [r["payload"] for r in outbox.rows_for(world.db) if r["key"].startswith("mydata:")]
    assert payload["text"].startswith("Popeth sydd gen i amdanoch chi:")
    assert "Eich awgrymiadau dienw" in payload["text"]
