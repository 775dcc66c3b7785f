"""The relay connection through the real aiosmtplib client: all three `security` modes
against FakeSMTP (certificate checked against a CA made at test time), sign-in, one
connection for a batch, and the `per_second` pace."""

from __future__ import annotations

import pytest

from handlers.messages import Message, Recipient
from tests.e2e.email.harness import ADDRESS, running


@pytest.mark.parametrize("security", ["starttls", "tls", "none"])
async def test_each_security_mode_sends_over_one_signed_in_connection(tmp_path, tls, security):
    async with running(tmp_path, tls, security) as bot:
        bot.post(*(Message(Recipient.of(m), f"Hello {m}.", quiet_hours=True) for m in ADDRESS))
        await bot.sent()

        assert sorted(r.recipients[0] for r in bot.fake.received) == sorted(ADDRESS.values())
        assert {r.tls for r in bot.fake.received} == {security != "none"}
        assert {r.authenticated for r in bot.fake.received} == {security != "none"}
        assert bot.fake.connections == 1 and bot.adapter.relay.connections == 1
        assert bot.fake.logins == (1 if security != "none" else 0)


async def test_a_relay_whose_certificate_is_not_trusted_gets_nothing(tmp_path, tls):
    async with running(tmp_path, tls, "starttls", ca_file="") as bot:
        bot.post(Message(Recipient.of("e1"), "Hello.", quiet_hours=True))
        await bot.sent(lambda: bot.rows()[0]["error"])

        (row,) = bot.rows()
        assert row["status"] == "pending" and "certificate" in row["error"].lower()
        assert bot.fake.received == []


async def test_wrong_credentials_are_refused_and_never_logged(tmp_path, tls, caplog):
    async with running(tmp_path, tls, "starttls", password="not-the-password") as bot:
        bot.post(Message(Recipient.of("e1"), "Hello.", quiet_hours=True))
        await bot.sent(lambda: bot.rows()[0]["error"])

        (row,) = bot.rows()
        assert row["status"] == "pending" and "535" in row["error"]
        assert bot.fake.received == [] and bot.fake.logins == 0
        assert "check [email]" in caplog.text
        assert "not-the-password" not in caplog.text and "not-the-password" not in row["error"]


async def test_a_batch_keeps_to_per_second(tmp_path, tls):
    async with running(tmp_path, tls, per_second=2.0) as bot:
        bot.post(
            *(
                Message(Recipient.of(m), f"News {n}.", quiet_hours=True)
                for n in range(4)
                for m in ADDRESS
            )
        )
        await bot.sent()

        times = sorted(r.at for r in bot.fake.received if r.at is not None)
        assert len(times) == 12 and bot.fake.connections == 1
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        # On the test's clock: never faster than two a second, give or take its 2 ms ticks.
        assert min(gaps) >= 0.5 - 0.02, gaps
