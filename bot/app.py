"""Wiring: the database, handlers, postman, engine and one sender per platform."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database

from bot import demo
from bot.config import ConfigError, Settings
from bot.engine import Engine
from bot.outbox import Deliver, Pace, Sender
from bot.postman import Postman
from bot.redaction import Redactor, withhold_member_content
from bot.scheduler import Scheduler
from handlers import build_router
from handlers.console import signin as console_signin
from handlers.context import Context, system_clock
from handlers.members import roster
from handlers.pulses import definitions as pulse_definitions
from handlers.tiers import standing as tier_standing
from storage.db import open_database
from surveys.ladder.rungs import LadderError
from surveys.pulses.definitions import DefinitionError


class App:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = system_clock,
        db: Database | None = None,
        sleep: Callable[[float], object] = asyncio.sleep,
        create: bool = True,
    ) -> None:
        self.settings, self.clock, self.sleep = settings, clock, sleep
        self.db = db if db is not None else open_database(settings.database_path, create)
        self.redact = Redactor(
            [
                settings.telegram.token,
                settings.telegram.webhook_secret,
                settings.slack.bot_token,
                settings.slack.signing_secret,
                settings.slack.app_token,
                settings.whatsapp.access_token,
                settings.whatsapp.app_secret,
                settings.whatsapp.verify_token,
                settings.email.password,
                settings.sms.auth_token,
            ]
        )
        # Before any platform library is built: some log their API address, token included.
        for handler in logging.getLogger().handlers:
            handler.addFilter(self.redact)
        withhold_member_content()  # and no library logs what members typed or pressed
        self.ctx = Context(
            self.db,
            settings.policy,
            clock,
            self.join_links(),
            self.council_address(),
            settings.web.base_url,
            page_url=settings.web.public_url.rstrip("/"),
        )
        # A roster channel switched on since the last start: link the phones or e-mails.
        roster.sync_channels(self.ctx)
        try:  # an invalid survey definition or ladder stops start-up like a config error
            pulse_definitions.load(self.ctx)
            tier_standing.current_ladder(self.ctx)
        except (DefinitionError, LadderError) as error:
            raise ConfigError(str(error)) from None
        if demo.is_demo(self.ctx):
            self.make_demo_officer()
        # Someone taken off admin.officers keeps no session and no unused sign-in link.
        console_signin.revoke_former_officers(self.ctx)
        self.router = build_router()
        self.senders: dict[str, Sender] = {}
        self.postman = Postman(
            self.db,
            clock,
            self.ctx.council,
            settings.organisation.timezone,
            self.wake,
            self.ctx.policy.routing,
        )
        self.engine = Engine(self.ctx, self.router, self.postman)
        self.scheduler: Scheduler | None = None  # set by the runner while the bot runs

    def join_links(self) -> dict[str, str]:
        username = self.settings.telegram.bot_username.lstrip("@")
        links = {"telegram": f"https://t.me/{username}?start={{token}}"} if username else {}
        whatsapp = self.settings.whatsapp
        if whatsapp.enabled and whatsapp.business_number:
            from bot.adapters.whatsapp.joining import join_link

            links["whatsapp"] = join_link(whatsapp.business_number)
        return links

    def council_address(self) -> tuple[str, str] | None:
        if self.settings.slack.enabled and self.settings.slack.council_channel:
            return "slack", self.settings.slack.council_channel
        if self.settings.telegram.enabled and self.settings.telegram.council_chat_id:
            return "telegram", self.settings.telegram.council_chat_id
        if not self.settings.platforms:
            from bot.adapters.console import COUNCIL_CHAT

            return demo.CONSOLE, COUNCIL_CHAT
        return None

    def seed_demo(self) -> bool:
        seeded = demo.seed_if_empty(self.ctx)
        if seeded:
            self.make_demo_officer()
        return seeded

    def make_demo_officer(self) -> None:
        """In the demo, the first staff member may try the officer's commands too, and
        quiet hours are off: the demo shows at any hour what a member would see in the
        day (the council's reply, a vote's announcement), rather than holding it till 08:00."""
        admin = self.ctx.policy.admin
        if demo.DEMO_OFFICER not in admin.officers:
            admin = dataclasses.replace(admin, officers=(*admin.officers, demo.DEMO_OFFICER))
        awake = dataclasses.replace(self.settings.quiet_hours, enabled=False)
        self.settings = dataclasses.replace(self.settings, quiet_hours=awake)
        self.ctx.policy = dataclasses.replace(self.ctx.policy, admin=admin, quiet_hours=awake)

    def add_sender(
        self, platform: str, deliver: Deliver, pace: Pace, chats: tuple[str, ...] = ()
    ) -> Sender:
        sender = Sender(
            self.db,
            platform,
            deliver,
            self.clock,
            pace,
            self.settings.quiet_hours,
            self.settings.organisation.timezone,
            self.sleep,
            self.redact,
            chats,
            # In service pacing follows a clock no one can set; a test's clock moves both.
            time.monotonic if self.clock is system_clock else None,
            self.forgot_secret,
            self.postman.reroute,
        )
        self.senders[platform] = sender
        return sender

    def forgot_secret(self) -> None:
        """A sender forgot what a ballot, answer or receipt message said: have the
        write-ahead log, which still holds it, emptied soon."""
        keeper = self.scheduler.wal_keeper if self.scheduler else None
        if keeper is not None:
            keeper.empty_soon()

    def wake(self, platform: str) -> None:
        if platform in self.senders:
            self.senders[platform].wake()
