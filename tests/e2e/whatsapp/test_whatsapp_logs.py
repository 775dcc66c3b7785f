"""At DEBUG, the WhatsApp adapter and aiohttp log nothing a member typed or pressed: no
text, no option id, no receipt, no phone number's message bodies."""

from __future__ import annotations

from handlers.members import invites
from tests.e2e.test_logs_keep_no_member_content import debug_log  # noqa: F401 (a fixture)
from tests.e2e.whatsapp.harness import PHONE, running

TYPED = "Ultramarine pelicans whisper softly"


async def test_whatsapp_at_debug_logs_no_text_and_no_choice(tmp_path, debug_log) -> None:  # noqa: F811
    async with running(tmp_path) as bot:
        (invite,) = invites.issue(bot.app.ctx, ["t1"], "test")
        welcome = await bot.say("t1", f"JOIN {invite.token}")
        option_id, title = welcome.options[1]
        await bot.fake.push_button_reply(PHONE["t1"], option_id, title)
        await bot.fake.wait_for(lambda: "What we keep" in bot.fake.sent_to(PHONE["t1"])[-1].text)
        await bot.settled()
        await bot.say("t1", "/suggest")
        topics = await bot.say("t1", TYPED)
        assert "What is it about?" in topics.text  # the typed suggestion was read
        await bot.settled()
    log = debug_log.getvalue()
    assert "whatsapp" in log  # the adapter and its libraries did log
    for secret in (TYPED, invite.token, option_id, "Welcome, Tenant"):
        assert secret not in log, secret
