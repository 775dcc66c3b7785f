"""Every channel in the running bot, each member counted once: the real runner with the
Telegram, SMS (the `twilio` client against FakeTwilio's signed webhooks) and e-mail
(aiosmtplib against FakeSMTP) adapters, the web server serving the member's page, and
APScheduler, on a clock the test moves (so quiet hours, 21:00-08:00, are never waited on
whatever the wall clock says: the process's day is Wednesday 2 to Friday 4 December).

A vote and a check-in round open. Telegram members press buttons; SMS members reply with
a number to vote and follow the page link in the text for the round; e-mail members
follow the links in their e-mails and vote and answer on the page over HTTP. A member on
Telegram and SMS votes on Telegram and is refused by text. Reminders go only to those who
have not taken part, each on their own channel. At close every ballot and answer counts
once, and the result shows turnout per channel. The log holds no error.

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
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bot.app import App
from bot.web.member_page import csrf_for
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
from tests.process.test_month import SURVEY, VOTE, VOTE_TITLE, london, says

pytestmark = pytest.mark.slow

TELEGRAM = {"t1": 5301, "t2": 5302, "t3": 5303, "d1": 5304}
SMS = {"s1": "+447700900401", "s2": "+447700900402", "s3": "+447700900403", "d1": "+447700900404"}
EMAIL = {"e1": "pat@homes.example", "e2": "lee@homes.example", "e3": "sam@homes.example"}
MEMBERS = [*dict.fromkeys([*TELEGRAM, *SMS, *EMAIL])]
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Tenant {m},{EMAIL.get(m, '')},tenant\n" for m in MEMBERS
)
PUBLIC = "https://voice.riverside.example"
LINK = re.compile(re.escape(PUBLIC) + r"/m/[\w-]+")
RECEIPT = re.compile(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b")
# Who does what, and how: the vote (For, Against) and the check-in (a scale answer).
VOTES = {"t1": "For", "t2": "Against", "d1": "For", "s1": "Against", "s2": "For",
         "e1": "For", "e2": "Against"}  # fmt: skip
ANSWERS = {"t1": "Agree", "t2": "Disagree", "d1": "Agree", "s1": "Strongly agree",
           "s2": "Disagree", "e1": "Strongly disagree", "e2": "Agree"}  # fmt: skip
# t3, s3 and e3 take part in nothing: the reminders' audience.


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
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Closed:
    """One run of the bot, shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("every-channel")
    handler = _Capture()
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        outcome = asyncio.run(_run(folder))
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
    outcome.log = "\n".join(handler.lines)
    outcome.errors = no_tracebacks(handler.records)
    return outcome


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


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
        token = url.rsplit("/", 1)[1]
        data = {"csrf": csrf_for(token)}
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
            and all(len(people.texts(m)) >= 2 for m in ("s1", "s2", "s3"))
            and all(len(people.mails(m)) >= 2 for m in EMAIL)
        ),
        "the vote's announcement and the round's first question on every channel",
    )  # fmt: skip
    assert people.texts("d1") == []  # d1 joined a chat app: the bot writes there

    # Telegram: buttons.
    for member in ("t1", "t2", "d1"):
        user = TELEGRAM[member]
        await bot.press(user, ANSWERS[member])
        for label in ("Vote now", VOTES[member], "Confirm"):
            await bot.press(user, label)

    # SMS: the vote by numbers, the round by its page link.
    for member in ("s1", "s2"):
        (announcement,) = [t for t in people.texts(member) if "New vote: " in t]
        (invitation,) = [t for t in people.texts(member) if "Tenant check-in" in t]
        assert announcement.startswith(f"New vote: {VOTE_TITLE}"), announcement
        assert announcement.endswith("Reply 1 for Vote now."), announcement
        ballot = await people.text(member, "1")
        number = re.search(rf"(\d) for {VOTES[member]}\b", ballot)
        assert number, ballot
        confirm = await people.text(member, number.group(1))
        assert f"You are voting: {VOTES[member]}." in confirm, confirm
        thanks = await people.text(member, "1")
        assert RECEIPT.search(thanks), thanks
        url = people.link(member, invitation)
        answered = await people.on_page(session, url, {"q-0": ANSWERS[member]})
        assert "You&#39;ve answered the Tenant check-in" in answered, answered

    # E-mail: both by the links in the e-mails.
    for member in ("e1", "e2"):
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

    # d1 voted on Telegram; by text they are told kindly that they have voted.
    refused = await people.text("d1", "/vote rules-2027")
    assert "already voted" in refused, refused
    assert votes.count_voters(db, "rules-2027") == len(VOTES)
    await bot.until(lambda: outbox.waiting(db, "telegram") == 0, "the Telegram replies")


async def _remind_and_close(bot, people: Members, seen: Closed) -> None:
    db = bot.app.db
    before_tg = {m: len(bot.telegram_texts(u)) for m, u in TELEGRAM.items()}
    before_sms = {m: len(people.texts(m)) for m in SMS}
    before_mail = {m: len(people.mails(m)) for m in EMAIL}
    # Thursday 10:00 the round's reminder, 17:00 the vote's.
    await bot.at(london(3, 10))
    await bot.at(london(3, 17))
    await bot.until(
        lambda: (
            says(bot.telegram_texts(TELEGRAM["t3"])[before_tg["t3"]:], f"Reminder: {VOTE_TITLE}")
            and sum(1 for t in people.texts("s3")[before_sms["s3"]:]) >= 2
            and len(people.mails("e3")) >= before_mail["e3"] + 2
        ),
        "both reminders to those who have not taken part",
    )  # fmt: skip
    await bot.until(
        lambda: all(outbox.waiting(db, p) == 0 for p in ("telegram", "sms", "email")),
        "every reminder to go",
    )
    t3 = bot.telegram_texts(TELEGRAM["t3"])[before_tg["t3"] :]
    assert says(t3, "gentle reminder"), t3
    for member in ("t1", "t2", "d1"):
        assert bot.telegram_texts(TELEGRAM[member])[before_tg[member] :] == [], member
    for member in ("s1", "s2", "d1"):
        assert people.texts(member)[before_sms[member] :] == [], member
    for member in ("e1", "e2"):
        assert people.mails(member)[before_mail[member] :] == [], member
    s3 = people.texts("s3")[before_sms["s3"] :]
    assert says(s3, f"Reminder: {VOTE_TITLE}") and len(s3) == 2, s3
    e3 = people.subjects("e3")[before_mail["e3"] :]
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
    assert summary["turnout_by_channel"] == {"telegram": 3, "sms": 2, "page": 2}, summary
    (line,) = [x for x in summary["explanation"] if x.startswith("By channel: ")]
    assert sorted(line.removeprefix("By channel: ").rstrip(".").split(", ")) == [
        "SMS 2",
        "Telegram 3",
        "the member's page 2",
    ], line
    # The round's: SMS and e-mail members both answered on the page.
    assert closed.round_result == repr({"page": 4, "telegram": 3}), closed.round_result
