"""`/language`: members choose the language the bot speaks to them in.

Each button names a language in itself ("English", "Cymraeg"), so a member can find
theirs whatever language the bot is speaking now. The choice is kept apart from the
roster's language (a roster import does not undo it) and used from the next message on.
"""

from __future__ import annotations

from dataclasses import replace

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Choice, Event, Message, Option, reply
from handlers.router import Router
from storage import members

CHOOSE = "language.choose"


def show(ctx: Context, event: Event) -> Message:
    _ = i18n.for_member(ctx, event.member)
    current = i18n.native_name(_.language)
    choices = [Option(i18n.native_name(code), CHOOSE, code) for code in i18n.available()]
    text = _("I'm speaking {language}. Which language would you like?").format(language=current)
    return reply(event, text, title=_("Language"), choices=choices)


def choose(ctx: Context, event: Choice) -> Message:
    assert event.member is not None
    language = i18n.supported(event.value)
    if language is None:
        _ = i18n.for_member(ctx, event.member)
        return reply(event, _("That button no longer works. Type /language to start again."))
    members.set_language(ctx.db, event.member.member_id, language)
    _ = i18n.for_member(ctx, replace(event.member, language=language))
    return reply(
        event,
        _("From now on I'll speak {language}. Type /language to change it.").format(
            language=i18n.native_name(language)
        ),
        edit=True,
    )


def register(router: Router) -> None:
    router.command("language", N_("choose the language I speak"), order=65)(show)
    router.action(CHOOSE)(choose)
