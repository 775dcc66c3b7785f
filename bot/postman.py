"""Turns handlers' neutral messages into outbox rows: resolves who and where, keeps prompts."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from handlers.members.routing import choose
from handlers.messages import Message, Recipient
from handlers.schedule import Pause, without_pauses
from handlers.settings import Routing
from storage import conversations, members, outbox
from storage.outbox import Row

log = logging.getLogger(__name__)


@dataclass
class PostReport:
    queued: int = 0
    duplicates: int = 0
    not_joined: list[str] = field(default_factory=list)


class Postman:
    """Writes messages to the outbox; `council` is the (platform, chat) of the staff council.

    A message to a member goes by the channel `routing` chooses (handlers/members/routing.py);
    a direct reply goes back to the chat it answers."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        council: tuple[str, str] | None,
        default_timezone: str,
        wake: Callable[[str], None] = lambda platform: None,
        routing: Routing | None = None,
    ) -> None:
        self.db, self.clock, self.council = db, clock, council
        self.default_timezone = default_timezone
        self.wake = wake
        self.routing = routing or Routing()

    def post(
        self, messages: Iterable[Message | Pause], key_prefix: str | None = None, start: int = 0
    ) -> PostReport:
        """Queue `messages` (a job's pauses are skipped); one without a key of its own gets `key_prefix:N`, counting
        from `start` (a long fan-out is posted in parts)."""
        messages = list(without_pauses(messages))
        report = PostReport()
        wanted = {m.to.member_id for m in messages if m.to.member_id and not m.to.chat_id}
        addresses = members.reachable_identities(self.db, wanted)
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
            platform, chat_id, zone, routed = target
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
                    "routed": routed,
                }
            )
        report.queued = outbox.enqueue(self.db, rows, now)
        report.duplicates = len(rows) - report.queued
        for platform in {row["platform"] for row in rows}:
            self.wake(platform)
        return report

    def channels(self, member_ids: Iterable[str], part: int = 500) -> Counter[str]:
        """How many of these members a message to each would reach on each channel, by
        the rule `post` follows ("": no channel reaches them), read a part at a time."""
        wanted = sorted(set(member_ids))
        found: Counter[str] = Counter()
        for start in range(0, len(wanted), part):
            ids = wanted[start : start + part]
            addresses = members.reachable_identities(self.db, set(ids))
            for member_id in ids:
                target = self._address(Message(to=Recipient.of(member_id), text=""), addresses)
                found[target[0] if target else ""] += 1
        return found

    def reroute(self, failed: Iterable[Row]) -> int:
        """Queue once more, by each member's next reachable channel, the routed messages
        just given up on a channel that became unreachable (marked so before this is
        called); returns how many. The new row's key is the old one and the channel, so
        rerouting the same row again writes nothing, and nothing goes out twice. Secret
        messages (a ballot's or answer's tick), edits and direct replies stay given up."""
        failed = [
            row
            for row in failed
            if row.routed
            and row.member_id
            and not outbox.forgets(row.key)
            and not row.payload.get("edit_ref")
        ]
        addresses = members.reachable_identities(self.db, {row.member_id for row in failed})
        rows = []
        for row in failed:
            message = Message.from_payload(Recipient.of(row.member_id), row.payload)
            target = self._address(message, addresses)
            if target is None:
                continue
            platform, chat_id, zone, _ = target
            if message.prompt:
                conversations.set_prompt(
                    self.db, platform, chat_id, message.prompt, {}, self.clock()
                )
            rows.append(
                {
                    "key": f"{row.key}>{platform}",
                    "platform": platform,
                    "chat_id": chat_id,
                    "member_id": row.member_id,
                    "payload": row.payload,
                    "quiet": row.quiet,
                    "timezone": zone or row.timezone or self.default_timezone,
                    "routed": True,
                }
            )
        queued = outbox.enqueue(self.db, rows, self.clock())
        for platform in {row["platform"] for row in rows}:
            self.wake(platform)
        if queued:
            log.info("%d messages rerouted to the members' next channel", queued)
        return queued

    def _address(
        self, message: Message, addresses: dict[str, dict]
    ) -> tuple[str, str, str | None, bool] | None:
        """(platform, chat, time zone, whether routed by the member's identities)."""
        to = message.to
        if to.platform and to.chat_id:
            zone = None
            if to.member_id:
                row = members.get(self.db, to.member_id)
                zone = row["timezone"] if row else None
            return to.platform, to.chat_id, zone, False
        if to.council:
            return (*self.council, None, False) if self.council else None
        found = addresses.get(to.member_id or "")
        chosen = found and choose(found["identities"], found["prefers"], self.routing)
        if not chosen:
            return None
        return chosen["platform"], chosen["chat_id"], found["timezone"], True
