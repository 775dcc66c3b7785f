"""`/tiers`: the ladder of involvement, each rung explained, and "I'd like to do more".

Interest in a rung is passed to the membership officer only with the member's consent,
and then with their name (it is not anonymous, and the member is told so). Without
consent only a count is kept. Nudges and monthly snapshots live in `tier_nudges` and
`tier_report`; this module registers their jobs.
"""

from __future__ import annotations

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.members.identity import first_name
from handlers.messages import Event, Message, Option, Recipient, reply
from handlers.router import Router
from handlers.schedule import Job
from handlers.tiers import nudges as tier_nudges
from handlers.tiers import report as tier_report
from handlers.tiers.standing import current_ladder, standing
from handlers.tiers.text import (
    ABOUT,
    ALL_WAYS,
    CONSENT,
    DO_MORE,
    MORE,
    SHOW,
    about_lines,
    ladder_lines,
)
from storage.tiers import queries as records

ASK_CONSENT = N_(
    "Thank you, {first}! May the membership officer contact you about becoming a {tier}?\n"
    "If you say yes, they will see your name, that you're a {constituency} member, and that "
    "you're interested in {tier}. That part is not anonymous.\n"
    "If you say no, we only count that someone asked, without your name."
)
PASSED_ON = N_(
    "Thanks. I've passed your name to the membership officer, who will be in touch "
    "about {tier}. Meanwhile: {step_up}"
)
ALREADY_PASSED_ON = N_(
    "You've already asked about {tier}, and the membership officer has your name. "
    "They'll be in touch."
)
COUNTED = N_(
    "No problem. We've counted that someone would like to do more, without your name. "
    'If you change your mind, tap "I\'d like to do more" again any time.'
)
NOT_COUNTED = N_("No problem: nothing was passed on.")
ALREADY_THERE = N_("You're already a {tier}. Thank you for all you do!")
FOR_OFFICER = (
    "{name} ({constituency} member, id {member_id}) would like to do more: they are "
    "interested in becoming a {tier}, and agreed to be contacted about it."
)


def show_ladder(ctx: Context, event: Event) -> Message:
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    ladder = current_ladder(ctx)
    here = standing(ctx, event.member.member_id, ladder)
    lines = ladder_lines(ladder, here.tier, _)
    lines.append(_("Tap a rung to read what it asks and what it gives."))
    choices = [Option(_.pick(tier.name), ABOUT, tier.id) for tier in ladder.tiers]
    return reply(event, "\n".join(lines), title=_(ALL_WAYS), choices=choices)


def about(ctx: Context, event: Event) -> Message:
    assert event.member is not None
    ladder = current_ladder(ctx)
    tier = ladder.tier(getattr(event, "value", ""))
    if tier is None:
        return show_ladder(ctx, event)
    _ = i18n.for_member(ctx, event.member)
    here = standing(ctx, event.member.member_id, ladder)
    lines = about_lines(tier, _)
    gap = ladder.rank(tier.id) - ladder.rank(here.tier.id)
    if gap == 0:
        lines.append(_("You're here now."))
    elif gap < 0:
        lines.append(_("You're already past this rung. Thank you!"))
    else:
        lines.append(_("You're a {tier} now.").format(tier=_.pick(here.tier.name)))
    choices = [Option(_(DO_MORE), MORE, tier.id)] if gap > 0 else []
    choices.append(Option(_("Back to all the rungs"), SHOW))
    return reply(event, "\n".join(lines), title=_.pick(tier.name), choices=choices)


def do_more(ctx: Context, event: Event) -> Message:
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    ladder = current_ladder(ctx)
    here = standing(ctx, member.member_id, ladder)
    tier = ladder.tier(getattr(event, "value", "")) or here.next
    if tier is None or ladder.rank(tier.id) <= ladder.rank(here.tier.id):
        return reply(event, _(ALREADY_THERE).format(tier=_.pick(here.tier.name)))
    earlier = records.interest(ctx.db, member.member_id, tier.id)
    if earlier is not None and earlier["consent"]:
        return reply(event, _(ALREADY_PASSED_ON).format(tier=_.pick(tier.name)))
    records.ask(ctx.db, member.member_id, tier.id, ctx.now())
    text = _(ASK_CONSENT).format(
        first=first_name(member),
        tier=_.pick(tier.name),
        constituency=i18n.named(ctx, _, member.constituency),
    )
    choices = [
        Option(_("Yes, contact me"), CONSENT, f"yes:{tier.id}"),
        Option(_("No, just count me"), CONSENT, f"no:{tier.id}"),
    ]
    return reply(event, text, choices=choices)


def answer_consent(ctx: Context, event: Event) -> list[Message]:
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    answer, _colon, tier_id = getattr(event, "value", "").partition(":")
    tier = current_ladder(ctx).tier(tier_id)
    if tier is None:
        return [reply(event, _("That button no longer works. Type /tiers to start again."))]
    now = ctx.now()
    if answer != "yes":
        declined = records.decline(ctx.db, member.member_id, tier.id, now)
        return [reply(event, _(COUNTED if declined else NOT_COUNTED), edit=True)]
    earlier = records.interest(ctx.db, member.member_id, tier.id)
    if earlier is not None and earlier["notified_at"]:
        return [reply(event, _(ALREADY_PASSED_ON).format(tier=_.pick(tier.name)), edit=True)]
    records.consent(ctx.db, member.member_id, tier.id, now)
    records.mark_notified(ctx.db, member.member_id, tier.id, now)
    asked = records.interest(ctx.db, member.member_id, tier.id)
    assert asked is not None
    text = FOR_OFFICER.format(
        name=member.name,
        constituency=member.constituency,
        member_id=member.member_id,
        tier=tier.name,
    )
    key = f"tiers:interest:{member.member_id}:{tier.id}:{asked['asked_at']}"
    told = [
        Message(to=to, text=text, title="Someone would like to do more", quiet_hours=True, key=k)
        for to, k in officer_recipients(ctx, key)
    ]
    passed_on = _(PASSED_ON).format(tier=_.pick(tier.name), step_up=_.pick(tier.step_up))
    return [reply(event, passed_on, edit=True), *told]


def officer_recipients(ctx: Context, key: str) -> list[tuple[Recipient, str]]:
    """Where "I'd like to do more" goes: each officer, or the council (the fallback)."""
    officers = ctx.policy.admin.officers
    if ctx.policy.tiers.notify == "officers" and officers:
        return [(Recipient.of(officer), f"{key}:{officer}") for officer in officers]
    return [(Recipient.staff_council(), key)]


def jobs(ctx: Context) -> list[Job]:
    return [
        Job(
            "tiers.nudges",
            tier_nudges.tick,
            description="a note about the next rung after a member's first pulse, vote or idea",
        ),
        Job(
            "tiers.snapshot",
            tier_report.take_snapshot,
            cron=tier_report.SNAPSHOT_CRON,
            description="record everyone's rung for the monthly movement report",
        ),
    ]


def register(router: Router) -> None:
    router.command("tiers", N_("the ways to get involved"), order=70)(show_ladder)
    router.action(SHOW)(show_ladder)
    router.action(ABOUT)(about)
    router.action(MORE)(do_more)
    router.action(CONSENT)(answer_consent)
