"""Housekeeping: forget what no longer needs remembering."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Context
from handlers.members.page_links import forget_old as forget_page_links
from handlers.messages import Message
from handlers.router import Router
from handlers.schedule import CHECKPOINT, Job, Pause
from storage import conversations, outbox

# Slack re-delivers within minutes; Telegram keeps an unconfirmed update for a day. Every
# close of a round or vote forgets them all sooner (storage/conversations.py).
EVENT_MEMORY = timedelta(days=2)
# Long enough to look into a delivery problem; short enough that old notices do not
# become a record of who suggested, voted or answered what.
MESSAGE_MEMORY = timedelta(days=14)


def forget(ctx: Context, now: datetime) -> list[Message | Pause]:
    conversations.forget_events_before(ctx.db, now - EVENT_MEMORY)
    outbox.scrub_delivered(ctx.db, now - MESSAGE_MEMORY)
    forget_page_links(ctx, now)
    # The job runs inside a transaction, where no checkpoint can be made: the scheduler
    # empties the write-ahead log once it has committed.
    return [CHECKPOINT]


def jobs(ctx: Context) -> list[Job]:
    return [Job("housekeeping", forget, description="forget old delivery ids and message text")]


def register(router: Router) -> None:
    """No chat routes: this module only contributes a job."""
