"""Every command a member or officer may be shown, in every language we have, fits the
platforms' menus: Telegram's command menu lists the meeting commands always (it is one
menu for every chat), and each WhatsApp "menu" row fits the fake Graph API's limits."""

from __future__ import annotations

import pytest

from bot.adapters.telegram import commands as telegram
from bot.adapters.whatsapp.adapter import MENU_ACTION, MORE, MORE_ACTION
from bot.adapters.whatsapp.render import ROWS_MAX, render
from handlers import build_router, i18n
from handlers.messages import Message, Option, Recipient
from tests.fakes.whatsapp_api import _check_interactive as check_interactive
from tests.helpers import make_context

MEETING = ("meeting", "here", "proxy", "nominate")


@pytest.fixture(scope="module")
def router():
    return build_router()


def test_telegram_lists_the_meeting_commands_in_each_language(router):
    ctx = make_context()
    menus = dict(telegram.menus(router, ctx))
    english = {c.command: c.description for c in menus[None]}
    welsh = {c.command: c.description for c in menus["cy"]}
    assert english["meeting"] == "the general meeting: its notice and your reply"
    assert english["here"] == "check in at the general meeting, in the room or online"
    assert welsh["proxy"] == "penodi neu ddirymu eich dirprwy ar gyfer y cyfarfod cyffredinol"
    assert welsh["nominate"] == "sefyll etholiad yn y cyfarfod cyffredinol"
    assert list(english)[4:8] == list(MEETING)  # after /pulse and /vote: what is timely
    ctx.db.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_whatsapp_menu_row_fits_a_list_row(router, language):
    """All the commands with a help line (an officer on the roll of a meeting sees them all),
    as the adapter's "menu" shows them: nine rows and "More…", then the rest."""
    _ = i18n.translator(language)
    rows = [
        Option(f"/{name}: {_(route.help)}", MENU_ACTION, name)
        for name, route in router.commands.items()
        if route.help and name not in ("start", "help")
    ]
    assert len(rows) > ROWS_MAX  # two lists
    pages = [[*rows[: ROWS_MAX - 1], Option(_(MORE), MORE_ACTION, "9")], rows[ROWS_MAX - 1 :]]
    for page in pages:
        assert len(page) <= ROWS_MAX
        message = Message(Recipient("m1"), "Our Mutual", choices=tuple(page), language=language)
        (body,) = render(message).bodies
        assert body["interactive"]["type"] == "list"
        check_interactive(body["interactive"])  # the fake Graph API's own limits
