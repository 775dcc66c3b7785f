"""The ballot screens as members see them: the ballot of each method, the confirmation,
and the thank-you with the receipt code: functions of the vote, the picks so far and the
member's language."""

from __future__ import annotations

from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.messages import Member, Option
from handlers.votes.state import Vote, when
from surveys.rules.model import percent

RANKED = ("irv", "stv")
TOGGLES = ("approval", "budget")
THRESHOLD_TEXT = {
    "simple": N_(
        "It passes if more than half of the votes cast are For (abstentions don't count)."
    ),
    "two-thirds": N_(
        "It passes if at least two thirds of the votes cast are For (abstentions don't count)."
    ),
}
RESOLUTION_CHOICES = (N_("For"), N_("Against"), N_("Abstain"))


def threshold_text(vote: Vote, _: Translator) -> str:
    """What a resolution needs to pass, as its ballot says it: the society's rules give the
    threshold of an ordinary or a special resolution."""
    d = vote.definition
    rules = d.society_rules if d.resolution else None
    if rules is None:
        return _(THRESHOLD_TEXT[d.threshold])
    share = rules.resolutions.share(d.resolution)
    mark = percent(share.fraction)
    needed = (_("at least {percent}") if share.at_least else _("more than {percent}")).format(
        percent=mark
    )
    if rules.resolutions.abstentions_cast:
        text = (
            _(
                "This is a special resolution: it passes if {threshold} of the votes cast "
                "are For (abstentions count as votes cast)."
            )
            if d.resolution == "special"
            else _(
                "This is an ordinary resolution: it passes if {threshold} of the votes cast "
                "are For (abstentions count as votes cast)."
            )
        )
    elif d.resolution == "special":
        text = _(
            "This is a special resolution: it passes if {threshold} of the votes cast are "
            "For (abstentions don't count)."
        )
    else:
        text = _(
            "This is an ordinary resolution: it passes if {threshold} of the votes cast are "
            "For (abstentions don't count)."
        )
    return text.format(threshold=needed)


def ordinal(n: int, _: Translator) -> str:
    """1st, 2nd, 3rd... by the language's ordinal rules (Welsh: 1af, 2il, 3ydd...)."""
    patterns = {
        "zero": _.pgettext("ordinal, zero", "{n}th"),
        "one": _.pgettext("ordinal, one", "{n}st"),
        "two": _.pgettext("ordinal, two", "{n}nd"),
        "few": _.pgettext("ordinal, few", "{n}rd"),
        "many": _.pgettext("ordinal, many", "{n}th"),
        "other": _.pgettext("ordinal, other", "{n}th"),
    }
    if n in (11, 13, 14, 16, 17, 19):
        # Welsh writes these "-eg" (11eg) and 12, 15, 18 "-fed", which CLDR's ordinal
        # rules put in one form; other languages translate this like "ordinal, other".
        return _.pgettext("ordinal, 11 13 14 16 17 19", "{n}th").format(n=n)
    return patterns[_.locale.ordinal_form(n)].format(n=n)


def names(vote: Vote, _: Translator) -> tuple[str, ...]:
    """The names on the ballot, in ballot order, as this member reads them."""
    if vote.definition.method == "resolution":
        return tuple(_(name) for name in RESOLUTION_CHOICES)
    return tuple(_.pick(option.name) for option in vote.definition.options)


def money(vote: Vote, amount: int) -> str:
    return f"{vote.definition.currency}{amount:,}"


def button(vote: Vote, label: str, action: str, index: int | None = None) -> Option:
    value = str(vote.short) if index is None else f"{vote.short}.{index}"
    return Option(label, action, value)


def summary(vote: Vote, picks: list[int], _: Translator) -> str:
    """The choices so far, in words."""
    d, shown = vote.definition, names(vote, _)
    if d.method in RANKED:
        return ", ".join(f"{ordinal(n, _)} {shown[p]}" for n, p in enumerate(picks, start=1))
    if d.method == "budget":
        chosen = [f"{shown[p]} ({money(vote, d.options[p].cost or 0)})" for p in sorted(picks)]
        total = sum(d.options[p].cost or 0 for p in picks)
        return _("{chosen}; together {total}").format(
            chosen=", ".join(chosen) or _("no projects"), total=money(vote, total)
        )
    return ", ".join(shown[p] for p in sorted(picks)) or _("none of the options")


def ballot_screen(
    vote: Vote, picks: list[int], voted: bool, _: Translator
) -> tuple[str, tuple[Option, ...]]:
    d, shown = vote.definition, names(vote, _)
    lines = [] if picks else [_.pick(d.explanation), ""]
    if voted:
        lines.append(_("You have voted already; voting again replaces your earlier vote."))
    buttons: list[Option] = []
    if d.method == "resolution":
        lines += [threshold_text(vote, _), _("How do you vote?")]
        buttons = [button(vote, name, "vote.b", i) for i, name in enumerate(shown)]
    elif d.method == "single":
        lines.append(_("Choose one:"))
        buttons = [button(vote, name, "vote.b", i) for i, name in enumerate(shown)]
    elif d.method in RANKED:
        lines.append(
            _(
                "Press the candidates in order of preference. Rank as many as you like: "
                "a later choice never counts against an earlier one."
            )
        )
        if d.method == "stv":
            lines.append(
                _.ngettext(
                    "{n} person will be elected.", "{n} people will be elected.", d.seats
                ).format(n=d.seats)
            )
        if picks:
            lines.append(_("So far: {picks}.").format(picks=summary(vote, picks, _)))
        lines.append(_("Your {ordinal} choice?").format(ordinal=ordinal(len(picks) + 1, _)))
        buttons = [button(vote, n, "vote.b", i) for i, n in enumerate(shown) if i not in picks]
        if picks:
            buttons += [
                button(vote, _("Done"), "vote.done"),
                button(vote, _("Start again"), "vote.redo"),
            ]
    else:
        if d.method == "budget":
            lines.append(
                _(
                    "The budget is {budget}. Choose every project you'd like funded, then "
                    "press Submit. The most popular are funded first, while the money lasts."
                ).format(budget=money(vote, d.budget or 0))
            )
        else:
            lines.append(
                _.ngettext(
                    "Choose every option you approve of, then press Submit; the option with "
                    "the most approvals wins.",
                    "Choose every option you approve of, then press Submit; the {n} options "
                    "with the most approvals win.",
                    d.seats,
                ).format(n=d.seats)
            )
        lines.append(_("Chosen: {picks}.").format(picks=summary(vote, picks, _)))
        for i, name in enumerate(shown):
            cost = f" · {money(vote, d.options[i].cost or 0)}" if d.method == "budget" else ""
            buttons.append(button(vote, f"{'✓ ' if i in picks else ''}{name}{cost}", "vote.b", i))
        chosen = _.ngettext("Submit ({n} chosen)", "Submit ({n} chosen)", len(picks))
        buttons.append(button(vote, chosen.format(n=len(picks)), "vote.done"))
    if any(o.statement for o in d.options):
        buttons.append(button(vote, _("Read the statements"), "vote.about"))
    return "\n".join(lines).strip(), tuple(buttons)


def confirm_screen(
    vote: Vote, picks: list[int], voted: bool, _: Translator
) -> tuple[str, tuple[Option, ...]]:
    d = vote.definition
    chosen = names(vote, _)[picks[0]] if picks else ""
    if d.method == "resolution":
        what = _("You are voting: {choice}.").format(choice=chosen)
    elif d.method == "single":
        what = _("You are voting for: {choice}.").format(choice=chosen)
    elif d.method in RANKED:
        what = _("Your ranking: {picks}.").format(picks=summary(vote, picks, _))
    elif d.method == "budget":
        what = _("You are choosing: {picks} (the budget is {budget}).").format(
            picks=summary(vote, picks, _), budget=money(vote, d.budget or 0)
        )
    else:
        what = _("You are approving: {picks}.").format(picks=summary(vote, picks, _))
    lines = [what, "", _("Press Confirm to cast your vote, or Change to choose again.")]
    if voted:
        lines[-1] += " " + _("It replaces the vote you cast earlier.")
    text = "\n".join(lines)
    return text, (button(vote, _("Confirm"), "vote.ok"), button(vote, _("Change"), "vote.redo"))


def complete(vote: Vote, picks: list[int]) -> bool:
    method = vote.definition.method
    return (
        method in TOGGLES or bool(picks) and (method not in RANKED or len(set(picks)) == len(picks))
    )


def thanks(
    ctx: Context, vote: Vote, member: Member, receipt: str, replaced: bool, _: Translator
) -> str:
    closes = when(ctx, vote.closes_at, member.timezone, _)
    lines = [
        _("Thank you: your new vote replaces your earlier one.")
        if replaced
        else _("Thank you: your vote is cast."),
        _("Your receipt code: {receipt}").format(receipt=receipt),
        _(
            "Keep it private. After the vote closes, every ballot is published by receipt "
            "code (never by name), so you can check yours was counted: send /receipt and "
            "the code. I won't show this code again."
        ),
        _("Voting closes {closes}; I'll send you the result.").format(closes=closes),
    ]
    if vote.definition.allow_change:
        lines.append(
            _("Changed your mind? Vote again before it closes: the new vote replaces this one.")
        )
    return "\n".join(lines)
