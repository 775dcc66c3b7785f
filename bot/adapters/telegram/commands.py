"""Commands on Telegram: the menu shown by the message box, and reading `/name@bot args`.

Telegram command names are 1-32 of a-z, 0-9 and _, so a router command such as
`vote-results` is offered and accepted as `/vote_results`.
"""

from __future__ import annotations

import logging
import re

from telegram import BotCommand

from handlers import i18n
from handlers.context import Context
from handlers.messages import Command, Member, Sender
from handlers.router import Router

log = logging.getLogger(__name__)

NAME = re.compile(r"[a-z0-9_]{1,32}")
TYPED = re.compile(r"/([^\s@]+)(?:@(\w+))?(?:\s+(.*))?", re.DOTALL)
DESCRIPTION_MAX = 256
COMMANDS_MAX = 100


def telegram_name(name: str) -> str | None:
    """The router command's name as Telegram allows it, or None if it cannot be one."""
    alias = name.lower().replace("-", "_").replace(".", "_")
    return alias if NAME.fullmatch(alias) else None


def aliases(router: Router) -> dict[str, str]:
    """Telegram name -> router name, for every command that has one."""
    return {alias: name for name in router.commands if (alias := telegram_name(name))}


def menu(router: Router, ctx: Context, language: str | None = None) -> list[BotCommand]:
    """The commands any member may use (officers' ones stay unlisted), for setMyCommands,
    described in `language` (default: the organisation's). The menu is the same for
    every chat, so a command for some members at some times (/here) is in it always."""
    probe = Command(Sender("telegram", "", ""), Member("", "", "", language=language), "menu")
    _ = i18n.for_member(ctx, probe.member)
    commands = []
    for name, help_text in router.menu(ctx, probe, everyone=True):
        alias = telegram_name(name)
        if alias is None:
            log.warning("/%s is left out of the Telegram menu: not a Telegram command name", name)
            continue
        commands.append(BotCommand(alias, _(help_text)[:DESCRIPTION_MAX]))
    return commands[:COMMANDS_MAX]


def menus(router: Router, ctx: Context) -> list[tuple[str | None, list[BotCommand]]]:
    """(language_code, commands) for setMyCommands: the organisation's language for
    everyone, then one menu per language we have, for users whose app is set to it.

    Telegram takes two-letter language codes only, so a regional catalogue (e.g. pt-BR)
    is left to the default menu."""
    found: list[tuple[str | None, list[BotCommand]]] = [(None, menu(router, ctx))]
    for language in i18n.available():
        if re.fullmatch(r"[a-z]{2}", language):
            found.append((language, menu(router, ctx, language)))
    return found


def parse(text: str, bot_username: str, names: dict[str, str]) -> tuple[str, str] | None:
    """(router name, args) of a typed command; None if it is not one, or is for another bot.

    `names` comes from `aliases`; a name it does not know is passed on for the router to
    say it does not know it.
    """
    match = TYPED.fullmatch(text.strip())
    if match is None:
        return None
    typed, addressee, args = match.groups()
    if addressee and addressee.lower() != bot_username.lower():
        return None
    name = typed.lower()
    return names.get(telegram_name(name) or "", name), (args or "").strip()
