"""The TOML config file, validated at start-up into typed settings.

Every problem is reported as one line naming the key, and the CLI exits with status 2.
Secrets may come from environment variables instead of the file (see `SECRET_ENV`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from handlers import i18n
from handlers.settings import (
    ROSTER_CHANNELS,
    Admin,
    Digests,
    Invites,
    Organisation,
    Policy,
    Privacy,
    QuietHours,
    Routing,
    Suggestions,
    Surveys,
    Tiers,
)
from surveys.localised import LANGUAGE_TAG, Local

DEFAULT_CONFIG_NAME = "mutual-voice.toml"
# `Settings.source` when no config file was found (an empty folder: the demo).
BUILT_IN = "built-in defaults"


class ConfigError(Exception):
    """A config problem, phrased as one line for the person who wrote the file."""


@dataclass(frozen=True)
class StorageSettings:
    database: str = "mutual-voice.db"


@dataclass(frozen=True)
class OutboxSettings:
    poll_seconds: float = 1.0
    max_attempts: int = 10
    max_in_flight: int = 8  # the most sends at once per platform: what a hard kill may double


@dataclass(frozen=True)
class SchedulerSettings:
    # How often the bot looks for work that fell due (votes to open, rounds to close).
    tick_seconds: float = 30.0


@dataclass(frozen=True)
class TelegramSettings:
    enabled: bool = False
    token: str = field(default="", repr=False)
    mode: Literal["polling", "webhook"] = "polling"
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    bot_username: str = ""
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    listen: str = "127.0.0.1"
    port: int = 8443
    council_chat_id: str = ""
    rate_per_second: float = 30.0
    per_chat_seconds: float = 1.0


@dataclass(frozen=True)
class SlackSettings:
    enabled: bool = False
    bot_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    mode: Literal["http", "socket"] = "http"
    api_url: str = "https://slack.com/api/"
    path: str = "/slack/events"
    listen: str = "127.0.0.1"
    port: int = 3000
    council_channel: str = ""
    constituencies: tuple[str, ...] = ("staff",)
    rate_per_second: float = 20.0
    per_chat_seconds: float = 1.0


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp Business Cloud API (bot/adapters/whatsapp/)."""

    enabled: bool = False
    phone_number_id: str = ""
    business_number: str = ""  # E.164, as members message it (wa.me links)
    business_account_id: str = ""  # the WABA id: only `whatsapp templates --check` needs it
    access_token: str = field(default="", repr=False)
    app_secret: str = field(default="", repr=False)
    verify_token: str = field(default="", repr=False)
    api_url: str = "https://graph.facebook.com/v21.0/"
    listen: str = "127.0.0.1"
    port: int = 8444
    path: str = "/whatsapp/webhook"
    constituencies: tuple[str, ...] = ()
    templates: str = ""  # the templates file; empty: the one shipped with the bot
    rate_per_second: float = 80.0  # Meta's default throughput per number
    per_chat_seconds: float = 6.0  # the pair rate: one message to a member every 6 s
    daily_limit: int = 250  # members a day reached outside the 24-hour window
    price_per_template: float = 0.0  # what one template message costs, for estimates
    currency: str = "GBP"


@dataclass(frozen=True)
class EmailSettings:
    """E-mail over SMTP (bot/adapters/email/): members with no chat app."""

    enabled: bool = False
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the usual port for `security` (587, 465 or 25)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    from_address: str = ""
    reply_to: str = ""  # empty: replies go to from_address
    per_second: float = 5.0  # the most messages a second the relay is handed
    ca_file: str = ""  # a CA bundle for a relay with a private certificate; empty: the system's

    @property
    def port(self) -> int:
        return self.smtp_port or {"starttls": 587, "tls": 465, "none": 25}[self.security]


@dataclass(frozen=True)
class SmsSettings:
    """Text messages through Twilio's Messaging API (bot/adapters/sms/)."""

    enabled: bool = False
    account_sid: str = ""
    auth_token: str = field(default="", repr=False)
    from_number: str = ""  # E.164, e.g. "+447700900123"; or a messaging service:
    messaging_service_sid: str = ""
    api_url: str = "https://api.twilio.com"
    # The address Twilio posts replies to, exactly as set on the number in Twilio's
    # console (signatures are made over it): "https://voice.example.org/sms/inbound".
    # Empty: http://listen:port/path (tests; or a proxy that keeps the address).
    webhook_url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8445
    path: str = "/sms/inbound"
    rate_per_second: float = 1.0  # Twilio's default for a long code: 1 segment a second
    per_chat_seconds: float = 1.0
    price_per_segment: float = 0.0  # what one segment costs, for estimates
    currency: str = ""  # shown beside the cost, e.g. "GBP"; empty: the plain figure

    @property
    def inbound_url(self) -> str:
        if self.webhook_url:
            return self.webhook_url
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"http://{host}:{self.port}{self.path}"


@dataclass(frozen=True)
class WebSettings:
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the client.
    trusted_proxies: tuple[str, ...] = ()

    @property
    def base_url(self) -> str:
        """Where officers open the console: the public address, else the listening one."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"http://{host}:{self.port}"

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class Settings:
    organisation: Organisation = field(default_factory=Organisation)
    storage: StorageSettings = field(default_factory=StorageSettings)
    privacy: Privacy = field(default_factory=Privacy)
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    invites: Invites = field(default_factory=Invites)
    admin: Admin = field(default_factory=Admin)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    whatsapp: WhatsAppSettings = field(default_factory=WhatsAppSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    surveys: Surveys = field(default_factory=Surveys)
    suggestions: Suggestions = field(default_factory=Suggestions)
    tiers: Tiers = field(default_factory=Tiers)
    digests: Digests = field(default_factory=Digests)
    web: WebSettings = field(default_factory=WebSettings)
    routing: Routing = field(default_factory=Routing)
    source: str = BUILT_IN
    folder: Path = field(default_factory=Path.cwd)

    @property
    def policy(self) -> Policy:
        policy = Policy(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Policy)})
        enabled = tuple(p for p in ROSTER_CHANNELS if p in self.platforms)
        return dataclasses.replace(
            policy, routing=dataclasses.replace(self.routing, enabled=enabled)
        )

    @property
    def database_path(self) -> Path:
        return self.folder / self.storage.database

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        return self.folder / relative

    @property
    def platforms(self) -> list[str]:
        names = ("telegram", "slack", "whatsapp", "sms", "email")
        return [name for name in names if getattr(self, name).enabled]


SECRET_ENV = {
    "MUTUAL_VOICE_TELEGRAM_TOKEN": ("telegram", "token"),
    "MUTUAL_VOICE_SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "MUTUAL_VOICE_SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "MUTUAL_VOICE_SLACK_APP_TOKEN": ("slack", "app_token"),
    "MUTUAL_VOICE_WHATSAPP_TOKEN": ("whatsapp", "access_token"),
    "MUTUAL_VOICE_WHATSAPP_APP_SECRET": ("whatsapp", "app_secret"),
    "MUTUAL_VOICE_SMTP_PASSWORD": ("email", "password"),
    "MUTUAL_VOICE_TWILIO_AUTH_TOKEN": ("sms", "auth_token"),
}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def find_config(path: str | os.PathLike[str] | None) -> Path | None:
    """The config file to use: the one given, else ./mutual-voice.toml if present."""
    if path:
        return Path(path)
    default = Path.cwd() / DEFAULT_CONFIG_NAME
    return default if default.exists() else None


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: typing.Mapping[str, str] | None = None
) -> Settings:
    """Read, merge with environment secrets and validate; raise ConfigError on any problem."""
    environ = os.environ if environ is None else environ
    found = find_config(path)
    data: dict[str, Any] = {}
    if found is not None:
        try:
            # utf-8-sig: spreadsheet and Windows editors start the file with a byte-order mark.
            data = tomllib.loads(found.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise ConfigError(
                f"{found}: no such config file (create one with: mutual-voice init)"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{found}: cannot read: {error}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{found}: not valid TOML: {error}") from None
        except RecursionError:  # thousands of nested brackets exhaust tomllib's recursion
            raise ConfigError(f"{found}: not valid TOML: nested too deeply") from None
    source = str(found) if found else BUILT_IN
    for variable, (section, key) in SECRET_ENV.items():
        if environ.get(variable):
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                raise ConfigError(f"{source}: [{section}] must be a table")
            data[section][key] = environ[variable]
            # A secret in the environment switches its platform on unless the file says no.
            data[section].setdefault("enabled", True)
    values = _build(Settings, data, "", source, skip={"source", "folder"})
    folder = found.resolve().parent if found else Path.cwd()
    settings = dataclasses.replace(
        values,
        source=source,
        folder=folder,
        # Handlers never see the config file, so their paths are made absolute here.
        surveys=dataclasses.replace(
            values.surveys, folder=_absolute(folder, values.surveys.folder)
        ),
        tiers=dataclasses.replace(values.tiers, ladder=_absolute(folder, values.tiers.ladder)),
        organisation=dataclasses.replace(
            values.organisation, rules=_absolute(folder, values.organisation.rules)
        ),
    )
    _check(settings, source)
    return settings


def _absolute(folder: Path, path: str) -> str:
    return str(folder / path) if path else ""


def _build(cls: type, data: Any, prefix: str, source: str, skip: set[str] = frozenset()) -> Any:
    where = prefix.rstrip(".") or "the file"
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {where}: must be a table")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in skip]
    for key in data:
        if key not in names:
            raise ConfigError(
                f"{source}: unknown key '{prefix}{key}' (known keys here: {', '.join(names)})"
            )
    values = {}
    for name in names:
        if name in data:
            values[name] = _coerce(hints[name], data[name], f"{prefix}{name}", source)
    return cls(**values)


# Text members read, which the file may give per language: { en = "…", cy = "…" }.
LOCALISABLE = {"organisation.name", "organisation.contact", "suggestions.categories"}


def _local(value: dict[str, Any], key: str, source: str) -> Local:
    if not value or not all(
        isinstance(tag, str) and LANGUAGE_TAG.match(tag) and isinstance(text, str)
        for tag, text in value.items()
    ):
        raise ConfigError(
            f'{source}: {key}: a text per language must look like {{ en = "…", cy = "…" }} '
            f"(got {value!r})"
        )
    return Local(value)


def _names(value: Any, key: str, source: str) -> tuple[tuple[str, Local], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'{source}: {key}: must be a table, e.g. tenant = {{ cy = "tenant" }}')
    names = []
    for word, texts in value.items():
        if not isinstance(texts, dict):
            raise ConfigError(
                f'{source}: {key}.{word}: must give the word per language, e.g. {{ cy = "…" }}'
            )
        names.append((word, _local({"en": word} | texts, f"{key}.{word}", source)))
    return tuple(names)


def _coerce(kind: Any, value: Any, key: str, source: str) -> Any:
    if key == "organisation.names":
        return _names(value, key, source)
    if key in LOCALISABLE:
        if isinstance(value, dict):
            return _local(value, key, source)
        if isinstance(value, list):
            value = [_local(v, key, source) if isinstance(v, dict) else v for v in value]
    if dataclasses.is_dataclass(kind):
        return _build(kind, value, key + ".", source)
    origin = typing.get_origin(kind)
    if origin is Literal:
        choices = typing.get_args(kind)
        if value not in choices:
            raise ConfigError(
                f"{source}: {key}: must be one of {', '.join(map(repr, choices))} (got {value!r})"
            )
        return value
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: {key}: must be a list of strings (got {value!r})")
        return tuple(value)
    if kind is bool and not isinstance(value, bool):
        raise ConfigError(f"{source}: {key}: must be true or false (got {value!r})")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{source}: {key}: must be a whole number (got {value!r})")
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: {key}: must be a number (got {value!r})")
        return float(value)
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{source}: {key}: must be a string in quotes (got {value!r})")
    return value


def _check_rules(s: Settings, fail: typing.Callable[[str, str], typing.NoReturn]) -> None:
    """The society's rules file must read, and name only the organisation's constituencies."""
    if not s.organisation.rules:
        return
    from surveys.rules import RulesError, load_rules_file

    try:
        rules = load_rules_file(Path(s.organisation.rules))
    except RulesError as error:
        fail("organisation.rules", str(error))
    named = list(rules.eligibility.constituencies) + [name for name, _ in rules.weights]
    unknown = [name for name in named if name not in s.organisation.constituencies]
    if unknown:
        fail(
            "organisation.rules",
            f"the rules name the constituency {unknown[0]!r}, which is not in "
            "organisation.constituencies",
        )


def _check(s: Settings, source: str) -> None:
    def fail(key: str, reason: str) -> typing.NoReturn:
        raise ConfigError(f"{source}: {key}: {reason}")

    try:
        ZoneInfo(s.organisation.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(
            "organisation.timezone",
            f"unknown time zone {s.organisation.timezone!r} (use a name like Europe/London)",
        )
    if not i18n.supported(s.organisation.language):
        fail(
            "organisation.language",
            f"no catalogue for {s.organisation.language!r} "
            f"(available: {', '.join(i18n.available())})",
        )
    if not s.organisation.constituencies:
        fail("organisation.constituencies", 'list at least one, e.g. ["staff", "tenant"]')
    for name in s.organisation.constituencies:
        if not NAME.match(name):
            fail("organisation.constituencies", f"{name!r} should be a short lowercase word")
    contacts = getattr(s.organisation.contact, "translations", {"": s.organisation.contact})
    if any(len(text) > 200 or not text.isprintable() for text in contacts.values()):
        fail(
            "organisation.contact",
            'one line of at most 200 characters, e.g. "Jo Bloggs at the office, 01632 960123"',
        )
    if len(s.invites.return_address) > 120 or not s.invites.return_address.isprintable():
        fail(
            "invites.return_address",
            'one line of at most 120 characters, e.g. "Riverside Homes, 1 High Street, Leeds LS1 1AA"',
        )
    for key in ("start", "end"):
        if not TIME.match(getattr(s.quiet_hours, key)):
            fail(f"quiet_hours.{key}", 'must be a time like "21:00"')
    if s.privacy.anonymity_threshold < 2:
        fail("privacy.anonymity_threshold", "must be at least 2, or single answers could be read")
    if s.privacy.comment_threshold < s.privacy.anonymity_threshold:
        fail("privacy.comment_threshold", "must be at least privacy.anonymity_threshold")
    for key in (
        "invites.expiry_days",
        "suggestions.response_days",
        "suggestions.max_length",
        "suggestions.per_day",
        "tiers.nudge_days",
        "outbox.max_attempts",
    ):
        section, name = key.split(".")
        if getattr(getattr(s, section), name) < 1:
            fail(key, "must be at least 1")
    if s.outbox.poll_seconds <= 0:
        fail("outbox.poll_seconds", "must be more than 0")
    if not 1 <= s.outbox.max_in_flight <= 8:
        fail("outbox.max_in_flight", f"must be from 1 to 8 (got {s.outbox.max_in_flight})")
    if not 0 < s.scheduler.tick_seconds <= 3600:
        fail("scheduler.tick_seconds", "must be more than 0 and at most 3600")
    for key in ("council_cron", "members_cron"):
        try:
            CronTrigger.from_crontab(
                getattr(s.digests, key), timezone=ZoneInfo(s.organisation.timezone)
            )
        except ValueError as error:
            fail(f"digests.{key}", f"not a valid cron expression: {error}")
    if not s.suggestions.categories:
        fail("suggestions.categories", 'list at least one topic, e.g. ["services", "other"]')
    if not all(
        text.strip()
        for topic in s.suggestions.categories
        for text in getattr(topic, "translations", {"": topic}).values()
    ):
        fail("suggestions.categories", "a topic is empty")
    _check_places(s, fail)
    _check_rules(s, fail)
    unknown = set(s.slack.constituencies) - set(s.organisation.constituencies)
    if unknown:
        fail(
            "slack.constituencies", f"{sorted(unknown)[0]!r} is not in organisation.constituencies"
        )
    _check_routing(s, fail)
    if s.tiers.notify not in ("council", "officers"):
        fail("tiers.notify", 'must be "council" or "officers"')
    for platform, secrets in (
        ("telegram", ("token",)),
        ("slack", ("bot_token",)),
        ("whatsapp", ("access_token", "app_secret")),
        ("sms", ("auth_token",)),
    ):
        settings = getattr(s, platform)
        for platform_key in ("rate_per_second", "per_chat_seconds"):
            if getattr(settings, platform_key) <= 0:
                fail(f"{platform}.{platform_key}", "must be more than 0")
        if not settings.enabled:
            continue
        for secret in secrets:
            if not getattr(settings, secret):
                env = next(v for v, target in SECRET_ENV.items() if target == (platform, secret))
                fail(
                    f"{platform}.{secret}",
                    f"{platform} is enabled but has no {secret}; set it in the file or in {env}",
                )
    if not 1 <= s.web.port <= 65535:
        fail("web.port", f"must be a port number from 1 to 65535 (got {s.web.port})")
    if not s.web.listen.strip():
        fail("web.listen", 'must be an address to listen on, e.g. "127.0.0.1"')
    if s.web.public_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", s.web.public_url):
        fail(
            "web.public_url",
            "must be the console's address, like https://voice.example.org (no query)",
        )
    for proxy in s.web.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            fail(
                "web.trusted_proxies",
                f'must list addresses or networks, like "127.0.0.1" or "10.0.0.0/8" (got {proxy!r})',
            )
    if s.telegram.enabled and s.telegram.mode == "webhook":
        if not s.telegram.webhook_url.startswith("https://"):
            fail(
                "telegram.webhook_url", "webhook mode needs the public https:// address of this bot"
            )
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", s.telegram.webhook_secret):
            fail(
                "telegram.webhook_secret",
                "webhook mode needs a secret of 1-256 letters, digits, _ or -",
            )
    _check_whatsapp(s, fail)
    _check_email(s, fail)
    _check_sms(s, fail)
    if s.slack.enabled and s.slack.mode == "http" and not s.slack.signing_secret:
        fail(
            "slack.signing_secret",
            "slack http mode needs the app's signing secret (or MUTUAL_VOICE_SLACK_SIGNING_SECRET)",
        )
    if s.slack.enabled and s.slack.mode == "socket" and not s.slack.app_token.startswith("xapp-"):
        fail(
            "slack.app_token",
            "socket mode needs an app-level token starting with xapp- "
            "(or MUTUAL_VOICE_SLACK_APP_TOKEN)",
        )


def _check_whatsapp(s: Settings, fail: typing.Callable[[str, str], typing.NoReturn]) -> None:
    w = s.whatsapp
    unknown = set(w.constituencies) - set(s.organisation.constituencies)
    if unknown:
        fail(
            "whatsapp.constituencies",
            f"{sorted(unknown)[0]!r} is not in organisation.constituencies",
        )
    if w.daily_limit < 1:
        fail("whatsapp.daily_limit", "must be at least 1 (Meta starts new numbers at 250)")
    if w.price_per_template < 0:
        fail("whatsapp.price_per_template", "must be 0 or more")
    if not re.fullmatch(r"[A-Z]{3}", w.currency):
        fail("whatsapp.currency", f'must be a currency code like "GBP" (got {w.currency!r})')
    if not w.path.startswith("/"):
        fail("whatsapp.path", f"must start with / (got {w.path!r})")
    if w.business_account_id and not w.business_account_id.isdigit():
        fail("whatsapp.business_account_id", "must be the account's id: digits only")
    if not w.enabled:
        return
    if not w.phone_number_id.isdigit():
        fail(
            "whatsapp.phone_number_id",
            "must be the number's id from Meta's WhatsApp manager (digits only)",
        )
    if not re.fullmatch(r"\+?[1-9]\d{6,14}", w.business_number.replace(" ", "")):
        fail(
            "whatsapp.business_number",
            'must be the number members message, with its country code, like "+447700900123"',
        )
    if not re.fullmatch(r"[!-~]{8,256}", w.verify_token):
        fail(
            "whatsapp.verify_token",
            "needs 8-256 printable characters, the same as the Verify token in Meta's webhook setup",
        )


EMAIL_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _check_email(s: Settings, fail: typing.Callable[[str, str], typing.NoReturn]) -> None:
    e = s.email
    if e.per_second <= 0:
        fail("email.per_second", "must be more than 0")
    if not 0 <= e.smtp_port <= 65535:
        fail(
            "email.smtp_port",
            f"must be a port from 1 to 65535, or 0 for the usual one (got {e.smtp_port})",
        )
    for key in ("from_address", "reply_to"):
        value = getattr(e, key)
        if value and not EMAIL_ADDRESS.fullmatch(value):
            fail(
                f"email.{key}", f'must be a plain address like "voice@example.org" (got {value!r})'
            )
    if e.ca_file and not s.resolve(e.ca_file).is_file():
        fail("email.ca_file", f"no such file {s.resolve(e.ca_file)}")
    if not e.enabled:
        return
    if not e.smtp_host.strip():
        fail("email.smtp_host", "email is enabled but has no smtp_host (your mail relay's name)")
    if not e.from_address:
        fail(
            "email.from_address",
            'email is enabled but has no from_address, e.g. "voice@example.org"',
        )
    if e.username and not e.password:
        fail(
            "email.password",
            "email has a username but no password; set it in the file or in MUTUAL_VOICE_SMTP_PASSWORD",
        )
    if e.password and not e.username:
        fail("email.username", "email has a password but no username to sign in with")
    local = e.smtp_host in ("localhost", "127.0.0.1", "::1")
    if e.security == "none" and e.password and not local:
        fail(
            "email.security",
            '"none" would send the SMTP password unencrypted; use "starttls" or "tls"',
        )
    if not (s.web.enabled and s.web.public_url):
        fail(
            "web.public_url",
            "e-mail needs the web server (web.enabled = true) and its public address: e-mails "
            "link to the member's page and to a one-click unsubscribe it serves",
        )
def _check_sms(s: Settings, fail: typing.Callable[[str, str], typing.NoReturn]) -> None:
    m = s.sms
    if m.price_per_segment < 0:
        fail("sms.price_per_segment", "must be 0 or more")
    if m.currency and not re.fullmatch(r"[A-Z]{3}", m.currency):
        fail("sms.currency", f'must be a currency code like "GBP", or empty (got {m.currency!r})')
    if not m.path.startswith("/"):
        fail("sms.path", f"must start with / (got {m.path!r})")
    if m.webhook_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", m.webhook_url):
        fail(
            "sms.webhook_url",
            "must be the address set on the number in Twilio, like "
            "https://voice.example.org/sms/inbound (no query)",
        )
    if not m.enabled:
        return
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", m.account_sid):
        fail(
            "sms.account_sid",
            "must be the Account SID from Twilio's console (AC and 32 hex digits)",
        )
    if bool(m.from_number) == bool(m.messaging_service_sid):
        fail(
            "sms.from_number",
            "give exactly one of from_number (the number texts come from) and "
            "messaging_service_sid",
        )
    if m.from_number and not re.fullmatch(r"\+[1-9]\d{6,14}", m.from_number):
        fail(
            "sms.from_number", 'must be an E.164 number with its country code, like "+447700900123"'
        )
    if m.messaging_service_sid and not re.fullmatch(r"MG[0-9a-fA-F]{32}", m.messaging_service_sid):
        fail("sms.messaging_service_sid", "must be the service's SID (MG and 32 hex digits)")


def _check_routing(s: Settings, fail: typing.Callable[[str, str], typing.NoReturn]) -> None:
    from handlers.members.phones import COUNTRIES

    if s.organisation.default_country not in COUNTRIES:
        fail(
            "organisation.default_country",
            f"{s.organisation.default_country!r} is not a country code known here "
            f"(known: {', '.join(sorted(COUNTRIES))})",
        )
    fallback = s.routing.fallback
    for name in fallback:
        if name not in ROSTER_CHANNELS:
            fail("routing.fallback", f'{name!r} is not sms or email (e.g. ["sms", "email"])')
    if len(set(fallback)) != len(fallback):
        fail("routing.fallback", "names a channel twice")
    if s.routing.enabled:
        fail("routing.enabled", "is not a setting: [sms] and [email] say whether they are on")


def _check_places(s: Settings, fail: typing.Callable[[str, str], typing.NoReturn]) -> None:
    """Ports, addresses, URLs and the database's folder: wrong ones fail here, not mid-run."""
    for platform in ("telegram", "slack", "whatsapp", "sms"):
        settings = getattr(s, platform)
        if not 1 <= settings.port <= 65535:
            fail(f"{platform}.port", f"must be a port from 1 to 65535 (got {settings.port})")
        if not settings.listen.strip():
            fail(f"{platform}.listen", 'must be an address to listen on, e.g. "127.0.0.1"')
    for key in (
        "telegram.base_url",
        "telegram.base_file_url",
        "slack.api_url",
        "whatsapp.api_url",
        "sms.api_url",
    ):
        section, name = key.split(".")
        url = getattr(getattr(s, section), name)
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            fail(key, f"must be an http:// or https:// address (got {url!r})")
    if s.telegram.webhook_url and not s.telegram.webhook_url.startswith("https://"):
        fail("telegram.webhook_url", "must start with https:// (Telegram only calls https)")
    if not s.slack.path.startswith("/"):
        fail("slack.path", f"must start with / (got {s.slack.path!r})")
    database = s.storage.database.strip()
    if not database or database.endswith(("/", "\\")):
        fail("storage.database", "must name a file, e.g. mutual-voice.db")
    folder = s.database_path.parent
    if not folder.is_dir():
        fail("storage.database", f"no folder {folder} (create it first, or fix the path)")
