"""The words of the ladder: what members read about rungs and about what they did."""

from __future__ import annotations

from collections.abc import Callable

from handlers.i18n import N_, Translator
from handlers.messages import Option
from surveys.ladder.rungs import Facts, Ladder, Tier

SHOW, ABOUT, MORE, CONSENT = "tiers.show", "tiers.about", "tiers.more", "tiers.consent"
DO_MORE = N_("I'd like to do more")
ALL_WAYS = N_("The ways to get involved")


def period(days: int, _: Translator) -> str:
    """'the last year' reads better than 'the last 365 days'."""
    named = {
        7: _("the last week"),
        30: _("the last month"),
        31: _("the last month"),
        365: _("the last year"),
        366: _("the last year"),
    }
    if days in named:
        return named[days]
    return _.ngettext("the last {n} day", "the last {n} days", days).format(n=days)


def listing(parts: list[str], _: Translator) -> str:
    return _.listing(parts)


def did_that_counts(
    facts: Facts, ladder: Ladder, _: Translator, named: Callable[[str], str] = str
) -> str:
    """E.g. 'You answered 2 check-ins and voted once in the last 90 days.'"""
    done = []
    if facts.pulses:
        n = facts.pulses
        done.append(_.ngettext("answered {n} check-in", "answered {n} check-ins", n).format(n=n))
    if facts.votes:
        n = facts.votes
        done.append(
            _("voted twice")
            if n == 2
            else _.ngettext("voted once", "voted {n} times", n).format(n=n)
        )
    if facts.suggestions:
        n = facts.suggestions
        done.append(
            _.ngettext("sent {n} idea with your name", "sent {n} ideas with your name", n).format(
                n=n
            )
        )
    when = period(ladder.look_back_days, _)
    lines = [
        _("You {done} in {when}.").format(done=listing(done, _), when=when)
        if done
        else _("Nothing counted yet in {when}.").format(when=when)
    ]
    if facts.groups:
        groups = listing([named(group) for group in facts.groups], _)
        lines.append(
            _.ngettext(
                "You're in {groups} (a group).", "You're in {groups} (groups).", len(facts.groups)
            ).format(groups=groups)
        )
    if facts.roles:
        lines.append(_("Your role: {roles}.").format(roles=listing([named(role) for role in facts.roles], _)))
    return " ".join(lines)


def ladder_lines(ladder: Ladder, current: Tier | None, _: Translator) -> list[str]:
    """One line per rung, lowest first, the member's own marked."""
    lines = [_.pick(ladder.intro)] if ladder.intro else []
    for tier in ladder.tiers:
        name, promise = _.pick(tier.name), _.pick(tier.promise)
        if current is not None and tier.id == current.id:
            lines.append(_("• {name} (you're here): {promise}").format(name=name, promise=promise))
        else:
            lines.append(f"• {name}: {promise}")
    return lines


def about_lines(tier: Tier, _: Translator) -> list[str]:
    return [
        _.pick(tier.promise),
        _("What it asks: {text}").format(text=_.pick(tier.asks)),
        _("What it gives: {text}").format(text=_.pick(tier.gives)),
        _("How to get here: {text}").format(text=_.pick(tier.step_up)),
    ]


def next_step_choices(next_tier: Tier | None, _: Translator) -> tuple[Option, ...]:
    more = (Option(_(DO_MORE), MORE, next_tier.id),) if next_tier else ()
    return (*more, Option(_(ALL_WAYS), SHOW))
