"""A batch of invites as an officer asks for one, on the command line or in the console.

Both edges take the same options, check them alike and prepare the same invites; each
then hands over the links, letters or QR codes in its own way, and records the invites
(revoking older links) only once the files exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.app import App
from bot.invites.files import (
    PLATFORM,
    check_links,
    letter_head,
    platform_of,
    telegram_constituencies,
)
from bot.invites.letters import LetterHead
from handlers.members import invites
from handlers.members.invites import Invite, Selection

LETTERS, QR_CODES = "letters", "qr-codes"
AGE = re.compile(r"^(\d{1,4})([hdw])$")
AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class OptionError(Exception):
    """One option is wrong: `option` names it as the CLI spells it; the message says how."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def parse_age(text: str) -> timedelta:
    """An age such as 14d, 2w or 36h."""
    found = AGE.match(text.strip())
    if not found:
        raise OptionError("--older-than", f"{text!r} should look like 14d, 2w or 36h")
    return timedelta(**{AGE_UNITS[found[2]]: int(found[1])})


@dataclass(frozen=True)
class Options:
    member_ids: tuple[str, ...] = ()
    constituencies: tuple[str, ...] = ()  # none: the groups that join by Telegram
    not_joined: bool = False
    older_than: timedelta | None = None
    files: str = ""  # LETTERS, QR_CODES, or "" for the links alone


@dataclass(frozen=True)
class Batch:
    invites: list[Invite]
    head: LetterHead | None  # only for letters


def join_link_missing(app: App) -> bool:
    """True when Telegram is on but the config does not give the bot's t.me link."""
    return app.settings.telegram.enabled and PLATFORM not in app.ctx.join_links


async def learn_join_link(app: App) -> None:
    """Ask Telegram for the bot's t.me link (see `join_link_missing`)."""
    from bot.adapters.telegram.adapter import learn_join_link  # imports PTB: only when needed

    await learn_join_link(app)


def prepare(app: App, options: Options) -> Batch:
    """Check the options and prepare the invites; nothing is stored yet (`invites.record`).

    Raises OptionError, InviteError or InviteFileError with a line for the officer.
    """
    known = app.settings.organisation.constituencies
    for group in options.constituencies:
        if group not in known:
            raise OptionError("--constituency", f"{group!r} is not one of {', '.join(known)}")
    head = letter_head(app.settings) if options.files == LETTERS else None
    selection = Selection(
        member_ids=options.member_ids,
        constituencies=options.constituencies or telegram_constituencies(app.settings),
        not_joined=options.not_joined,
        invited_before=app.ctx.now() - options.older_than if options.older_than else None,
    )
    prepared = [
        replace(invite, platform=platform_of(app.settings, invite.constituency))
        for invite in invites.prepare(app.ctx, invites.choose(app.ctx, selection))
    ]
    if options.files:
        check_links(app.ctx.join_links, [invite.platform for invite in prepared] or [PLATFORM])
    return Batch(prepared, head)


def nobody(options: Options) -> str:
    """What to tell the officer when a batch is empty."""
    recently = " or was invited more recently" if options.older_than else ""
    return f"Nobody to invite: everyone chosen has joined{recently}."
