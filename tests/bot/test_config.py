import pytest

from bot.config import ConfigError, load_settings


def write(tmp_path, text):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(text)
    return path


def test_the_example_config_is_valid_as_it_stands():
    settings = load_settings("config.example.toml", environ={})
    assert settings.platforms == [] and settings.privacy.anonymity_threshold == 5


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.source == "built-in defaults"
    assert settings.database_path == tmp_path / "mutual-voice.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[telegram]\ntokn = 'x'\n", "unknown key 'telegram.tokn'"),
        (
            "[privacy]\nanonymity_threshold = 'five'\n",
            "privacy.anonymity_threshold: must be a whole number",
        ),
        ("[telegram]\nenabled = true\n", "telegram.token: telegram is enabled but has no token"),
        ("[slack]\nenabled = true\nbot_token = 'xoxb-1'\n", "slack.signing_secret"),
        ("[telegram]\nmode = 'poll'\n", "telegram.mode: must be one of 'polling', 'webhook'"),
        ("[organisation]\ntimezone = 'Mars/Olympus'\n", "organisation.timezone: unknown time zone"),
        ("[organisation]\nlanguage = 'xx'\n", "organisation.language: no catalogue for 'xx'"),
        ("[quiet_hours]\nstart = '9pm'\n", "quiet_hours.start"),
        ("[digests]\ncouncil_cron = 'every monday'\n", "digests.council_cron"),
        ("organisation = 3\n", "organisation: must be a table"),
        ("[privacy\n", "not valid TOML"),
    ],
)
def test_every_problem_is_one_line_naming_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text), environ={})
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_secrets_come_from_the_environment_and_never_show_in_repr(tmp_path):
    path = write(tmp_path, "[telegram]\nenabled = true\n")
    settings = load_settings(path, environ={"MUTUAL_VOICE_TELEGRAM_TOKEN": "123:SECRET"})
    assert settings.telegram.token == "123:SECRET" and settings.platforms == ["telegram"]
    assert "SECRET" not in repr(settings)


def test_database_path_is_relative_to_the_config_file(tmp_path):
    (tmp_path / "etc" / "data").mkdir(parents=True)
    path = tmp_path / "etc" / "voice.toml"
    path.write_text("[storage]\ndatabase = 'data/voice.db'\n")
    assert load_settings(path, environ={}).database_path == tmp_path / "etc" / "data" / "voice.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[slack]\nport = 99999\n", "slack.port: must be a port from 1 to 65535 (got 99999)"),
        ("[telegram]\nport = -1\n", "telegram.port: must be a port from 1 to 65535"),
        ("[telegram]\nport = 0\n", "telegram.port: must be a port from 1 to 65535 (got 0)"),
        ("[slack]\nport = 0\n", "slack.port: must be a port from 1 to 65535 (got 0)"),
        ("[slack]\napi_url = 'slack.com/api'\n", "slack.api_url: must be an http:// or https://"),
        ("[telegram]\nbase_url = 'ftp://x'\n", "telegram.base_url: must be an http:// or https://"),
        ("[telegram]\nwebhook_url = 'http://x.org/h'\n", "telegram.webhook_url: must start with"),
        ("[slack]\npath = 'slack/events'\n", "slack.path: must start with /"),
        ("[slack]\nlisten = ''\n", "slack.listen: must be an address"),
        ("[storage]\ndatabase = '/nonexistent/dir/x.db'\n", "storage.database: no folder"),
        ("[storage]\ndatabase = ''\n", "storage.database: must name a file"),
        ("[digests]\nmembers_cron = '0 10 32 * *'\n", "digests.members_cron"),
        ("[suggestions]\ncategories = []\n", "suggestions.categories: list at least one"),
        ("[suggestions]\ncategories = ['a', '']\n", "suggestions.categories: a topic is empty"),
        ("[web]\ntrusted_proxies = ['proxy.local']\n", "web.trusted_proxies: must list addresses"),
        ("[outbox]\nmax_in_flight = 0\n", "outbox.max_in_flight: must be from 1 to 8 (got 0)"),
        ("[outbox]\nmax_in_flight = 9\n", "outbox.max_in_flight: must be from 1 to 8 (got 9)"),
    ],
)
def test_every_port_url_path_and_list_is_checked(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(write(tmp_path, text), environ={})


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "mutual-voice.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[organisation]\nname = "Riverside Homes"\n')
    assert load_settings(path, environ={}).organisation.name == "Riverside Homes"


def test_the_societys_rules_are_read_with_the_config(tmp_path):
    from tests.helpers import ROOT

    (tmp_path / "rules.toml").write_text((ROOT / "examples" / "rules.toml").read_text())
    settings = load_settings(write(tmp_path, '[organisation]\nrules = "rules.toml"\n'), environ={})
    assert settings.organisation.rules == str(tmp_path / "rules.toml")
    bad = "[notice]\nclear_days = 'soon'\n[quorum]\nmembers = 1\n[proxies]\nallowed = false\n"
    (tmp_path / "rules.toml").write_text(bad)
    with pytest.raises(ConfigError, match=r"organisation.rules: .*rules.toml: line 2: notice"):
        load_settings(tmp_path / "mutual-voice.toml", environ={})
    (tmp_path / "rules.toml").write_text((ROOT / "examples" / "rules.toml").read_text())
    only_staff = '[organisation]\nrules = "rules.toml"\nconstituencies = ["staff"]\n'
    with pytest.raises(ConfigError, match="the rules name the constituency 'tenant', which is"):
        load_settings(write(tmp_path, only_staff), environ={})
