"""Use cases, platform-neutral. `MODULES` lists every handler module; each registers its routes."""

from __future__ import annotations

from handlers import guide, housekeeping, onboarding, profile
from handlers.router import Router

MODULES = (onboarding, guide, profile, housekeeping)


def build_router() -> Router:
    router = Router()
    for module in MODULES:
        module.register(router)
    return router
