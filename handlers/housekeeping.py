"""Housekeeping: forget what no longer needs remembering, and tell the staff council
once about an open flow whose secret is missing from the keys file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from handlers.context import Context
from handlers.members.page_links import forget_old as forget_page_links
from handlers.messages import Message, Recipient
from handlers.router import Router
from handlers.schedule import CHECKPOINT, Job, Pause
from storage import conversations, flow_keys, outbox
from storage.pulses import queries as pulses
from storage.votes import queries as votes

log = logging.getLogger(__name__)

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
    outbox.drop_idle_seal_key(ctx.db)  # once nothing sealed waits, old sealed cells open for no one
    found: list[Message | Pause] = list(lost_secrets(ctx))
    # The job runs inside a transaction, where no checkpoint can be made: the scheduler
    # empties the write-ahead log once it has committed.
    return [*found, CHECKPOINT]


LOST = (
    "The secret of {what}, kept in {path} beside the database, is missing (the file was "
    "deleted, or the database restored from a copy taken while it was open). It still "
    "closes and counts at its time, and what was answered so far counts; {effect} "
    "Nothing needs doing; if you restored the database on purpose, this is expected."
)
_logged: set[str] = set()  # labels already logged by this process


def lost_secrets(ctx: Context) -> Iterator[Message]:
    """A message to the staff council (once: the outbox keeps a key once) for each open
    flow whose secret is not in the keys file; the keys of flows no longer open dropped."""
    path = flow_keys.path_of(ctx.db)
    kept = flow_keys.labels(ctx.db)
    rounds_live, rounds = pulses.key_labels(ctx.db)
    votes_live, changeable = votes.key_labels(ctx.db)
    flow_keys.prune(ctx.db, rounds_live | votes_live | {outbox.SEAL_LABEL})
    lost = [
        (r["key_label"], f"round {r['number']} of {r['survey_id']}",
         "members can't answer it any more (they are told so kindly).")
        for r in rounds if r["key_label"] not in kept
    ] + [
        (votes.key_label(v["vote_id"]), f"vote {v['vote_id']}",
         "members who have voted can't change their vote any more (they are told so "
         "kindly); those who haven't can still vote.")
        for v in changeable if votes.key_label(v["vote_id"]) not in kept
    ]  # fmt: skip
    for label, what, effect in lost:
        if label not in _logged:
            _logged.add(label)
            log.warning("the secret of %s is missing from %s", what, path)
        yield Message(
            Recipient.staff_council(),
            LOST.format(what=what, path=path or "memory", effect=effect),
            title=f"A secret is missing: {what}",
            key=f"keys:lost:{label}",
        )


def jobs(ctx: Context) -> list[Job]:
    return [Job("housekeeping", forget, description="forget old delivery ids and message text")]


def register(router: Router) -> None:
    """No chat routes: this module only contributes a job."""
