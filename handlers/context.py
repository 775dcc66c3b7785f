"""What every handler gets besides the event: the database, the policy, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlite_utils import Database

from handlers.settings import Policy


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """Shared by all handlers; `clock` is injected so tests never wait on real time.

    `join_links` maps a platform to a template such as ``https://t.me/bot?start={token}``;
    `council` is the (platform, chat id) where the staff council works, if any;
    `console_url` is the web console's address, empty when it is not served;
    `page_url` is the public address (`web.public_url`) links to the member's page start
    with, empty when there is none.
    """

    db: Database
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], datetime] = system_clock
    join_links: dict[str, str] = field(default_factory=dict)
    council: tuple[str, str] | None = None
    console_url: str = ""
    # Now on a clock that did not leap forward (the running bot's clock watch), if known.
    trusted: Callable[[], datetime] | None = None
    page_url: str = ""

    def now(self) -> datetime:
        return self.clock()

    def trusted_now(self) -> datetime:
        """Now, for what must never happen early (closing a vote): the wall clock, or,
        if it leapt forward, the time it would show had it not."""
        now = self.clock()
        return min(now, self.trusted()) if self.trusted else now

    def in_council_chat(self, platform: str, chat_id: str) -> bool:
        return self.council == (platform, chat_id)

    def is_officer(self, member_id: str | None) -> bool:
        return member_id is not None and member_id in self.policy.admin.officers
