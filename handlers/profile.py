"""`/me`: who the bot thinks you are, where you stand on the ladder, and one next step."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Event, Message, reply
from handlers.router import Router
from handlers.tier_standing import current_ladder, standing
from handlers.tier_text import did_that_counts, next_step_choices
from storage import members


def me(ctx: Context, event: Event) -> Message:
    member = event.member
    assert member is not None
    platforms = sorted({i["platform"] for i in members.identities_of(ctx.db, member.member_id)})
    ladder = current_ladder(ctx)
    here = standing(ctx, member.member_id, ladder)
    lines = [
        f"You are {member.name} (member {member.member_id}), a {member.constituency} member "
        f"of {ctx.policy.organisation.name}.",
        f"Connected through: {', '.join(platforms) or 'nothing yet'}.",
        f"Your rung: {here.tier.name}. {here.tier.promise}",
        did_that_counts(here.facts, ladder),
    ]
    if here.next is None:
        lines.append("You're on the top rung. Thank you for all you do!")
    else:
        lines.append(f"Next step, to become a {here.next.name}: {here.next.step_up}")
    return reply(event, "\n".join(lines), choices=next_step_choices(here.next))


def register(router: Router) -> None:
    router.command("me", "who I think you are, and where you stand", order=80)(me)
