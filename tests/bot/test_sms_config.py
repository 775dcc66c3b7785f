"""The [sms] section: every key checked at start-up, the auth token from the environment,
and never in a log line or a repr."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.config import ConfigError, load_settings

SID = "AC" + "0123456789abcdef" * 2
GOOD = f"[sms]\nenabled = true\naccount_sid = '{SID}'\nfrom_number = '+447700900123'\n"
SECRETS = {"MUTUAL_VOICE_TWILIO_AUTH_TOKEN": "twilio-auth-token-value"}


def write(tmp_path, text):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(text)
    return path


def test_the_token_comes_from_the_environment_and_never_shows(tmp_path):
    settings = load_settings(write(tmp_path, GOOD), environ=SECRETS)
    assert settings.platforms == ["sms"]
    assert settings.sms.auth_token == "twilio-auth-token-value"
    assert settings.sms.api_url == "https://api.twilio.com"
    assert settings.sms.inbound_url == "http://127.0.0.1:8445/sms/inbound"
    assert "twilio-auth-token" not in repr(settings)
    app = App(settings)
    app.db.close()
    assert app.redact("token twilio-auth-token-value") == "token ***"


def test_the_token_alone_switches_sms_on(tmp_path):
    text = f"[sms]\naccount_sid = '{SID}'\nmessaging_service_sid = 'MG{'ab' * 16}'\n"
    settings = load_settings(write(tmp_path, text), environ=SECRETS)
    assert settings.sms.enabled and settings.sms.messaging_service_sid.startswith("MG")


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        (GOOD, {}, "sms.auth_token: sms is enabled but has no auth_token"),
        (GOOD.replace(SID, "AC123"), SECRETS, "sms.account_sid"),
        (GOOD.replace("'+447700900123'", "'07700 900123'"), SECRETS, "sms.from_number: must"),
        (GOOD + f"messaging_service_sid = 'MG{'ab' * 16}'\n", SECRETS, "exactly one"),
        (GOOD.replace("from_number = '+447700900123'", ""), SECRETS, "exactly one"),
        (
            GOOD.replace("from_number = '+447700900123'", "messaging_service_sid = 'MG1'"),
            SECRETS,
            "sms.messaging_service_sid",
        ),
        (GOOD + "path = 'in'\n", SECRETS, "sms.path: must start with /"),
        (GOOD + "port = 0\n", SECRETS, "sms.port"),
        (GOOD + "api_url = 'api.twilio.com'\n", SECRETS, "sms.api_url"),
        (GOOD + "webhook_url = 'voice.example.org/sms'\n", SECRETS, "sms.webhook_url"),
        (GOOD + "price_per_segment = -1\n", SECRETS, "sms.price_per_segment"),
        (GOOD + "currency = 'pounds'\n", SECRETS, "sms.currency"),
        (GOOD + "rate_per_second = 0\n", SECRETS, "sms.rate_per_second"),
        (GOOD + "tokn = 'x'\n", SECRETS, "unknown key 'sms.tokn'"),
    ],
)
def test_every_problem_is_one_line_naming_the_key(tmp_path, text, environ, message):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text), environ=environ)
    assert message in str(error.value) and "\n" not in str(error.value)
