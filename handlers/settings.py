"""The organisation's policy as handlers see it: the platform-neutral parts of the config.

`bot/config.py` reads these sections from the TOML file and validates them; the
defaults here are the defaults of the product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.localised import Local


@dataclass(frozen=True)
class Organisation:
    # `name` and `contact` are a `Local` where the file gives them per language.
    name: str = "Our Mutual"
    timezone: str = "Europe/London"
    language: str = "en"
    constituencies: tuple[str, ...] = ("staff", "tenant")
    contact: str = ""
    # How members read the roster's words (constituencies, groups, roles), per language:
    # `[organisation.names]` `tenant = { cy = "tenant" }`, `"Repairs panel" = { cy = "…" }`.
    names: tuple[tuple[str, Local], ...] = ()
    # The society's rules (`rules.toml`, surveys/rules/): a path, absolute once the config
    # is read; empty when the organisation has not given them.
    rules: str = ""
    # Where a roster phone number written without "+" or "00" is (ISO 3166 code).
    default_country: str = "GB"

    def named(self, word: str) -> str:
        """A constituency, group or role as the roster writes it, with its translations."""
        return next((local for key, local in self.names if key == word), word)


@dataclass(frozen=True)
class Privacy:
    anonymity_threshold: int = 5
    comment_threshold: int = 10


@dataclass(frozen=True)
class QuietHours:
    enabled: bool = True
    start: str = "21:00"
    end: str = "08:00"


@dataclass(frozen=True)
class Invites:
    expiry_days: int = 14
    # The return line at the top of a letter's envelope window, e.g. "Riverside Homes,
    # 1 High Street, Leeds LS1 1AA"; the organisation's name when not set.
    return_address: str = ""


@dataclass(frozen=True)
class Admin:
    officers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Surveys:
    folder: str = ""


@dataclass(frozen=True)
class Suggestions:
    # A topic is a `Local` where the file gives it per language; str() is what is stored.
    categories: tuple[str, ...] = (
        Local({"en": "services", "cy": "gwasanaethau"}),
        Local({"en": "my home", "cy": "fy nghartref"}),
        Local({"en": "workplace", "cy": "gweithle"}),
        Local({"en": "community fund", "cy": "cronfa gymunedol"}),
        Local({"en": "other", "cy": "arall"}),
    )
    response_days: int = 14
    max_length: int = 2000
    per_day: int = 5


@dataclass(frozen=True)
class Tiers:
    ladder: str = ""
    nudge_days: int = 30
    notify: str = "council"


@dataclass(frozen=True)
class Digests:
    council_cron: str = "0 9 * * mon"
    members_cron: str = "0 10 1 * *"


# Channels the roster itself gives (its phone and email columns): no one joins them.
ROSTER_CHANNELS = ("sms", "email")


@dataclass(frozen=True)
class Routing:
    """How a message finds a member (handlers/members/routing.py): their own preference,
    else a chat app they joined, else these roster channels in this order."""

    fallback: tuple[str, ...] = ROSTER_CHANNELS
    # The roster channels switched on (`[sms]`, `[email]` enabled): not a key of the
    # file, but filled in from those sections (bot/config.py `Settings.policy`).
    enabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    organisation: Organisation = field(default_factory=Organisation)
    privacy: Privacy = field(default_factory=Privacy)
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    invites: Invites = field(default_factory=Invites)
    admin: Admin = field(default_factory=Admin)
    surveys: Surveys = field(default_factory=Surveys)
    suggestions: Suggestions = field(default_factory=Suggestions)
    tiers: Tiers = field(default_factory=Tiers)
    digests: Digests = field(default_factory=Digests)
    routing: Routing = field(default_factory=Routing)
