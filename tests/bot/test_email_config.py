"""The [email] section: every key checked at start-up, the SMTP password from the
environment, and never in a log line or a repr."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.config import ConfigError, load_settings

WEB = "[web]\nenabled = true\npublic_url = 'https://voice.example.org'\n"
GOOD = (
    "[email]\nenabled = true\nsmtp_host = 'smtp.example.org'\nusername = 'voice'\n"
    "from_address = 'voice@example.org'\n"
)
PASSWORD = {"MUTUAL_VOICE_SMTP_PASSWORD": "smtp-secret-password"}


def write(tmp_path, text):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(text)
    return path


def test_the_password_comes_from_the_environment_and_never_shows(tmp_path):
    settings = load_settings(write(tmp_path, GOOD + WEB), environ=PASSWORD)
    assert settings.platforms == ["email"]
    assert settings.email.password == "smtp-secret-password"
    assert settings.email.port == 587 and settings.email.per_second == 5.0
    assert "smtp-secret-password" not in repr(settings)
    app = App(settings)
    try:
        assert app.redact("login smtp-secret-password failed") == "login *** failed"
    finally:
        app.db.close()


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("tls", 465), ("none", 25)])
def test_the_usual_port_follows_the_security(tmp_path, security, port):
    text = GOOD.replace("username = 'voice'\n", "") + f"security = '{security}'\n" + WEB
    settings = load_settings(write(tmp_path, text), environ={})
    assert settings.email.port == port and settings.email.security == security


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        (GOOD + WEB, {}, "email.password: email has a username but no password"),
        (GOOD.replace("'smtp.example.org'", "''") + WEB, PASSWORD, "email.smtp_host"),
        (GOOD.replace("'voice@example.org'", "'voice'") + WEB, PASSWORD, "email.from_address"),
        (
            GOOD.replace("from_address = 'voice@example.org'\n", "") + WEB,
            PASSWORD,
            "email.from_address",
        ),
        (GOOD + "reply_to = 'Office <office@example.org>'\n" + WEB, PASSWORD, "email.reply_to"),
        (GOOD + "security = 'ssl'\n" + WEB, PASSWORD, "email.security: must be one of"),
        (GOOD + "security = 'none'\n" + WEB, PASSWORD, 'email.security: "none" would send'),
        (GOOD + "smtp_port = 70000\n" + WEB, PASSWORD, "email.smtp_port"),
        (GOOD + "per_second = 0\n" + WEB, PASSWORD, "email.per_second"),
        (GOOD + "ca_file = 'no-such.pem'\n" + WEB, PASSWORD, "email.ca_file: no such file"),
        (GOOD, PASSWORD, "web.public_url: e-mail needs the web server"),
        (GOOD + "[web]\nenabled = true\n", PASSWORD, "web.public_url: e-mail needs"),
        (
            GOOD.replace("username = 'voice'\n", "") + WEB,
            PASSWORD,
            "email.username: email has a password but no username",
        ),
    ],
)
def test_every_email_problem_is_one_line_naming_the_key(tmp_path, text, environ, message):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text), environ=environ)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert "smtp-secret-password" not in str(error.value)


def test_a_relay_on_this_machine_may_take_a_password_without_tls(tmp_path):
    text = GOOD.replace("'smtp.example.org'", "'127.0.0.1'") + "security = 'none'\n" + WEB
    settings = load_settings(write(tmp_path, text), environ=PASSWORD)
    assert settings.email.security == "none" and settings.email.port == 25
