"""The ballot screens as members see them: the ballot of each method, the confirmation,
and the thank-you with the receipt code: functions of the vote and the picks so far."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Member, Option
from handlers.vote_state import Vote, when

RANKED = ("irv", "stv")
TOGGLES = ("approval", "budget")
THRESHOLD_TEXT = {
    "simple": "It passes if more than half of the votes cast are For (abstentions don't count).",
    "two-thirds": "It passes if at least two thirds of the votes cast are For "
    "(abstentions don't count).",
}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def money(vote: Vote, amount: int) -> str:
    return f"{vote.definition.currency}{amount:,}"


def button(vote: Vote, label: str, action: str, index: int | None = None) -> Option:
    value = str(vote.short) if index is None else f"{vote.short}.{index}"
    return Option(label, action, value)


def summary(vote: Vote, picks: list[int]) -> str:
    """The choices so far, in words."""
    d, names = vote.definition, vote.definition.choices
    if d.method in RANKED:
        return ", ".join(f"{ordinal(n)} {names[p]}" for n, p in enumerate(picks, start=1))
    if d.method == "budget":
        chosen = [f"{names[p]} ({money(vote, d.options[p].cost or 0)})" for p in sorted(picks)]
        total = sum(d.options[p].cost or 0 for p in picks)
        return f"{', '.join(chosen) or 'no projects'}; together {money(vote, total)}"
    return ", ".join(names[p] for p in sorted(picks)) or "none of the options"


def ballot_screen(vote: Vote, picks: list[int], voted: bool) -> tuple[str, tuple[Option, ...]]:
    d, names = vote.definition, vote.definition.choices
    lines = [] if picks else [d.explanation, ""]
    if voted:
        lines.append("You have voted already; voting again replaces your earlier vote.")
    buttons: list[Option] = []
    if d.method == "resolution":
        lines += [THRESHOLD_TEXT[d.threshold], "How do you vote?"]
        buttons = [button(vote, name, "vote.b", i) for i, name in enumerate(names)]
    elif d.method == "single":
        lines.append("Choose one:")
        buttons = [button(vote, name, "vote.b", i) for i, name in enumerate(names)]
    elif d.method in RANKED:
        lines.append(
            "Press the candidates in order of preference. Rank as many as you like: "
            "a later choice never counts against an earlier one."
        )
        if d.method == "stv":
            lines.append(f"{d.seats} people will be elected.")
        if picks:
            lines.append(f"So far: {summary(vote, picks)}.")
        lines.append(f"Your {ordinal(len(picks) + 1)} choice?")
        buttons = [button(vote, n, "vote.b", i) for i, n in enumerate(names) if i not in picks]
        if picks:
            buttons += [
                button(vote, "Done", "vote.done"),
                button(vote, "Start again", "vote.redo"),
            ]
    else:
        if d.method == "budget":
            lines.append(
                f"The budget is {money(vote, d.budget or 0)}. Choose every project you'd like "
                "funded, then press Submit. The most popular are funded first, while the money lasts."
            )
        else:
            winners = "the option" if d.seats == 1 else f"the {d.seats} options"
            lines.append(
                f"Choose every option you approve of, then press Submit; {winners} with the "
                "most approvals win."
            )
        lines.append(f"Chosen: {summary(vote, picks)}.")
        for i, name in enumerate(names):
            cost = f" · {money(vote, d.options[i].cost or 0)}" if d.method == "budget" else ""
            buttons.append(button(vote, f"{'✓ ' if i in picks else ''}{name}{cost}", "vote.b", i))
        buttons.append(button(vote, f"Submit ({len(picks)} chosen)", "vote.done"))
    if any(o.statement for o in d.options):
        buttons.append(button(vote, "Read the statements", "vote.about"))
    return "\n".join(lines).strip(), tuple(buttons)


def confirm_screen(vote: Vote, picks: list[int], voted: bool) -> tuple[str, tuple[Option, ...]]:
    d = vote.definition
    if d.method == "resolution":
        what = f"You are voting: {d.choices[picks[0]]}."
    elif d.method == "single":
        what = f"You are voting for: {d.choices[picks[0]]}."
    elif d.method in RANKED:
        what = f"Your ranking: {summary(vote, picks)}."
    elif d.method == "budget":
        what = f"You are choosing: {summary(vote, picks)} (the budget is {money(vote, d.budget or 0)})."
    else:
        what = f"You are approving: {summary(vote, picks)}."
    again = " It replaces the vote you cast earlier." if voted else ""
    text = f"{what}\n\nPress Confirm to cast your vote, or Change to choose again.{again}"
    return text, (button(vote, "Confirm", "vote.ok"), button(vote, "Change", "vote.redo"))


def complete(vote: Vote, picks: list[int]) -> bool:
    method = vote.definition.method
    return (
        method in TOGGLES or bool(picks) and (method not in RANKED or len(set(picks)) == len(picks))
    )


def thanks(ctx: Context, vote: Vote, member: Member, receipt: str, replaced: bool) -> str:
    closes = when(ctx, vote.closes_at, member.timezone)
    lines = [
        "Thank you: your new vote replaces your earlier one."
        if replaced
        else "Thank you: your vote is cast.",
        f"Your receipt code: {receipt}",
        "Keep it private. After the vote closes, every ballot is published by receipt code "
        "(never by name), so you can check yours was counted: send /receipt and the code. "
        "I won't show this code again.",
        f"Voting closes {closes}; I'll send you the result.",
    ]
    if vote.definition.allow_change:
        lines.append(
            "Changed your mind? Vote again before it closes: the new vote replaces this one."
        )
    return "\n".join(lines)
