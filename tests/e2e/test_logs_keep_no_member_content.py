"""With `-v` (DEBUG) logging, the real Telegram and Slack adapters log nothing a member
typed or pressed: no option label, no callback data or button value, no text, no receipt.

python-telegram-bot logs every API call's parameters and every update at DEBUG, slack_sdk
every request and response body: without `bot.redaction.Withhold`, each ballot below
would be in the log next to the member's chat.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import aiohttp
import pytest

from bot.redaction import LIBRARIES
from handlers.votes.admin import create_vote, open_vote
from storage import conversations, members, outbox
from tests.e2e.slack.harness import running_slack
from tests.e2e.slack.test_slack_adapter import SAM, Slack
from tests.e2e.telegram.test_telegram_bot import running
from tests.fakes.slack_requests import as_slack_returns, block_actions
from tests.handlers.votes.test_votes import definition, options
from tests.helpers import ROSTER

# Distinctive strings, so that finding one in the log is never a coincidence.
CHOSEN = "Quokka Tangerine"
OTHER = "Okapi Vermilion"
TYPED = "Ultramarine pelicans whisper softly"
RECEIPT = re.compile(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b")


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, by the product and its libraries, as `-v` shows it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def open_the_vote(app) -> None:
    ctx = app.ctx
    create_vote(
        ctx,
        definition(
            method="single",
            options=options(CHOSEN, OTHER),
            opens=ctx.now(),
            closes=ctx.now() + timedelta(days=2),
        ),
        "test",
    )
    app.postman.post(list(open_vote(ctx, "agm")))


async def delivered(app, platform: str) -> None:
    """Wait (on the sender, not on time) until nothing waits in the outbox."""
    async with asyncio.timeout(10):
        while outbox.waiting(app.db, platform):
            await asyncio.sleep(0.01)


def assert_nothing_of(log: str, pressed: list[str], receipts: list[str]) -> None:
    for secret in (CHOSEN, OTHER, TYPED, *receipts):
        assert secret not in log, secret
    for value in pressed:  # a short value ("2.0") is looked for as a quoted value
        for form in (
            (value, f"'{value}'", f'"{value}"') if len(value) > 5 else (f"'{value}'", f'"{value}"')
        ):
            assert form not in log, form


async def test_telegram_at_debug_logs_no_ballot_no_callback_data_no_text(tmp_path, debug_log):
    user = 501
    async with running(tmp_path) as bot:
        bot.link("t1", user)
        open_the_vote(bot.app)
        await bot.settled()
        pressed: list[str] = []

        async def press(label: str) -> None:
            for message in reversed(bot.fake.sent(chat_id=user)):
                keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in (b for row in keyboard for b in row):
                    if button["text"].startswith(label):
                        update_id, _ = bot.fake.push_callback(
                            user, message["message_id"], button["callback_data"]
                        )
                        pressed.append(button["callback_data"])
                        await bot.ticker.until(
                            lambda update_id=update_id: (
                                conversations.handled(bot.app.db, "telegram", str(update_id))
                                and outbox.waiting(bot.app.db, "telegram") == 0
                            )
                        )
                        return
            raise AssertionError(f"no {label!r} button: {bot.texts(user)}")

        await bot.reply_to(user, "/vote")
        await bot.settled()
        await press(CHOSEN)
        await press("Confirm")
        await bot.fake.wait_for(lambda: any(RECEIPT.search(t) for t in bot.texts(user)))
        receipts = [m.group(0) for t in bot.texts(user) for m in RECEIPT.finditer(t)]
        await bot.reply_to(user, f"/receipt {receipts[0]}")
        await bot.reply_to(user, TYPED)
        await bot.settled()
        # It all went over the wire: the ballot, the press, the typed text.
        wire = repr([call.params for call in bot.fake.calls])
        assert receipts and CHOSEN in wire and TYPED in wire

    log = debug_log.getvalue()
    assert "Calling Bot API endpoint `sendMessage`" in log  # PTB did log, abridged
    assert_nothing_of(log, pressed, receipts)


async def test_slack_at_debug_logs_no_ballot_no_action_value_no_text(debug_log):
    users = {SAM: ("sam@example.org", "Sam Okafor")}
    async with (
        running_slack(ROSTER, users) as (app, adapter, fake, clock),
        aiohttp.ClientSession() as session,
    ):
        slack = Slack(app, adapter, fake, clock, session)
        dm = fake.dm_channel(SAM)
        members.link_identity(app.db, "slack", SAM, dm, "s1", clock())
        open_the_vote(app)
        pressed: list[str] = []

        async def press(label: str) -> None:
            for message in reversed(fake.posted(dm)):
                buttons = [
                    e
                    for b in message.get("blocks", [])
                    if b["type"] == "actions"
                    for e in b["elements"]
                ]
                for button in buttons:
                    if button.get("text", {}).get("text", "").startswith(label):
                        request = block_actions(
                            SAM,
                            button["action_id"],
                            button.get("value"),
                            dm,
                            message["ts"],
                            trigger_id=fake.new_trigger_id(SAM),
                            message=as_slack_returns(message),
                            text=button["text"]["text"],
                        )
                        pressed.extend([button["action_id"], button.get("value") or ""])
                        assert (await slack.send(request)).status == 200
                        await adapter.settle()
                        await delivered(app, "slack")
                        return
            raise AssertionError(f"no {label!r} button in {fake.posted(dm)}")

        await slack.voice(SAM, "vote", channel=dm)
        await slack.posted_to(SAM, 2)
        await press(CHOSEN)
        await press("Confirm")
        await fake.wait_for(
            lambda: any(RECEIPT.search(m.get("text") or "") for m in fake.posted(dm))
        )
        receipts = [
            found.group(0)
            for m in fake.posted(dm)
            for found in RECEIPT.finditer(m.get("text") or "")
        ]
        await slack.dm(SAM, TYPED)
        await adapter.settle()
        count = len(fake.posted(dm))
        await slack.voice(SAM, f"receipt {receipts[0]}", channel=dm)
        await slack.posted_to(SAM, count + 1)
        wire = repr([call.params for call in fake.calls])
        assert receipts and CHOSEN in wire

    log = debug_log.getvalue()
    assert "slack_sdk" in log and "slack_bolt" in log  # the libraries did log, abridged
    assert_nothing_of(log, pressed, receipts)
