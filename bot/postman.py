"""Turns handlers' neutral messages into outbox rows: resolves who and where, keeps prompts."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from handlers.messages import Message
from handlers.schedule import Pause, without_pauses
from storage import conversations, members, outbox

log = logging.getLogger(__name__)


@dataclass
class PostReport:
    queued: int = 0
    duplicates: int = 0
    not_joined: list[str] = field(default_factory=list)


class Postman:
    """Writes messages to the outbox; `council` is the (platform, chat) of the staff council."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        council: tuple[str, str] | None,
        default_timezone: str,
        wake: Callable[[str], None] = lambda platform: None,
    ) -> None:
        self.db, self.clock, self.council = db, clock, council
        self.default_timezone = default_timezone
        self.wake = wake

    def post(
        self, messages: Iterable[Message | Pause], key_prefix: str | None = None, start: int = 0
    ) -> PostReport:
        """Queue `messages` (a job's pauses are skipped); one without a key of its own gets `key_prefix:N`, counting
        from `start` (a long fan-out is posted in parts)."""
        messages = list(without_pauses(messages))
        report = PostReport()
        wanted = {m.to.member_id for m in messages if m.to.member_id and not m.to.chat_id}
        addresses = members.delivery_addresses(self.db, wanted)
        rows = []
        now = self.clock()
        for index, message in enumerate(messages, start):
            target = self._address(message, addresses)
            if target is None:
                if message.to.member_id:
                    report.not_joined.append(message.to.member_id)
                else:
                    log.warning(
                        "no staff council channel is configured; a council message was dropped"
                    )
                continue
            platform, chat_id, zone = target
            if message.prompt:
                conversations.set_prompt(self.db, platform, chat_id, message.prompt, {}, now)
            key = message.key or (f"{key_prefix}:{index}" if key_prefix else uuid.uuid4().hex)
            rows.append(
                {
                    "key": key,
                    "platform": platform,
                    "chat_id": chat_id,
                    "member_id": message.to.member_id,
                    "payload": message.to_payload(),
                    "quiet": message.quiet_hours,
                    "timezone": zone or self.default_timezone,
                }
            )
        report.queued = outbox.enqueue(self.db, rows, now)
        report.duplicates = len(rows) - report.queued
        for platform in {row["platform"] for row in rows}:
            self.wake(platform)
        return report

    def _address(
        self, message: Message, addresses: dict[str, dict]
    ) -> tuple[str, str, str | None] | None:
        to = message.to
        if to.platform and to.chat_id:
            zone = None
            if to.member_id:
                row = members.get(self.db, to.member_id)
                zone = row["timezone"] if row else None
            return to.platform, to.chat_id, zone
        if to.council:
            return (*self.council, None) if self.council else None
        found = addresses.get(to.member_id or "")
        if found is None:
            return None
        return found["platform"], found["chat_id"], found["timezone"]
