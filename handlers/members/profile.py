"""`/me`: who the bot thinks you are, where you stand on the ladder, and one next step."""

from __future__ import annotations

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Event, Message, reply
from handlers.router import Router
from handlers.tiers.standing import current_ladder, standing
from handlers.tiers.text import did_that_counts, next_step_choices
from storage import members


def me(ctx: Context, event: Event) -> Message:
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    platforms = sorted({i["platform"] for i in members.identities_of(ctx.db, member.member_id)})
    ladder = current_ladder(ctx)
    here = standing(ctx, member.member_id, ladder)
    lines = [
        _("You are {name} (member {member_id}), a {constituency} member of {organisation}.").format(
            name=member.name,
            member_id=member.member_id,
            constituency=i18n.named(ctx, _, member.constituency),
            organisation=i18n.organisation(ctx, _),
        ),
        _("Connected through: {platforms}.").format(
            platforms=", ".join(platforms) or _("nothing yet")
        ),
        _("Your rung: {rung}. {promise}").format(
            rung=_.pick(here.tier.name), promise=_.pick(here.tier.promise)
        ),
        did_that_counts(here.facts, ladder, _, lambda word: i18n.named(ctx, _, word)),
        _("Language: {language} (/language to change it).").format(
            language=i18n.native_name(_.language)
        ),
    ]
    if here.next is None:
        lines.append(_("You're on the top rung. Thank you for all you do!"))
    else:
        lines.append(
            _("Next step, to become a {rung}: {step_up}").format(
                rung=_.pick(here.next.name), step_up=_.pick(here.next.step_up)
            )
        )
    return reply(event, "\n".join(lines), choices=next_step_choices(here.next, _))


def register(router: Router) -> None:
    router.command("me", N_("who I think you are, and where you stand"), order=80)(me)
