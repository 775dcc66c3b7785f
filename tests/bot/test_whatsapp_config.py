"""The [whatsapp] section: every key checked at start-up, secrets from the environment,
and never in a log line or a repr."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.config import ConfigError, load_settings

GOOD = (
    "[whatsapp]\nenabled = true\nphone_number_id = '106540352242922'\n"
    "business_number = '+44 7700 900123'\nverify_token = 'a-verify-token'\n"
)
SECRETS = {
    "MUTUAL_VOICE_WHATSAPP_TOKEN": "EAAGsecret-access-token",
    "MUTUAL_VOICE_WHATSAPP_APP_SECRET": "app-secret-value",
}


def write(tmp_path, text):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(text)
    return path


def test_secrets_come_from_the_environment_and_never_show(tmp_path):
    settings = load_settings(write(tmp_path, GOOD), environ=SECRETS)
    assert settings.platforms == ["whatsapp"]
    assert settings.whatsapp.access_token == "EAAGsecret-access-token"
    assert "secret" not in repr(settings.whatsapp).lower()
    app = App(settings)
    try:
        assert app.join_links()["whatsapp"] == "https://wa.me/447700900123?text=JOIN%20{token}"
    finally:
        app.db.close()
    assert app.redact("EAAGsecret-access-token app-secret-value a-verify-token") == "*** *** ***"


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        (GOOD, {}, "whatsapp.access_token: whatsapp is enabled but has no access_token"),
        (GOOD, {"MUTUAL_VOICE_WHATSAPP_TOKEN": "EAAx"}, "whatsapp.app_secret"),
        (GOOD.replace("'106540352242922'", "'abc'"), SECRETS, "whatsapp.phone_number_id"),
        (GOOD.replace("'+44 7700 900123'", "'07700 900123'"), SECRETS, "whatsapp.business_number"),
        (GOOD.replace("'a-verify-token'", "'short'"), SECRETS, "whatsapp.verify_token"),
        (GOOD + "path = 'hook'\n", SECRETS, "whatsapp.path: must start with /"),
        (GOOD + "port = 70000\n", SECRETS, "whatsapp.port"),
        (GOOD + "api_url = 'graph.facebook.com'\n", SECRETS, "whatsapp.api_url"),
        (GOOD + "daily_limit = 0\n", SECRETS, "whatsapp.daily_limit"),
        (GOOD + "rate_per_second = 0\n", SECRETS, "whatsapp.rate_per_second"),
        (GOOD + "constituencies = ['martians']\n", SECRETS, "whatsapp.constituencies"),
        (GOOD + "currency = 'pounds'\n", SECRETS, "whatsapp.currency"),
        (GOOD + "tokn = 'x'\n", SECRETS, "unknown key 'whatsapp.tokn'"),
    ],
)
def test_every_problem_is_one_line_naming_the_key(tmp_path, text, environ, message):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text), environ=environ)
    assert message in str(error.value) and "\n" not in str(error.value)
