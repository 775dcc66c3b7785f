"""Use cases, platform-neutral. `MODULES` lists every handler module; each registers its routes."""

from __future__ import annotations

from handlers import guide, home, housekeeping
from handlers.console import signin as console
from handlers.digests import scheduled as digests
from handlers.meetings import attendance as meeting_attendance
from handlers.meetings import chat as meetings
from handlers.meetings import nominate_chat as nominations
from handlers.meetings import notice as meeting_notice
from handlers.meetings import overview as meeting_overview
from handlers.members import languages, mydata, onboarding, profile
from handlers.members import settings as member_settings
from handlers.pulses import chat as pulses
from handlers.router import Router
from handlers.suggestions import chat as suggestions
from handlers.suggestions import council as suggestion_council
from handlers.suggestions import relay as suggestion_relay
from handlers.tiers import chat as tiers
from handlers.votes import chat as votes

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
    languages,
    mydata,
    votes,
    nominations,
    meeting_notice,
    meeting_attendance,
    meeting_overview,
    meetings,
    tiers,
    digests,
    console,
)


def build_router() -> Router:
    router = Router()
    for module in MODULES:
        module.register(router)
    return router
