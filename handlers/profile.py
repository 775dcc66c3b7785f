"""`/me`: who the bot thinks you are."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Event, Message, reply
from handlers.router import Router
from storage import members


def me(ctx: Context, event: Event) -> Message:
    member = event.member
    assert member is not None
    platforms = sorted({i["platform"] for i in members.identities_of(ctx.db, member.member_id)})
    lines = [
        f"You are {member.name} (member {member.member_id}), a {member.constituency} member "
        f"of {ctx.policy.organisation.name}.",
        f"Connected through: {', '.join(platforms) or 'nothing yet'}.",
    ]
    return reply(event, "\n".join(lines))


def register(router: Router) -> None:
    router.command("me", "who I think you are", order=80)(me)
