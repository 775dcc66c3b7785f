"""At DEBUG, the SMS adapter, the `twilio` client and aiohttp log nothing a member texted
or was sent: no text, no choice, no receipt, no phone number, and never the auth token."""

from __future__ import annotations

import re

from tests.e2e.sms.harness import PHONE, running
from tests.e2e.sms.test_sms_bot import open_resolution
from tests.e2e.test_logs_keep_no_member_content import debug_log  # noqa: F401 (a fixture)

TYPED = "Ultramarine pelicans whisper softly"


async def test_sms_at_debug_logs_no_text_no_choice_and_no_token(
    tmp_path,
    monkeypatch,
    debug_log,  # noqa: F811
) -> None:
    async with running(tmp_path, monkeypatch) as bot:
        bot.link("t1")
        open_resolution(bot)
        await bot.settled()
        await bot.say("t1", "1")
        await bot.say("t1", "2")
        thanks = await bot.say("t1", "1")
        (receipt,) = re.findall(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b", thanks.body)
        await bot.say("t1", "/suggest")
        topics = await bot.say("t1", TYPED)
        assert "What is it about?" in topics.body  # the typed suggestion was read
        await bot.settled()
        token = bot.fake.auth_token
    log = debug_log.getvalue()
    assert "sms" in log  # the adapter and its libraries did log
    for secret in (
        TYPED,
        receipt,
        "You are voting: Against",
        "Reply 1 for For",
        token,
        PHONE["t1"],
    ):
        assert secret not in log, secret
