"""What each Twilio answer means for the outbox row: unreachable numbers, retries with
back-off, a paused account, and refusals that will not change."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import pytest
from twilio.base.exceptions import TwilioRestException

from bot.adapters.sms.adapter import PAUSE_FOR_ACCOUNT, SmsAdapter
from bot.adapters.sms.keywords import STOPPED

ADAPTER = SimpleNamespace(app=SimpleNamespace(redact=lambda text: text.replace("tok", "***")))


def outcome(error: Exception):
    return SmsAdapter.outcome_of(ADAPTER, error)  # type: ignore[arg-type]


def twilio(code: int, status: int = 400, msg: str = "refused") -> TwilioRestException:
    return TwilioRestException(status, "https://api.twilio.com/…/Messages.json", msg, code)


def test_a_number_that_texted_stop_is_unreachable_as_stopped():
    assert outcome(twilio(21610)).unreachable == STOPPED


@pytest.mark.parametrize("code", [21211, 21614, 21612])
def test_numbers_that_cannot_take_a_text_are_unreachable(code):
    found = outcome(twilio(code))
    assert found.unreachable and f"Twilio error {code}" in found.unreachable


def test_rate_limits_pause_and_twilio_trouble_backs_off():
    assert outcome(twilio(20429, 429)).retry_after == 1.0
    trouble = outcome(twilio(20500, 500))
    assert trouble.error and not trouble.permanent and trouble.retry_after is None
    network = outcome(aiohttp.ClientConnectionError("tok reset"))
    assert network.error == "tok reset".replace("tok", "***") and not network.permanent


def test_an_account_problem_pauses_sending_and_a_bad_text_is_given_up():
    assert outcome(twilio(20003, 401)).retry_after == PAUSE_FOR_ACCOUNT
    too_long = outcome(twilio(21617))
    assert too_long.permanent and "21617" in (too_long.error or "")
