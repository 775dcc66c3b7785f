"""A month of the running bot with WhatsApp enabled beside Telegram and Slack: the real
runner with the three real adapters and APScheduler, against the three fakes, on a clock
the test moves (from Monday 30 November to the newsletter of 1 January).

Tenants are on Telegram or WhatsApp, staff on Slack. Every scheduled newsletter, vote
announcement, check-in, reminder and result reaches every member on their own platform
(reminders only those who have not answered), the weekly digest the council. On
WhatsApp nothing free-form goes outside the 24-hour window: a member who has not written
for a day is sent the "Take part" template and reads what waited once they tap it.
Forged webhooks are refused, redelivered ones handled once, and the log holds no error.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.whatsapp import templates as template_file
from bot.app import App
from handlers.votes.admin import create_vote
from storage import conversations, members, outbox, whatsapp
from surveys.votes.definitions import load_vote_file
from tests.fakes.whatsapp_api import DISPLAY_NUMBER, FakeWhatsApp, Template
from tests.process.harness import (
    COUNCIL,
    Bot,
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

TELEGRAM = {"t1": 5001, "t2": 5002, "t3": 5003}
WHATSAPP = {"w1": "447700900201", "w2": "447700900202", "w3": "447700900203"}
STAFF = {"s1": "U0STAFF01", "s2": "U0STAFF02", "s3": "U0STAFF03"}
ROSTER = "member_id,name,email,constituency\n" + "".join(
    [f"{m},Tenant {m},,tenant\n" for m in (*TELEGRAM, *WHATSAPP)]
    + [f"{m},Staff {m},{m}@riverside.example,staff\n" for m in STAFF]
)
VERIFY = "verify-token-for-the-month"
NEWS = f"{VOTE_TITLE}: The resolution is passed"  # in January's newsletter only


class WhatsApp:
    """The WhatsApp members' phones, over the fake."""

    def __init__(self, fake: FakeWhatsApp, bot: Bot) -> None:
        self.fake, self.bot = fake, bot

    def texts(self, member: str) -> list[str]:
        return [s.text for s in self.fake.sent_to(WHATSAPP[member])]

    def saw(self, member: str, words: str) -> bool:
        return says(self.texts(member), words)

    async def handled(self, event: dict, what: str) -> None:
        message_id = event["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        db = self.bot.app.db
        await self.bot.until(
            lambda: (
                conversations.handled(db, "whatsapp", message_id)
                and outbox.waiting(db, "whatsapp") - len(self.held()) == 0
            ),
            what,
        )

    async def at(self, moment: datetime) -> None:
        """Move the clock on, once every WhatsApp message due has gone: in life a send takes
        milliseconds, and days must not pass between its window check and its arrival."""
        db = self.bot.app.db
        await self.bot.until(
            lambda: outbox.waiting(db, "whatsapp") - len(self.held()) == 0,
            "the WhatsApp messages due to be sent",
        )
        await self.bot.at(moment)

    def held(self) -> list[dict]:
        """Rows waiting for a tap on "Take part". Not rows held a few seconds by the pair
        rate limit: those are still on their way, and the clock must not jump under them."""
        return [
            r
            for r in outbox.rows_for(self.bot.app.db, "whatsapp")
            if r["status"] == "pending" and r["error"] in (whatsapp.HELD, whatsapp.HELD_FOR_LIMIT)
        ]

    async def take_part(self, member: str) -> None:
        event = await self.fake.push_quick_reply(
            WHATSAPP[member], template_file.TAKE_PART_PAYLOAD, "Take part"
        )
        await self.handled(event, f"{member}'s tap on Take part")

    async def press(self, member: str, label: str) -> None:
        phone = WHATSAPP[member]
        for sent in reversed(self.fake.sent_to(phone)):
            for option_id, title in sent.options:
                if label in title:
                    kind = sent.body["interactive"]["type"]
                    push = (
                        self.fake.push_button_reply
                        if kind == "button"
                        else self.fake.push_list_reply
                    )
                    event = await push(phone, option_id, title)
                    await self.handled(event, f"{member}'s choice of {label!r}")
                    return
        raise AssertionError(f"no option {label!r} for {member}: {self.texts(member)}")


def whatsapp_section(fake: FakeWhatsApp, port: int) -> str:
    return f"""
[whatsapp]
enabled = true
phone_number_id = "{fake.phone_number_id}"
business_number = "+{DISPLAY_NUMBER}"
access_token = "{fake.token}"
app_secret = "{fake.app_secret}"
verify_token = "{VERIFY}"
api_url = "{fake.api_url}"
port = {port}
constituencies = ["tenant"]
"""


@pytest.fixture
def world(tmp_path: Path) -> Path:
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "tenant-check.toml").write_text(SURVEY, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(VOTE, encoding="utf-8")
    return tmp_path


async def test_a_month_on_three_platforms_keeps_whatsapps_rules(world, caplog):
    caplog.set_level(logging.INFO)
    clock = ProcessClock(london(30, 9, 30, month=11))  # a Monday
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
        ) as fake,
    ):
        for member_id, user in STAFF.items():
            slack.add_user(user, f"{member_id}@riverside.example", f"Staff {member_id}")
        extra = '\n[surveys]\nfolder = "surveys"\n' + whatsapp_section(fake, port)
        config = write_config(world, telegram, slack, extra)

        def set_up(app: App) -> None:
            import_members(app, ROSTER)
            for member_id, user in TELEGRAM.items():
                telegram.add_user(user)
                link_telegram(app, member_id, user)
            for member_id, phone in WHATSAPP.items():
                members.link_identity(app.db, "whatsapp", phone, phone, member_id, app.clock())
                # They joined this morning: their windows are open until tomorrow 09:00.
                whatsapp.wrote(app.db, phone, app.clock())
                fake.last_inbound[phone] = app.clock().timestamp()
            zone = app.settings.organisation.timezone
            create_vote(app.ctx, load_vote_file(world / "rules.toml", zone), "officer", False)

        async with running(config, clock, telegram, slack, set_up) as bot:
            phones = WhatsApp(fake, bot)
            await bot.until(
                lambda: not members.unlinked(bot.app.db, "slack", ["staff"]),
                "the staff to be matched to Slack",
            )

            # Tuesday 10:00, the newsletter: the WhatsApp windows closed at 09:00.
            await phones.at(london(1, 10))
            await bot.until(
                lambda: (
                    all(
                        any(s.type == "template" for s in fake.sent_to(p))
                        for p in WHATSAPP.values()
                    )
                    and all(bot.telegram_texts(u) for u in TELEGRAM.values())
                    and len(phones.held()) == len(WHATSAPP)
                ),
                "templates to WhatsApp members, the newsletter to the others",
            )
            newsletter = next(r for r in phones.held())["payload"]["text"][:40]
            for member in WHATSAPP:
                assert not phones.saw(member, newsletter)
                await phones.take_part(member)
                assert phones.saw(member, newsletter), member

            # Forged and unsigned webhooks change nothing.
            forged = fake.inbound(WHATSAPP["w1"], "text", {"body": "/mydata"})
            assert await fake.deliver(forged, signature="sha256=" + "f" * 64) == 403
            assert await fake.deliver(forged, signature="") == 403

            # Wednesday 09:00: the vote opens; their windows (from Tuesday 10:00) are open.
            await phones.at(london(2, 9))
            await bot.until(
                lambda: (
                    all(phones.saw(m, f"New vote: {VOTE_TITLE}") for m in WHATSAPP)
                    and all(
                        says(bot.telegram_texts(u), f"New vote: {VOTE_TITLE}")
                        for u in TELEGRAM.values()
                    )
                    and all(
                        says(bot.slack_texts(bot.dm(u)), f"New vote: {VOTE_TITLE}")
                        for u in STAFF.values()
                    )
                ),
                "the vote's announcement on all three platforms",
            )
            for member in ("w1", "w2"):
                for label in ("Vote now", "For", "Confirm"):
                    await phones.press(member, label)
            # w2's "Confirm" delivered again by Meta: still one ballot.
            last = fake.inbound(WHATSAPP["w2"], "text", {"body": "/help"})
            assert await fake.deliver(last) == 200
            assert await fake.redeliver(last) == 200
            await phones.handled(last, "w2's /help")
            for user in list(TELEGRAM.values())[:2]:
                for label in ("Vote now", "For", "Confirm"):
                    await bot.press(user, label)

            # Wednesday 10:00: the check-in. w1 and w2 wrote at 09:00 (they voted), so their
            # windows are open; w3 last wrote on Tuesday at 10:00, so theirs has just closed.
            await phones.at(london(2, 10))
            await bot.until(
                lambda: (
                    phones.saw("w1", "Repairs are done well")
                    and phones.saw("w2", "Repairs are done well")
                    and all(
                        says(bot.telegram_texts(u), "Repairs are done well")
                        for u in TELEGRAM.values()
                    )
                    and len(phones.held()) == 1
                    and [s.type for s in fake.sent_to(WHATSAPP["w3"])].count("template") == 2
                ),
                "the check-in's question to w1, w2 and Telegram, a new invitation to w3",
            )
            await phones.take_part("w3")
            assert phones.saw("w3", "Repairs are done well")
            # w3 and t3 leave it for now; the others answer.
            for member in ("w1", "w2"):
                await phones.press(member, "Agree")
            for user in (TELEGRAM["t1"], TELEGRAM["t2"]):
                await bot.press(user, "Agree")

            # Thursday 10:00: the check-in's reminder, only to w3 and t3. w3's window (from
            # the tap on Wednesday at 10:00) has just closed: a template, then the reminder.
            before_wa = {m: len(phones.texts(m)) for m in WHATSAPP}
            before_tg = {u: len(bot.telegram_texts(u)) for u in TELEGRAM.values()}
            await phones.at(london(3, 10))
            await bot.until(
                lambda: (
                    says(
                        bot.telegram_texts(TELEGRAM["t3"])[before_tg[TELEGRAM["t3"]] :],
                        "gentle reminder",
                    )
                    and [s.type for s in fake.sent_to(WHATSAPP["w3"])].count("template") == 3
                    and len(phones.held()) == 1
                ),
                "the check-in's reminder to t3, an invitation to w3",
            )
            assert not phones.saw("w3", "gentle reminder")
            await phones.take_part("w3")
            assert says(phones.texts("w3")[before_wa["w3"] :], "gentle reminder")
            await phones.press("w3", "Agree")  # reminded, w3 answers

            # Thursday 17:00: the vote's reminder to those who have not voted: w3 (whose
            # window is open since 10:00, so as it is), t3 and every member of staff.
            await phones.at(london(3, 17))
            await bot.until(
                lambda: (
                    phones.saw("w3", f"Reminder: {VOTE_TITLE}")
                    and says(bot.telegram_texts(TELEGRAM["t3"]), f"Reminder: {VOTE_TITLE}")
                    and all(
                        says(bot.slack_texts(bot.dm(u)), f"Reminder: {VOTE_TITLE}")
                        for u in STAFF.values()
                    )
                ),
                "the vote's reminder to those who have not voted",
            )
            for member in WHATSAPP:
                reminded = phones.texts(member)[before_wa[member] :]
                assert says(reminded, "gentle reminder") == (member == "w3"), member
                assert says(reminded, f"Reminder: {VOTE_TITLE}") == (member == "w3"), member
            for member, user in TELEGRAM.items():
                reminded = bot.telegram_texts(user)[before_tg[user] :]
                assert says(reminded, "gentle reminder") == (member == "t3"), member
                assert says(reminded, f"Reminder: {VOTE_TITLE}") == (member == "t3"), member
            assert not phones.held(), "nothing waits for w1 and w2, who answered"

            # Friday 17:00: the vote closes; the windows closed on Thursday.
            await phones.at(london(4, 17))
            await bot.until(
                lambda: (
                    says(bot.slack_texts(COUNCIL), f"Result: {VOTE_TITLE}")
                    and all(
                        says(bot.telegram_texts(u), f"Result: {VOTE_TITLE}")
                        for u in TELEGRAM.values()
                    )
                    and len(phones.held()) >= len(WHATSAPP)
                ),
                "the result to the council and Telegram, held on WhatsApp",
            )
            for member in WHATSAPP:
                await phones.take_part(member)
                assert phones.saw(member, f"Result: {VOTE_TITLE}"), member
            result = next(t for t in bot.slack_texts(COUNCIL) if f"Result: {VOTE_TITLE}" in t)
            assert "4 of 9 eligible members voted" in result, result

            # Monday 7th, 09:00: the council's weekly digest, on Slack only.
            sent_before = len(fake.sent)
            await phones.at(london(7, 9))
            await bot.until(lambda: len(slack.files) >= 1, "the council digest's chart")
            (digest,) = slack.files
            assert digest.channel == COUNCIL and digest.content.startswith(b"\x89PNG")
            assert "5 of 6 answered" in digest.initial_comment, digest.initial_comment
            assert "Repairs: 4.0/5" in digest.initial_comment, digest.initial_comment
            assert len(fake.sent) == sent_before, "the digest is the council's, not members'"

            def invited(phone: str) -> int:
                return [s.type for s in fake.sent_to(phone)].count("template")

            def check_ins(texts: list[str]) -> int:
                return sum("Repairs are done well" in t for t in texts)

            # The rest of December, week by week: each Wednesday's check-in reaches every
            # tenant (on WhatsApp after the week's invitation and a tap), who all answer, so
            # no reminder follows; each Monday the council's digest, on Slack only.
            for wednesday in (9, 16, 23, 30):
                invited_before = {p: invited(p) for p in WHATSAPP.values()}
                asked_wa = {m: check_ins(phones.texts(m)) for m in WHATSAPP}
                asked_tg = {u: check_ins(bot.telegram_texts(u)) for u in TELEGRAM.values()}
                await phones.at(london(wednesday, 10))
                await bot.until(
                    lambda before=invited_before, asked=asked_tg: (
                        all(invited(p) == before[p] + 1 for p in WHATSAPP.values())
                        and len(phones.held()) == len(WHATSAPP)
                        and all(
                            check_ins(bot.telegram_texts(u)) == asked[u] + 1
                            for u in TELEGRAM.values()
                        )
                    ),
                    f"the check-in of {wednesday} December to every tenant",
                )
                for member in WHATSAPP:
                    await phones.take_part(member)
                    assert check_ins(phones.texts(member)) == asked_wa[member] + 1, member
                    await phones.press(member, "Agree")
                for user in TELEGRAM.values():
                    await bot.press(user, "Agree")
                if wednesday == 30:
                    break
                digests, sent_before = len(slack.files), len(fake.sent)
                await phones.at(london(wednesday + 5, 9))
                await bot.until(lambda n=digests: len(slack.files) == n + 1, "the week's digest")
                assert slack.files[-1].channel == COUNCIL
                assert "6 of 6 answered" in slack.files[-1].initial_comment
                assert len(fake.sent) == sent_before, "no reminder, nothing else to tenants"

            # Friday 1 January, 10:00: the monthly newsletter (with the vote's result) on all
            # three platforms. Every WhatsApp window has closed: each member is invited
            # once and reads it on a tap.
            invited_before = {p: invited(p) for p in WHATSAPP.values()}
            await phones.at(datetime(2027, 1, 1, 10, tzinfo=UTC))

            def newsletters() -> dict[str, str]:
                return {
                    r["key"].rsplit(":", 1)[1]: r["payload"]["text"]
                    for r in outbox.rows_for(bot.app.db)
                    if r["key"].startswith("digest:members:2027-01-01")
                }

            await bot.until(
                lambda: (
                    all(invited(p) == invited_before[p] + 1 for p in WHATSAPP.values())
                    and all(says(bot.telegram_texts(u), NEWS) for u in TELEGRAM.values())
                    and all(says(bot.slack_texts(bot.dm(u)), NEWS) for u in STAFF.values())
                    and len(phones.held()) == len(WHATSAPP)
                ),
                "January's newsletter to Telegram and Slack, held on WhatsApp",
            )
            assert sorted(newsletters()) == sorted([*TELEGRAM, *WHATSAPP, *STAFF])
            assert all(NEWS in text for text in newsletters().values())
            for member in WHATSAPP:
                assert not phones.saw(member, NEWS), member
                await phones.take_part(member)
                assert phones.saw(member, NEWS), member
            assert not phones.held()
            assert len(slack.files) == 4  # the digests of 7, 14, 21 and 28 December

        assert fake.window_violations == 0
        assert fake.interactive_violations == 0
        assert [e.code for _, e in fake.refused] == []
        invitations = [s.to for s in fake.sent if s.type == "template"]
        # For everyone: both newsletters, the result and four more check-ins; for w3 also
        # the first check-in and its reminder.
        assert sorted(invitations) == sorted([*WHATSAPP.values()] * 7 + [WHATSAPP["w3"]] * 2)
    assert no_tracebacks(caplog.records) == []
