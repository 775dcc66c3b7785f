"""A vote reaching members by e-mail in the running bot: the real runner with the e-mail
adapter (and the web server) beside Telegram and Slack, APScheduler, and a fake SMTP
relay over STARTTLS with sign-in, on a clock the test moves.

The announcement reaches each e-mail member with their own link to the member's page
for the vote; one of them unsubscribes with the one-click POST to the running web
server; the reminder then reaches only the other, and the Telegram tenant as usual.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import aiohttp
import pytest

from bot.app import App
from handlers.members import page_links
from handlers.votes.admin import create_vote
from storage import email, members
from surveys.votes.definitions import load_vote_file
from tests.e2e.email.harness import page_link
from tests.fakes.smtp_server import FakeSMTP
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
from tests.process.test_month import VOTE, VOTE_TITLE, london, says

pytestmark = pytest.mark.slow

EMAIL = {"e1": "pat@homes.example", "e2": "lee@homes.example"}
TELEGRAM = {"t1": 5101}
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Tenant {m},{EMAIL.get(m, '')},tenant\n" for m in (*EMAIL, *TELEGRAM)
)
PUBLIC = "https://voice.riverside.example"


def email_section(fake: FakeSMTP, ca_file: Path, web_port: int) -> str:
    return f"""
[email]
enabled = true
smtp_host = "127.0.0.1"
smtp_port = {fake.port}
security = "starttls"
username = "{fake.username}"
password = "{fake.password}"
from_address = "voice@riverside.example"
ca_file = "{ca_file.name}"

[web]
enabled = true
port = {web_port}
public_url = "{PUBLIC}"
"""


async def test_a_vote_reaches_email_members_and_unsubscribing_stops_the_reminder(
    tmp_path, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(page_links, "page_link", page_link)
    (tmp_path / "rules.toml").write_text(VOTE, encoding="utf-8")
    clock = ProcessClock(london(2, 8, 30))
    web_port = free_port()
    async with (
        fakes(clock) as (telegram, slack),
        FakeSMTP("starttls", "relay-user", "relay-password-for-tests", clock=clock) as relay,
    ):
        assert relay.tls is not None
        ca_file = relay.tls.ca_file(tmp_path)
        config = write_config(tmp_path, telegram, slack, email_section(relay, ca_file, web_port))

        def set_up(app: App) -> None:
            import_members(app, ROSTER)
            for member_id, address in EMAIL.items():
                members.link_identity(app.db, "email", address, address, member_id, app.clock())
            for member_id, user in TELEGRAM.items():
                telegram.add_user(user)
                link_telegram(app, member_id, user)
            zone = app.settings.organisation.timezone
            create_vote(app.ctx, load_vote_file(tmp_path / "rules.toml", zone), "officer", False)

        def subjects(member: str) -> list[str]:
            return [str(r.message["Subject"]) for r in relay.to(EMAIL[member])]

        async with running(config, clock, telegram, slack, set_up) as bot:
            assert "email" in bot.app.senders
            # Wednesday 09:00: the vote opens.
            await bot.at(london(2, 9))
            await bot.until(
                lambda: (
                    all(f"New vote: {VOTE_TITLE}" in subjects(m) for m in EMAIL)
                    and says(bot.telegram_texts(TELEGRAM["t1"]), f"New vote: {VOTE_TITLE}")
                ),
                "the announcement by e-mail and on Telegram",
            )
            for member in EMAIL:
                (announcement,) = relay.to(EMAIL[member])
                assert announcement.tls and announcement.authenticated
                link = f"{PUBLIC}/m/TOKEN-{member}-vote-rules-2027"
                assert link in announcement.part("plain") and link in announcement.part("html")
                assert "Vote now" in announcement.part("html")
            assert relay.connections == 1  # one connection for the batch

            # e2 presses their mail app's Unsubscribe: a POST to the running web server.
            header = relay.to(EMAIL["e2"])[0].message["List-Unsubscribe"].strip()
            path = re.fullmatch(rf"<{re.escape(PUBLIC)}(/u/[\w-]+)>", header).group(1)
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"http://127.0.0.1:{web_port}{path}", data={"List-Unsubscribe": "One-Click"}
                ) as answer,
            ):
                assert answer.status == 200
            assert email.opted_out(bot.app.db, EMAIL["e2"])

            # Thursday 17:00, a day before the close: the reminder.
            await bot.at(london(3, 17))
            await bot.until(
                lambda: (
                    any(s.startswith("Reminder:") for s in subjects("e1"))
                    and says(bot.telegram_texts(TELEGRAM["t1"]), "Reminder:")
                ),
                "the reminder to e1 and t1",
            )
            assert subjects("e2") == [f"New vote: {VOTE_TITLE}"]
            reason = members.identity(bot.app.db, "email", EMAIL["e2"])["unreachable_reason"]
            assert reason == email.UNSUBSCRIBED
    assert no_tracebacks(caplog.records) == []
    assert "relay-password-for-tests" not in caplog.text
