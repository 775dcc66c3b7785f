"""The runner starts the SMS adapter from the config, as `mutual-voice run` does: a member's
signed HELP is answered through the real `twilio` client, and a stop stops it."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.config import load_settings
from bot.runner import run_platforms
from storage import members
from tests.e2e.telegram.test_telegram_bot import free_port
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import add_members

NUMBER = "+447700900321"


async def test_the_runner_connects_sms_from_the_config(tmp_path) -> None:
    port = free_port()
    async with FakeTwilio(webhook_url="https://voice.example.org/sms/inbound") as fake:
        config = tmp_path / "mutual-voice.toml"
        config.write_text(
            f'[sms]\nenabled = true\naccount_sid = "{fake.account_sid}"\n'
            f'from_number = "{fake.from_number}"\napi_url = "{fake.api_url}"\nport = {port}\n'
            'webhook_url = "https://voice.example.org/sms/inbound"\n'
        )
        settings = load_settings(config, {"MUTUAL_VOICE_TWILIO_AUTH_TOKEN": fake.auth_token})
        app = App(settings)
        add_members(app.ctx)
        members.link_identity(app.db, "sms", NUMBER, NUMBER, "t1", app.clock())
        stop = asyncio.Event()
        running = asyncio.create_task(run_platforms(app, stop))
        try:
            local = f"http://127.0.0.1:{port}/sms/inbound"
            params = fake.inbound(NUMBER, "HELP")
            # Signed over the public address, as Twilio signs, and delivered by the proxy.
            header = fake.signature_for(fake.webhook_url, params)
            async with asyncio.timeout(10):
                while True:
                    try:
                        status = await fake.post_raw(local, params, header)
                        break
                    except OSError:  # not listening yet
                        await asyncio.sleep(0.05)
            assert status == 200
            await fake.wait_for(lambda: fake.sent_to(NUMBER))
            assert fake.sent_to(NUMBER)[0].body.startswith("Our Mutual: reply with a number")
            # Signed over the address the bot listens on, not the one Twilio was given: refused.
            assert await fake.post(local, fake.inbound(NUMBER, "STOP")) == 403
            assert members.unreachable(app.db) == []
        finally:
            stop.set()
            await running
            app.db.close()
