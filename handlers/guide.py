"""`/help` and `/privacy`: what the bot does, and what it keeps about you."""

from __future__ import annotations

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Event, Message, reply
from handlers.router import ANYONE, MEMBER, Router

WAITING = "waiting.show"  # the action a returning member's session starts with

PRIVACY = N_(
    "What we keep: your name, member number and group from the roster, and which chat "
    "account you joined with.\n\n"
    "Check-ins: your answers are stored without your name. While a check-in is open, the "
    "bot can still tell which answers are yours (so you can carry on, or change an "
    "answer), and results show only how many have answered. When it closes, that link is "
    "destroyed and the answers are shuffled: only the fact that you took part is kept, not "
    "when. Results are only shown for groups of {threshold} or more people.\n\n"
    "Votes are secret: your ballot is stored apart from the record that you voted, in an "
    "empty ballot slot drawn at random. While a vote is open, someone holding a copy of the "
    "bot's database file could see that you have voted (and on which day), but not which "
    "ballot is yours, unless the vote lets you change your vote. When it closes, the "
    "ballots and the list of voters are shuffled and rewritten, and only that you voted "
    "(not when) is kept: nothing links your ballot to you any more. The bot clears your "
    "receipt code from its records as soon as it reaches you; it stays in this chat.\n\n"
    "Suggestions are anonymous unless you choose to be named. The staff council sees "
    "combined results and suggestions, never who said what. To get a copy of everything the "
    "bot holds about you, send /mydata; to have it erased, ask your membership officer. You "
    "can leave at any time."
)


def help_text(ctx: Context, event: Event, router: Router) -> Message:
    _ = i18n.for_event(ctx, event)
    lines = [
        _("{organisation}: have your say in a few taps.").format(
            organisation=i18n.organisation(ctx, _)
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
    def show_help(ctx: Context, event: Event) -> list[Message]:
        # A question left waiting (a check-in's) comes again after the help, to answer.
        return [help_text(ctx, event, router), *router.waiting_questions(ctx, event)]

    def show_privacy(ctx: Context, event: Event) -> list[Message]:
        return [privacy(ctx, event), *router.waiting_questions(ctx, event)]

    def show_waiting(ctx: Context, event: Event) -> list[Message]:
        """`waiting.show`: what a member coming back (a new console session) still has to
        answer; nothing if nothing waits."""
        return router.waiting_questions(ctx, event)

    router.command("help", N_("what I can do"), who=ANYONE, order=1, keeps_question=True)(show_help)
    router.command(
        "privacy", N_("what we keep and who sees it"), who=ANYONE, order=90, keeps_question=True
    )(show_privacy)
    router.action("help.show", who=ANYONE)(show_help)
    router.action("help.privacy", who=ANYONE)(show_privacy)
    router.action(WAITING, who=MEMBER)(show_waiting)
