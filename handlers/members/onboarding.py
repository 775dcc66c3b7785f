"""Joining: `/start TOKEN` from an invite link or the code typed from a letter
("JOIN ABCD-EFGH-..."), and a kind word for everyone else."""

from __future__ import annotations

from dataclasses import replace

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.members import identity, invites
from handlers.messages import Command, Message, Option, Text, reply
from handlers.router import ANYONE, Router
from storage import members

HOW_TO_JOIN = N_(
    "Hello! This is the member voice service of {org}. Only members can take part. "
    "To join, open the invite link your organisation sent you (by letter, email or text). "
    "No link, or it has expired? Ask your membership officer for a new one. "
    "Type /privacy to see what we keep about you."
)
REFUSALS = {
    invites.UNKNOWN: N_(
        "Sorry, I don't recognise that invite. Please check you opened the whole "
        "link, or ask your membership officer for a new one."
    ),
    invites.USED: N_(
        "That invite has already been used. If that wasn't you, or you have a new "
        "phone, ask your membership officer for a new invite."
    ),
    invites.EXPIRED: N_(
        "That invite has expired. Please ask your membership officer for a new one."
    ),
    invites.REVOKED: N_(
        "That invite was replaced by a newer one. Please use the link in the latest "
        "letter we sent you, or ask your membership officer for a new one."
    ),
    invites.ERASED: N_("That invite is no longer valid. Please ask your membership officer."),
}
WELCOME = N_(
    "Welcome, {name}! You're connected to {org} as a {constituency} member. "
    "Here you can answer short check-ins, vote, and send ideas to the people who run "
    "things. Each takes seconds, and you'll always hear what happened next."
)
WELCOME_BACK = N_("Welcome back, {name}. You're connected as a {constituency} member of {org}.")


def welcome_choices(_: Translator) -> tuple[Option, ...]:
    return (Option(_("What can I do?"), "help.show"), Option(_("My privacy"), "help.privacy"))


def start(ctx: Context, event: Command) -> Message:
    # A link carries the token as issued; a member typing it may add dashes and capitals.
    token = invites.typed_token(event.args) or event.args.strip()
    member = event.member
    redeemed = False
    if token and (member is None or invites.find_token_owner(ctx, token) != member.member_id):
        member_id, reason = invites.redeem(ctx, token, event.sender)
        if reason is not None:
            # A known invite (expired, used, replaced) says whose it is: answer in the
            # language the roster gives that member, not the app's.
            owner = invites.find_token_owner(ctx, token)
            _ = i18n.for_member_id(ctx, owner) if owner else i18n.for_event(ctx, event)
            return reply(event, _(REFUSALS[reason]))
        member = identity.member_for(ctx, event.sender.platform, event.sender.platform_user_id)
        assert member is not None and member.member_id == member_id
        event = replace(event, member=member)
        redeemed = True
    elif member is None:
        _ = i18n.for_event(ctx, event)
        return reply(event, _(HOW_TO_JOIN).format(org=i18n.organisation(ctx, _)))
    # Staff matched in Slack and the console demo are linked before their first /start.
    first = members.mark_welcomed(
        ctx.db, event.sender.platform, event.sender.platform_user_id, ctx.now()
    )
    text = WELCOME if first or redeemed else WELCOME_BACK
    _ = i18n.for_member(ctx, member)
    return reply(
        event,
        _(text).format(
            name=identity.first_name(member),
            org=i18n.organisation(ctx, _),
            constituency=i18n.named(ctx, _, member.constituency),
        ),
        choices=welcome_choices(_),
    )


def typed_code(ctx: Context, event: Text) -> Message:
    """A code typed from a letter ("JOIN ABCD-EFGH-..."): joins as its link would."""
    token = invites.typed_token(event.text) or ""
    return start(ctx, Command(event.sender, event.member, event.event_id, "start", token))


def register(router: Router) -> None:
    router.command("start", N_("start here, or join with your invite"), who=ANYONE, order=0)(start)
    router.code(invites.typed_token)(typed_code)
