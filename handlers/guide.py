"""`/help` and `/privacy`: what the bot does, and what it keeps about you."""

from __future__ import annotations

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Event, Message, reply
from handlers.router import ANYONE, Router

PRIVACY = N_(
    "What we keep: your name, member number and group from the roster, and which chat "
    "account you joined with. Survey answers are anonymous: they are stored without your "
    "name, and results are only shown for groups of {threshold} or more people. Votes are "
    "secret: we record that you voted, separately from how. Suggestions are anonymous "
    "unless you choose to be named. Who sees what: the staff council sees combined results "
    "and suggestions, never who said what. To get a copy of your data, or to have it "
    "erased, ask your membership officer. You can leave at any time."
)


def help_text(ctx: Context, event: Event, router: Router) -> Message:
    _ = i18n.for_event(ctx, event)
    lines = [
        _("{organisation}: have your say in a few taps.").format(
            organisation=ctx.policy.organisation.name
        )
    ]
    lines += [f"/{name} - {_(text)}" for name, text in router.menu(ctx, event)]
    if event.member is None:
        lines.append(_("You haven't joined yet: open the invite link you were sent."))
    return reply(event, "\n".join(lines))


def privacy(ctx: Context, event: Event) -> Message:
    _ = i18n.for_event(ctx, event)
    return reply(event, _(PRIVACY).format(threshold=ctx.policy.privacy.anonymity_threshold))


def register(router: Router) -> None:
    def show_help(ctx: Context, event: Event) -> Message:
        return help_text(ctx, event, router)

    router.command("help", N_("what I can do"), who=ANYONE, order=1)(show_help)
    router.command("privacy", N_("what we keep and who sees it"), who=ANYONE, order=90)(privacy)
    router.action("help.show", who=ANYONE)(show_help)
    router.action("help.privacy", who=ANYONE)(privacy)
