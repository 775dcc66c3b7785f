"""A month in the life of the running bot: the real runner with both real adapters and the
real APScheduler firing, against FakeTelegram and FakeSlack, on a clock the test moves.

What is checked is what people would see: the messages at the fake platforms. The log must
hold no traceback and no error from start to end, restarts included.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App
from handlers.votes.admin import create_vote
from storage import members, outbox
from surveys.votes.definitions import load_vote_file
from tests.process.harness import (
    COUNCIL,
    Bot,
    ProcessClock,
    fakes,
    import_members,
    link_telegram,
    no_tracebacks,
    running,
    write_config,
)

pytestmark = pytest.mark.slow

TENANTS = {f"t{n}": 5000 + n for n in range(1, 7)}  # member id: Telegram user id
STAFF = {f"s{n}": f"U0STAFF0{n}" for n in range(1, 7)}  # member id: Slack user id
ROSTER = "member_id,name,email,constituency\n" + "".join(
    [f"{m},Tenant {m[1:]},,tenant\n" for m in TENANTS]
    + [f"{m},Staff {m[1:]},{m}@riverside.example,staff\n" for m in STAFF]
)
SURVEY = """
id = "tenant-check"
title = "Tenant check-in"
audience = ["tenant"]
schedule = "0 10 * * wed"
open_hours = 48
reminder_hours = 24
thanks = "Thank you. The council sees the results on Monday."

[[questions]]
id = "repairs"
kind = "scale"
text = "Repairs are done well and on time."
topic = "Repairs"
"""
VOTE = """
id = "rules-2027"
title = "Adopt the new rules"
explanation = "Resolution 1: that the society adopts the new rules."
method = "resolution"
constituencies = ["tenant", "staff"]
opens = 2026-12-02T09:00:00
closes = 2026-12-04T17:00:00
reminder_hours = [24]
"""
VOTE_TITLE = "Adopt the new rules"


def says(texts: list[str], words: str) -> bool:
    return any(words in text for text in texts)


def everyone_saw(bot: Bot, words: str) -> bool:
    """Every tenant (on Telegram) and every member of staff (in a Slack DM) was sent `words`."""
    return all(says(bot.telegram_texts(u), words) for u in TENANTS.values()) and all(
        says(bot.slack_texts(bot.dm(u)), words) for u in STAFF.values()
    )


def london(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)  # London is on UTC in winter


@pytest.fixture
def world(tmp_path: Path) -> Path:
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "tenant-check.toml").write_text(SURVEY, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(VOTE, encoding="utf-8")
    return tmp_path


async def test_a_month_of_scheduled_work_reaches_members_and_council(world, caplog):
    caplog.set_level(logging.INFO)
    clock = ProcessClock(london(30, 9, 30, month=11))  # a Monday
    async with fakes(clock) as (telegram, slack):
        for member_id, user in STAFF.items():
            slack.add_user(user, f"{member_id}@riverside.example", f"Staff {member_id[1:]}")
        config = write_config(world, telegram, slack, '\n[surveys]\nfolder = "surveys"\n')

        def set_up(app: App) -> None:
            """What the officer did before starting the bot: the roster, the joined tenants,
            a vote with its opening and closing times."""
            import_members(app, ROSTER)
            for member_id, user in TENANTS.items():
                telegram.add_user(user)
                link_telegram(app, member_id, user)
            zone = app.settings.organisation.timezone
            create_vote(app.ctx, load_vote_file(world / "rules.toml", zone), "officer", False)

        async with running(config, clock, telegram, slack, set_up) as bot:
            await bot.until(
                lambda: not members.unlinked(bot.app.db, "slack", ["staff"]),
                "the staff to be matched to Slack by e-mail at start-up",
            )

            # Tuesday the 1st, 10:00: the members' newsletter.
            await bot.at(london(1, 10))
            await bot.until(
                lambda: (
                    all(bot.telegram_texts(u) for u in TENANTS.values())
                    and all(bot.slack_texts(bot.dm(u)) for u in STAFF.values())
                ),
                "the newsletter to reach every member",
            )
            # Wednesday 09:00: the vote opens and every eligible member is told.
            await bot.at(london(2, 9))
            await bot.until(
                lambda: everyone_saw(bot, f"New vote: {VOTE_TITLE}"),
                "the vote's announcement to reach every eligible member",
            )
            # 10:00: the check-in opens for tenants.
            await bot.at(london(2, 10))
            await bot.until(
                lambda: all(
                    says(bot.telegram_texts(u), "Repairs are done well") for u in TENANTS.values()
                ),
                "the check-in's first question to reach every tenant",
            )

            # Five tenants answer; four vote For.
            for user in list(TENANTS.values())[:5]:
                await bot.press(user, "Agree")
            for user in list(TENANTS.values())[:4]:
                for label in ("Vote now", "For", "Confirm"):
                    await bot.press(user, label)
            late_tenant, t6 = TENANTS["t5"], TENANTS["t6"]

            # Thursday 10:00: the check-in's reminder goes to the one tenant who has not answered.
            before = {u: len(bot.telegram_texts(u)) for u in TENANTS.values()}
            await bot.at(london(3, 10))
            await bot.until(
                lambda: says(bot.telegram_texts(t6)[before[t6] :], "gentle reminder"),
                "the check-in's reminder to reach the tenant who has not answered",
            )
            # Thursday 17:00: the vote's reminder goes to those who have not voted.
            await bot.at(london(3, 17))
            await bot.until(
                lambda: (
                    all(
                        says(bot.telegram_texts(u), f"Reminder: {VOTE_TITLE}")
                        for u in (late_tenant, t6)
                    )
                    and all(
                        says(bot.slack_texts(bot.dm(u)), f"Reminder: {VOTE_TITLE}")
                        for u in STAFF.values()
                    )
                ),
                "the vote's reminder to reach those who have not voted",
            )
            for member_id, user in TENANTS.items():
                reminded = bot.telegram_texts(user)[before[user] :]
                assert says(reminded, "gentle reminder") == (member_id == "t6"), member_id
                assert says(reminded, f"Reminder: {VOTE_TITLE}") == (member_id in ("t5", "t6")), (
                    member_id,
                    before[user],
                    bot.telegram_texts(user),
                )

            # Friday: the check-in closes at 10:00, the vote at 17:00 with its result for all.
            await bot.at(london(4, 10))
            await bot.until(
                lambda: bot.app.db.execute(
                    "select closed_at from pulse_rounds where survey_id = 'tenant-check'"
                ).fetchone()[0],
                "the check-in round to close",
            )
            await bot.at(london(4, 17))
            await bot.until(
                lambda: (
                    everyone_saw(bot, f"Result: {VOTE_TITLE}")
                    and says(bot.slack_texts(COUNCIL), f"Result: {VOTE_TITLE}")
                ),
                "the vote's result to reach every eligible member and the council",
            )
            result = next(t for t in bot.slack_texts(COUNCIL) if f"Result: {VOTE_TITLE}" in t)
            assert "4 of 12 eligible members voted" in result and "passed" in result

            # Monday 7th, 09:00: the council's digest, with the check-in's results and a chart.
            await bot.at(london(7, 9))
            await bot.until(lambda: len(slack.files) >= 1, "the council digest's chart")
            (digest,) = slack.files
            assert digest.channel == COUNCIL and digest.content.startswith(b"\x89PNG")
            assert "5 of 6 answered" in digest.initial_comment
            assert "Repairs: 4.0/5" in digest.initial_comment
        assert no_tracebacks(caplog.records) == []

        # The bot is down over the next Monday; the digest it missed is sent once on restart.
        clock.now = london(15, 12)
        for attempt in range(2):
            async with running(config, clock, telegram, slack) as bot:
                await bot.until(
                    lambda: (
                        bot.app.db.execute(
                            "select count(*) from outbox where key like 'digest:council:%'"
                        ).fetchone()[0]
                        >= 2
                    ),
                    "the missed digest to be queued",
                )
                await bot.until(
                    lambda: outbox.waiting(bot.app.db, "slack") == 0, "the digest to be sent"
                )
            assert len(slack.files) == 2, f"restart {attempt + 1}: the missed digest went once"

        # Three weeks on, housekeeping has blanked the text of messages delivered long ago.
        async with running(config, clock, telegram, slack) as bot:
            await bot.at(london(22, 12))
            await bot.until(
                lambda: all(
                    not (row["payload"] or {}).get("text")
                    for row in outbox.rows_for(bot.app.db)
                    if row["status"] == "sent" and row["sent_at"] < "2026-12-07"
                ),
                "housekeeping to blank the text of messages over 14 days old",
            )
    assert no_tracebacks(caplog.records) == []
