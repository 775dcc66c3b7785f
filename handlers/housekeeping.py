"""Housekeeping: forget what no longer needs remembering."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Context
from handlers.messages import Message
from handlers.router import Router
from handlers.schedule import Job
from storage import conversations

# Platforms re-deliver within minutes or hours; a week is ample to recognise a repeat.
EVENT_MEMORY = timedelta(days=7)


def forget_old_events(ctx: Context, now: datetime) -> list[Message]:
    conversations.forget_events_before(ctx.db, now - EVENT_MEMORY)
    return []


def jobs(ctx: Context) -> list[Job]:
    return [Job("housekeeping", forget_old_events, description="forget old delivery ids")]


def register(router: Router) -> None:
    """No chat routes: this module only contributes a job."""
