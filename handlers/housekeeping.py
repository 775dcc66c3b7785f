"""Housekeeping: forget what no longer needs remembering."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Context
from handlers.messages import Message
from handlers.router import Router
from handlers.schedule import Job
from storage import conversations, outbox, secrecy

# Platforms re-deliver within minutes or hours; a week is ample to recognise a repeat.
EVENT_MEMORY = timedelta(days=7)
# Long enough to look into a delivery problem; short enough that old notices do not
# become a record of who suggested, voted or answered what.
MESSAGE_MEMORY = timedelta(days=14)


def forget(ctx: Context, now: datetime) -> list[Message]:
    conversations.forget_events_before(ctx.db, now - EVENT_MEMORY)
    outbox.scrub_delivered(ctx.db, now - MESSAGE_MEMORY)
    # A close whose checkpoint a busy reader held up leaves old pages in the log: empty it.
    secrecy.checkpoint(ctx.db)
    return []


def jobs(ctx: Context) -> list[Job]:
    return [Job("housekeeping", forget, description="forget old delivery ids and message text")]


def register(router: Router) -> None:
    """No chat routes: this module only contributes a job."""
