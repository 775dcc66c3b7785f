"""Every channel in the running bot, each member counted once: the real runner with the
Telegram, SMS (the `twilio` client against FakeTwilio's signed webhooks) and e-mail
(aiosmtplib against FakeSMTP) adapters, the web server serving the member's page, and
APScheduler, on a clock the test moves (so quiet hours, 21:00-08:00, are never waited on
whatever the wall clock says: the process's day is Wednesday 2 to Friday 4 December).

A vote and a check-in round open. Telegram members press buttons; SMS members reply with
a number to vote and follow the page link in the text for the round; e-mail members
follow the links in their e-mails and vote and answer on the page over HTTP. A member on
Telegram and SMS votes by text and is refused on Telegram; a forged STOP is refused with
no effect. Reminders go only to those who have not taken part, each on their own channel.
At close every ballot and answer counts once, and the result shows turnout per channel.
The log holds no error.

After the close, `test_no_record_pairs_a_member_with_their_choice` takes the database
file, its -wal and the log as a thief would, and looks for a record that pairs an SMS,
e-mail or page member (id, phone, address, page token) with what they chose.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bot import logs
from bot.app import App
from handlers.members import page_links
from handlers.votes.admin import create_vote
from storage import members, outbox
from storage.pulses import queries as pulses
from storage.votes import queries as votes
from surveys.votes.definitions import load_vote_file
from tests.fakes.smtp_server import FakeSMTP
from tests.fakes.twilio_api import FakeTwilio
from tests.process.harness import (
    COUNCIL,
    ProcessClock,
    fakes,
    free_port,
    import_members,
    link_telegram,
    no_tracebacks,
    running,
    write_config,
)
from tests.process.test_generic_trace import Snapshot, gather, log_lines
from tests.process.test_month import SURVEY, VOTE, VOTE_TITLE, london, says

pytestmark = pytest.mark.slow

TELEGRAM = {"tgk1w": 5301, "tgk2w": 5302, "tgk3w": 5303, "duk1w": 5304}
SMS = {
    "smk1w": "+447700900401",
    "smk2w": "+447700900402",
    "smk3w": "+447700900403",
    "duk1w": "+447700900404",
}
EMAIL = {"emk1w": "pat@homes.example", "emk2w": "lee@homes.example", "emk3w": "sam@homes.example"}
MEMBERS = [*dict.fromkeys([*TELEGRAM, *SMS, *EMAIL])]
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Tenant {m},{EMAIL.get(m, '')},tenant\n" for m in MEMBERS
)
QUIETENED = ("httpx", "apscheduler", "aiohttp.access")  # bot/cli/__init__.py
PUBLIC = "https://voice.riverside.example"
LINK = re.compile(re.escape(PUBLIC) + r"/m/[\w-]+")
RECEIPT = re.compile(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b")
# Who does what, and how: the vote (For, Against) and the check-in (a scale answer).
VOTES = {"tgk1w": "For", "tgk2w": "Against", "duk1w": "For", "smk1w": "Against", "smk2w": "For",
         "emk1w": "For", "emk2w": "Against"}  # fmt: skip
ANSWERS = {"tgk1w": "Agree", "tgk2w": "Disagree", "duk1w": "Agree", "smk1w": "Strongly agree",
           "smk2w": "Disagree", "emk1w": "Strongly disagree", "emk2w": "Agree"}  # fmt: skip
# tgk3w, smk3w and emk3w take part in nothing: the reminders' audience. duk1w is on
# Telegram and SMS.


def sections(twilio: FakeTwilio, sms_port: int, relay: FakeSMTP, ca: Path, web: int) -> str:
    return f"""
[privacy]
anonymity_threshold = 2
comment_threshold = 2

[surveys]
folder = "surveys"

[sms]
enabled = true
account_sid = "{twilio.account_sid}"
auth_token = "{twilio.auth_token}"
from_number = "{twilio.from_number}"
api_url = "{twilio.api_url}"
port = {sms_port}

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


@dataclass
class Closed:
    """What the thief takes after the close, and what the test knows to look for."""

    folder: Path
    log: str
    tokens: dict[str, list[str]] = field(default_factory=dict)  # member: page tokens
    result: str = ""
    round_result: str = ""
    summary: dict = field(default_factory=dict)
    db: bytes = b""
    wal: bytes = b""
    wire: dict[str, list[str]] = field(default_factory=dict)  # the bot's texts as they voted
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Closed:
    """One run of the bot, shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("every-channel")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    # Quietened as `mutual-voice -v` does; "mail.log" is the fake relay's (aiosmtpd's) own
    # log, which is no part of the bot's: it writes down every line of every e-mail.
    noisy = {n: logging.getLogger(n).level for n in (*QUIETENED, "mail.log")}
    capture = _Capture()
    with (folder / "bot.log").open("w", encoding="utf-8") as stream:
        logs.configure(logging.DEBUG, "text", stream)  # as `mutual-voice -v run` logs
        root.addHandler(capture)
        for name in noisy:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            outcome = asyncio.run(_run(folder))
        finally:
            for handler in root.handlers[:]:
                root.removeHandler(handler)
            for handler in saved[0]:
                root.addHandler(handler)
            root.setLevel(saved[1])
            for name, level in noisy.items():
                logging.getLogger(name).setLevel(level)
    outcome.log = (folder / "bot.log").read_text(encoding="utf-8")
    outcome.errors = no_tracebacks(capture.records)
    return outcome


class _Capture(logging.Handler):
    """Every record, for the tracebacks."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Members:
    """The members' phones, mailboxes and browsers."""

    def __init__(self, bot, twilio: FakeTwilio, relay: FakeSMTP, web: int, seen: Closed) -> None:
        self.bot, self.twilio, self.relay, self.web, self.seen = bot, twilio, relay, web, seen

    def texts(self, member: str) -> list[str]:
        return [s.body for s in self.twilio.sent_to(SMS[member])]

    def mails(self, member: str) -> list[str]:
        return [r.part("plain") for r in self.relay.to(EMAIL[member])]

    def subjects(self, member: str) -> list[str]:
        return [str(r.message["Subject"]) for r in self.relay.to(EMAIL[member])]

    async def text(self, member: str, body: str) -> str:
        """`body` from the member's phone; the bot's next text to them."""
        before = len(self.texts(member))
        _, status = await self.twilio.push_text(SMS[member], body)
        assert status == 200
        await self.bot.until(lambda: len(self.texts(member)) > before, f"an answer to {member}")
        return self.texts(member)[before]

    def link(self, member: str, text: str) -> str:
        """The personal link in `text`, as the member's browser reaches the web server."""
        found = LINK.findall(text)
        assert found, text
        token = found[-1].rsplit("/", 1)[1]
        self.seen.tokens.setdefault(member, []).append(token)
        return found[-1].replace(PUBLIC, f"http://127.0.0.1:{self.web}")

    async def on_page(self, session: aiohttp.ClientSession, url: str, form: dict) -> str:
        """Open the page, fill in `form` (labels to the values the page offers), send it;
        the page it leads to."""
        async with session.get(url) as page:
            assert page.status == 200, await page.text()
            body = await page.text()
        csrf = re.search(r'<input type="hidden" name="csrf" value="([^"]+)">', body)
        assert csrf, body
        data = {"csrf": csrf.group(1)}  # as the browser sends the form back
        for name, label in form.items():
            data[name] = value_of(body, name, label)
        async with session.post(url, data=data) as sent:
            assert sent.status == 200, await sent.text()
            assert sent.history and sent.history[0].status == 303  # POST-redirect-GET
            return await sent.text()


def value_of(page: str, name: str, label: str) -> str:
    """The value of the input `name` whose `<label for=id>` says `label`."""
    values = {}
    for tag in re.findall(r"<input[^>]*>", page):
        ident, value = re.search(r'id="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if f'name="{name}"' in tag and ident and value:
            values[ident.group(1)] = value.group(1)
    for ident, value in values.items():
        found = re.search(rf'<label for="{re.escape(ident)}">(.*?)</label>', page, re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""
        if text.strip("\u2066\u2067\u2068\u2069 \n") == label:
            return value
    raise AssertionError(f"no {label!r} for {name} on the page: {values}")


async def _run(folder: Path) -> Closed:
    (folder / "surveys").mkdir()
    (folder / "surveys" / "tenant-check.toml").write_text(SURVEY, encoding="utf-8")
    (folder / "rules.toml").write_text(VOTE, encoding="utf-8")
    seen = Closed(folder, "")
    clock = ProcessClock(london(2, 8, 30))  # Wednesday, before the vote opens
    web_port, sms_port = free_port(), free_port()
    inbound = f"http://127.0.0.1:{sms_port}/sms/inbound"
    async with (
        fakes(clock) as (telegram, slack),
        FakeTwilio(webhook_url=inbound, clock=lambda: clock.now.timestamp()) as twilio,
        FakeSMTP("starttls", "relay-user", "relay-password-for-tests", clock=clock) as relay,
    ):
        assert relay.tls is not None
        ca = relay.tls.ca_file(folder)
        extra = sections(twilio, sms_port, relay, ca, web_port)
        config = write_config(folder, telegram, slack, extra)

        def set_up(app: App) -> None:
            import_members(app, ROSTER)
            now = app.clock()
            for member, user in TELEGRAM.items():
                telegram.add_user(user)
                link_telegram(app, member, user)
            for member, phone in SMS.items():
                members.link_identity(app.db, "sms", phone, phone, member, now)
            for member, address in EMAIL.items():
                members.link_identity(app.db, "email", address, address, member, now)
            zone = app.settings.organisation.timezone
            create_vote(app.ctx, load_vote_file(folder / "rules.toml", zone), "officer", False)

        async with (
            running(config, clock, telegram, slack, set_up) as bot,
            aiohttp.ClientSession() as session,
        ):
            assert {"telegram", "sms", "email"} <= set(bot.app.senders)
            people = Members(bot, twilio, relay, web_port, seen)
            await _take_part(bot, people, session)
            await _remind_and_close(bot, people, seen)
    return seen


async def _take_part(bot, people: Members, session: aiohttp.ClientSession) -> None:
    db = bot.app.db
    # Wednesday 09:00: the vote opens; 10:00 the check-in round.
    await bot.at(london(2, 9))
    await bot.at(london(2, 10))
    await bot.until(
        lambda: (
            all(says(bot.telegram_texts(u), "Repairs are done well") for u in TELEGRAM.values())
            and all(len(people.texts(m)) >= 2 for m in ("smk1w", "smk2w", "smk3w"))
            and all(len(people.mails(m)) >= 2 for m in EMAIL)
        ),
        "the vote's announcement and the round's first question on every channel",
    )  # fmt: skip
    assert people.texts("duk1w") == []  # a chat app wins: the bot writes there

    # Telegram: buttons (duk1w answers the round here, and votes by text below).
    for member in ("tgk1w", "tgk2w", "duk1w"):
        await bot.press(TELEGRAM[member], ANSWERS[member])
    for member in ("tgk1w", "tgk2w"):
        for label in ("Vote now", VOTES[member], "Confirm"):
            await bot.press(TELEGRAM[member], label)

    # SMS: the vote by numbers, the round by its page link.
    # duk1w, told of the vote on Telegram, asks for the ballot by text instead.
    for member, first in (("smk1w", "1"), ("smk2w", "1"), ("duk1w", "/vote rules-2027")):
        ballot = await people.text(member, first)
        number = re.search(rf"(\d) for {VOTES[member]}\b", ballot)
        assert number, ballot
        confirm = await people.text(member, number.group(1))
        assert f"You are voting: {VOTES[member]}." in confirm, confirm
        thanks = await people.text(member, "1")
        assert RECEIPT.search(thanks), thanks
        people.seen.wire[member] = [ballot, confirm, thanks]
    for member in ("smk1w", "smk2w"):
        (announcement,) = [t for t in people.texts(member) if "New vote: " in t]
        assert announcement.startswith(f"New vote: {VOTE_TITLE}"), announcement
        assert announcement.endswith("Reply 1 for Vote now."), announcement
        (invitation,) = [t for t in people.texts(member) if "Tenant check-in" in t]
        url = people.link(member, invitation)
        answered = await people.on_page(session, url, {"q-0": ANSWERS[member]})
        assert "You&#39;ve answered the Tenant check-in" in answered, answered

    # E-mail: both by the links in the e-mails.
    for member in ("emk1w", "emk2w"):
        by_subject = dict(zip(people.subjects(member), people.mails(member), strict=True))
        vote_mail = by_subject[f"New vote: {VOTE_TITLE}"]
        (round_mail,) = [m for s, m in by_subject.items() if "New vote" not in s]
        cast = await people.on_page(
            session, people.link(member, vote_mail), {"choice": VOTES[member]}
        )
        assert RECEIPT.search(cast), cast
        answered = await people.on_page(
            session, people.link(member, round_mail), {"q-0": ANSWERS[member]}
        )
        assert "You&#39;ve answered the Tenant check-in" in answered, answered

    # duk1w voted by text; on Telegram the announcement's Vote now tells them so, kindly.
    await bot.press(TELEGRAM["duk1w"], "Vote now")
    refused = bot.telegram_texts(TELEGRAM["duk1w"])  # the announcement, edited
    assert says(refused, f"You've already voted in {VOTE_TITLE}"), refused
    assert votes.count_voters(db, "rules-2027") == len(VOTES)
    await bot.until(lambda: outbox.waiting(db, "telegram") == 0, "the Telegram replies")


async def _remind_and_close(bot, people: Members, seen: Closed) -> None:
    db = bot.app.db
    # A forged STOP for smk3w (not signed with the auth token) is refused and does nothing.
    forged = people.twilio.inbound(SMS["smk3w"], "STOP")
    assert await people.twilio.post(people.twilio.webhook_url, forged, signed_with="forged") == 403
    assert members.unreachable(db) == []
    before_tg = {m: len(bot.telegram_texts(u)) for m, u in TELEGRAM.items()}
    before_sms = {m: len(people.texts(m)) for m in SMS}
    before_mail = {m: len(people.mails(m)) for m in EMAIL}
    # Thursday 10:00 the round's reminder, 17:00 the vote's.
    await bot.at(london(3, 10))
    await bot.at(london(3, 17))
    await bot.until(
        lambda: (
            says(bot.telegram_texts(TELEGRAM["tgk3w"])[before_tg["tgk3w"]:], f"Reminder: {VOTE_TITLE}")
            and sum(1 for t in people.texts("smk3w")[before_sms["smk3w"]:]) >= 2
            and len(people.mails("emk3w")) >= before_mail["emk3w"] + 2
        ),
        "both reminders to those who have not taken part",
    )  # fmt: skip
    await bot.until(
        lambda: all(outbox.waiting(db, p) == 0 for p in ("telegram", "sms", "email")),
        "every reminder to go",
    )
    t3 = bot.telegram_texts(TELEGRAM["tgk3w"])[before_tg["tgk3w"] :]
    assert says(t3, "gentle reminder"), t3
    for member in ("tgk1w", "tgk2w", "duk1w"):
        assert bot.telegram_texts(TELEGRAM[member])[before_tg[member] :] == [], member
    for member in ("smk1w", "smk2w", "duk1w"):
        assert people.texts(member)[before_sms[member] :] == [], member
    for member in ("emk1w", "emk2w"):
        assert people.mails(member)[before_mail[member] :] == [], member
    s3 = people.texts("smk3w")[before_sms["smk3w"] :]
    assert says(s3, f"Reminder: {VOTE_TITLE}") and len(s3) == 2, s3
    assert says(s3, "A gentle reminder: the Tenant check-in is open until"), s3
    e3 = people.subjects("emk3w")[before_mail["emk3w"] :]
    assert len(e3) == 2 and any(s.startswith(f"Reminder: {VOTE_TITLE}") for s in e3), e3

    # Friday: the round closes at 10:00, the vote at 17:00.
    await bot.at(london(4, 10))
    await bot.until(
        lambda: db.execute(
            "select closed_at from pulse_rounds where survey_id = 'tenant-check'"
        ).fetchone()[0],
        "the round to close",
    )
    await bot.at(london(4, 17))
    await bot.until(
        lambda: says(bot.slack_texts(COUNCIL), f"Result: {VOTE_TITLE}"),
        "the vote's result to reach the council",
    )
    await bot.until(
        lambda: all(outbox.waiting(db, p) == 0 for p in ("telegram", "sms", "email", "slack")),
        "the results to go",
    )
    # The thief's copy, taken from the running server once the results have gone.
    path = seen.folder / "mv.db"
    wal = Path(f"{path}-wal")
    seen.db, seen.wal = path.read_bytes(), wal.read_bytes() if wal.exists() else b""
    seen.result = next(t for t in bot.slack_texts(COUNCIL) if f"Result: {VOTE_TITLE}" in t)
    ((round_id,),) = db.execute("select id from pulse_rounds").fetchall()
    seen.round_result = repr(pulses.channel_turnout(db, pulses.get_round(db, round_id)))
    (stored,) = db.execute("select result from votes where vote_id = 'rules-2027'").fetchone()
    seen.summary = json.loads(stored)


def test_every_channel_is_counted_once_with_turnout_per_channel(closed: Closed) -> None:
    assert closed.errors == []
    result = closed.result
    assert f"{len(VOTES)} of {len(MEMBERS)} eligible members voted" in result, result
    assert "The resolution is passed" in result and "4 for, 3 against" in result, result
    # The officer's count: turnout per channel, summing to the voters.
    summary = closed.summary
    assert summary["turnout_by_channel"] == {"telegram": 2, "sms": 3, "page": 2}, summary
    (line,) = [x for x in summary["explanation"] if x.startswith("By channel: ")]
    assert sorted(line.removeprefix("By channel: ").rstrip(".").split(", ")) == [
        "SMS 3",
        "Telegram 2",
        "the member's page 2",
    ], line
    # The round's: SMS and e-mail members both answered on the page.
    assert closed.round_result == repr({"page": 4, "telegram": 3}), closed.round_result


# ---------------------------------------------------------------------- the secrecy attack

# Whose records are searched: every member who took part by SMS, e-mail or the page.
TARGETS = ("smk1w", "smk2w", "emk1w", "emk2w", "duk1w")
VOTE_LABELS = ("For", "Against", "Abstain")
SCALE_LABELS = ("Strongly disagree", "Disagree", "Neither", "Strongly agree", "Agree")
TOKEN = re.compile(rb"[A-Za-z0-9_-]{32}")


def member_ids(closed: Closed) -> dict[str, list[bytes]]:
    """Every identifier of each target, in the forms its bytes may take in a file: member
    id, name, phone, e-mail address, Telegram chat id, and the page tokens they were sent."""
    found = {}
    for m in TARGETS:
        forms = [m, f"Tenant {m}", *closed.tokens.get(m, [])]
        forms += [x for x in (SMS.get(m), EMAIL.get(m)) if x]
        if m in TELEGRAM:
            forms.append(str(TELEGRAM[m]))
        found[m] = [f.encode() for f in forms]
    return found


def choice_counts(blobs: list[bytes], labels: tuple[str, ...]) -> list[int]:
    """How often each label stands in `blobs` as a word of its own (longest labels first,
    so "Agree" is not counted inside "Strongly agree")."""
    counts = [0] * len(labels)
    for blob in blobs:
        text = blob.decode("utf-8", "replace")
        for n in sorted(range(len(labels)), key=lambda i: -len(labels[i])):
            pattern = rf"(?<![\w-]){re.escape(labels[n])}(?![\w-])"
            counts[n] += len(re.findall(pattern, text))
            text = re.sub(pattern, " ", text)
    return counts


def test_no_record_pairs_a_member_with_their_choice(closed: Closed, tmp_path: Path) -> None:
    """The closed file, its -wal and the log, as a thief would take them: nothing that
    names an SMS, e-mail or page member (id, name, phone, address, page token) says what
    they chose: no label of their choice stands beside them more than beside the others,
    no receipt code of theirs is found, no token in the thief's hands unseals a receipt,
    and no value of the file, tried as the vote's secret, makes a key of theirs."""
    ids = member_ids(closed)
    records = gather(Snapshot(0, closed.db, closed.wal), ids, tmp_path / "scratch")
    in_log = log_lines(closed.log, ids)
    assert records.tables > 20  # the whole schema was read
    copy = sqlite3.connect(tmp_path / "scratch" / "copy.db")
    ballots = dict(copy.execute("select receipt, choice from vote_ballots"))
    assert len(ballots) == len(VOTES)  # the published ballot list, with receipt codes
    sealed = [r for (r,) in copy.execute("select receipt from page_links") if r]
    copy.close()

    # Every string that could be a page token, anywhere in the thief's hands.
    everything = closed.db + closed.wal + closed.log.encode()
    tokens = {t.decode() for t in TOKEN.findall(everything)}
    opened = [page_links.unseal(t, s) for t in tokens for s in sealed]
    assert [r for r in opened if r] == [], "a token in the file opens a sealed receipt"
    for m in ids:
        for token in closed.tokens.get(m, []):
            assert token.encode() not in everything, (m, "a page token is kept")
        blobs = {
            "rows": records.blobs["rows"][m],
            "file": records.blobs["file"][m],
            "wal": records.blobs["wal"][m],
            "log": in_log[m],
        }
        for source, found in blobs.items():
            for labels, truth in ((VOTE_LABELS, VOTES[m]), (SCALE_LABELS, ANSWERS[m])):
                counts = choice_counts(found, labels)
                mine, others = counts[labels.index(truth)], counts
                assert mine <= min(o for n, o in enumerate(others) if labels[n] != truth), (
                    m, source, truth, dict(zip(labels, counts, strict=True)))  # fmt: skip
            receipts = [r for blob in found for r in RECEIPT.findall(blob.decode("latin-1"))]
            assert not any(r in ballots for r in receipts), (m, source, receipts)
        assert not records.keyed[m], (m, records.keyed[m])
        # No row of what was chosen (ballots, answers, counts) names them.
        named = {table for table, _before, _after in records.gaps[m]}
        assert not {t for t in named if t.startswith(("vote_ballots", "pulse_answers"))}, named

    # The attackers are not blind. The texts sent as the two texters voted (who chose
    # differently) name their choices: each one's label stands out against the other's;
    texted = {m: choice_counts([t.encode() for t in closed.wire[m]], VOTE_LABELS) for m in
              ("smk1w", "smk2w")}  # fmt: skip
    for m, other in (("smk1w", "smk2w"), ("smk2w", "smk1w")):
        more = [a - b for a, b in zip(texted[m], texted[other], strict=True)]
        assert more.index(max(more)) == VOTE_LABELS.index(VOTES[m]) and max(more) > 0, texted
    # and a page token, from the member's mailbox, opens the receipt kept with its link.
    found = {page_links.unseal(t, s) for t in closed.tokens["emk1w"] for s in sealed}
    assert len(found - {None}) == 1 and (found - {None}).pop() in ballots
