"""Use cases, platform-neutral. `MODULES` lists every handler module; each registers its routes."""

from __future__ import annotations

from handlers import (
    console,
    digests,
    guide,
    home,
    housekeeping,
    member_settings,
    onboarding,
    profile,
    pulses,
    suggestion_council,
    suggestion_relay,
    suggestions,
    tiers,
    votes,
)
from handlers.router import Router

MODULES = (
    onboarding,
    guide,
    profile,
    housekeeping,
    suggestions,
    suggestion_council,
    suggestion_relay,
    home,
    pulses,
    member_settings,
    votes,
    tiers,
    digests,
    console,
)


def build_router() -> Router:
    router = Router()
    for module in MODULES:
        module.register(router)
    return router
