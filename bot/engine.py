"""The engine: one incoming event in, its replies into the outbox, exactly once."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.postman import Postman
from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.members.identity import member_for
from handlers.messages import Event, Member, Message, reply
from handlers.router import Router
from storage import conversations, members

log = logging.getLogger(__name__)

SORRY = N_(
    "Sorry, something went wrong on our side. Nothing you sent before this was lost; "
    "please try again in a minute."
)


def sorry(ctx: Context, event: Event) -> Message:
    """The apology for an event that could not be handled, in the sender's language."""
    return reply(event, i18n.for_event(ctx, event)(SORRY))


class Engine:
    def __init__(self, ctx: Context, router: Router, postman: Postman) -> None:
        self.ctx, self.router, self.postman = ctx, router, postman

    def member(self, platform: str, platform_user_id: str) -> Member | None:
        return member_for(self.ctx, platform, platform_user_id)

    def seen(self, platform: str, event_id: str) -> bool:
        """Whether this platform event was handled before (a re-delivery)."""
        return conversations.handled(self.ctx.db, platform, event_id)

    def note(self, platform: str, event_id: str) -> None:
        """Record an event the adapter dealt with itself, so a re-delivery is ignored too."""
        with self.ctx.db.atomic():
            conversations.first_time(self.ctx.db, platform, event_id, self.ctx.now())

    def handle(self, event: Event) -> int:
        """Handle `event` once (a re-delivery is ignored); returns how many replies were queued.

        The event's record, its effects and its replies commit together: a failure
        leaves no trace, so a retried delivery is handled afresh.
        """
        platform = event.sender.platform
        db = self.ctx.db
        try:
            with db.atomic():
                if not conversations.first_time(db, platform, event.event_id, self.ctx.now()):
                    return 0
                members.mark_reachable(db, platform, event.sender.platform_user_id)
                # Handlers see the event's id only as a keyed hash: it goes into outbox keys
                # (a ballot's, an answer's), which must not keep the platform's raw id.
                tag = conversations.event_tag(db, platform, event.event_id)
                messages = self.router.dispatch(self.ctx, replace(event, event_id=tag))
                return self.postman.post(messages, key_prefix=f"{platform}:{tag}").queued
        except Exception:
            log.exception("handling %s event %s failed", platform, event.event_id)
            return self.postman.post([sorry(self.ctx, event)]).queued
