"""Counting a vote with surveys/votes/tally/__init__.py, and the result as members and officers read it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from fractions import Fraction
from itertools import repeat
from typing import Any

from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.votes.state import CLOSED, METHOD_NAMES, Vote
from storage.votes import queries as store
from surveys.rules.model import percent
from surveys.votes import tally
from surveys.votes.definitions import VoteDefinition
from surveys.wording import Phrase, phrase, phrase_n

THRESHOLDS = {"simple": tally.SIMPLE_MAJORITY, "two-thirds": tally.TWO_THIRDS}
RESOLUTION_CHOICES = ("for", "against", "abstain")
NOTHING_CHOSEN = N_("(none)")
MESSAGE_LIMIT = 3500  # Telegram allows 4096 characters; leave room for the title


def encode(definition: VoteDefinition, picks: list[int]) -> str:
    """The stored form of a ballot: option indexes (a resolution stores for/against/abstain)."""
    if definition.method == "resolution":
        return RESOLUTION_CHOICES[picks[0]]
    if definition.method in ("approval", "budget"):
        picks = sorted(set(picks))
    return ",".join(str(p) for p in picks)


def ballot_width(definition: VoteDefinition) -> int:
    """The length of the longest ballot `encode` can give: every slot is made this long,
    so that filling one never moves it."""
    if definition.method == "resolution":
        return max(len(choice) for choice in RESOLUTION_CHOICES)
    return len(encode(definition, list(range(len(definition.choices)))))


def decode(definition: VoteDefinition, choice: str) -> tuple[str, ...]:
    """A stored ballot as the names it chose, in order (invalid parts become '?')."""
    if definition.method == "resolution":
        return (choice.capitalize(),)
    names = definition.choices
    picked = []
    for part in filter(None, choice.split(",")):
        picked.append(names[int(part)] if part.isdigit() and int(part) < len(names) else "?")
    return tuple(picked)


def describe_ballot(definition: VoteDefinition, choice: str, _: Translator | None = None) -> str:
    """A stored ballot in words; with a translator, in the member's language."""
    if _ is not None and definition.method == "resolution":
        names = tuple(_(label) for label in decode(definition, choice))
    else:
        names = tuple(_.pick(name) if _ else name for name in decode(definition, choice))
    if definition.method in ("irv", "stv"):
        return " ".join(f"{n}. {name}" for n, name in enumerate(names, start=1))
    return ", ".join(names) or (_(NOTHING_CHOSEN) if _ else NOTHING_CHOSEN)


def _expand(counts: Iterable[tuple[Any, int]]) -> Iterator[Any]:
    for ballot, times in counts:
        yield from repeat(ballot, times)


def count(vote: Vote, counts: list[tuple[str, int]]) -> Any:
    """The tally result of grouped ballots; ties by lot use the vote id as the seed."""
    d = vote.definition
    names = d.choices
    if d.method == "resolution":
        rules = d.society_rules if d.resolution else None
        if rules is None:
            return tally.count_resolution(_expand(counts), THRESHOLDS[d.threshold])
        share = rules.resolutions.share(d.resolution)
        return tally.count_resolution(
            _expand(counts),
            tally.Threshold(share.fraction, share.at_least),
            rules.resolutions.abstentions_cast,
        )
    decoded = [(decode(d, choice), n) for choice, n in counts]
    if d.method == "single":
        return tally.count_single_choice(
            _expand((b[0] if b else None, n) for b, n in decoded), names
        )
    if d.method == "approval":
        return tally.count_approval(_expand(decoded), names, d.seats)
    if d.method == "budget":
        costs = {o.name: o.cost or 0 for o in d.options}
        return tally.count_budget(_expand(decoded), costs, d.budget or 0, d.currency)
    if d.method == "irv":
        return tally.count_irv(_expand(decoded), names, seed=d.id)
    return tally.count_stv(_expand(decoded), names, d.seats, seed=d.id)


def headline(result: Any, resolution: str = "") -> Phrase:
    """The outcome in one line, e.g. "The resolution is passed."; names stay as the vote
    gives them (in every language it gives), for each reader's language. A `resolution`
    by the society's rules ("ordinary", "special") says its share and the threshold."""
    if isinstance(result, tally.ResolutionResult) and resolution:
        return _by_the_rules(result, resolution)
    if isinstance(result, tally.ResolutionResult):
        if result.passed:
            return phrase("The resolution is passed.")
        return phrase("The resolution is not passed.")
    if isinstance(result, tally.PluralityResult):
        if result.tie:
            return phrase("It's a tie between {names}.", names=result.winners)
        if result.winners:
            return phrase("{winner} has the most votes.", winner=result.winners[0])
        return phrase("No winner.")
    if isinstance(result, tally.ApprovalResult):
        return _winning(result.winners, result.tied)
    if isinstance(result, tally.BudgetResult):
        if result.funded:
            return phrase("Funded: {names}.", names=result.funded)
        return phrase("Funded: nothing.")
    if isinstance(result, tally.IrvResult):
        if result.winner:
            return phrase("{winner} wins.", winner=result.winner)
        return phrase("Nobody wins: no valid ballots.")
    if result.elected:
        return phrase("Elected: {names}.", names=result.elected)
    return phrase("Elected: nobody.")


def _by_the_rules(result: tally.ResolutionResult, kind: str) -> Phrase:
    """e.g. "Special resolution: 76% of votes cast were For; 75% were needed. Passed." The
    share is cut, never rounded up: 74.96% shows as 74.9%, not as the 75% it did not reach."""
    special = kind == "special"
    if not result.votes_cast:
        if special:
            return phrase("Special resolution: no votes were cast, so it is not passed.")
        return phrase("Ordinary resolution: no votes were cast, so it is not passed.")
    share = percent(Fraction(result.votes_for, result.votes_cast))
    mark = percent(result.threshold.fraction)
    needed = mark if result.threshold.inclusive else phrase("more than {percent}", percent=mark)
    # Each sentence whole, so that a translator words it as their language needs.
    if special and result.passed:
        return phrase(
            "Special resolution: {percent} of votes cast were For; {threshold} were needed. "
            "Passed.",
            percent=share,
            threshold=needed,
        )
    if special:
        return phrase(
            "Special resolution: {percent} of votes cast were For; {threshold} were needed. "
            "Not passed.",
            percent=share,
            threshold=needed,
        )
    if result.passed:
        return phrase(
            "Ordinary resolution: {percent} of votes cast were For; {threshold} were needed. "
            "Passed.",
            percent=share,
            threshold=needed,
        )
    return phrase(
        "Ordinary resolution: {percent} of votes cast were For; {threshold} were needed. "
        "Not passed.",
        percent=share,
        threshold=needed,
    )


def _winning(winners: tuple[str, ...], tied: tuple[str, ...]) -> Phrase:
    if winners and tied:
        return phrase("Winning: {names}; tied: {tied}.", names=winners, tied=tied)
    if winners:
        return phrase("Winning: {names}.", names=winners)
    if tied:
        return phrase("Winning: none yet; tied: {tied}.", tied=tied)
    return phrase("Winning: none yet.")


def summarise(vote: Vote, result: Any, voted: int, eligible: int, provisional: bool) -> dict:
    """The whole result as stored, printed (--json) and sent to members.

    `explanation` is the English the command line and the web console show; `phrases`
    are the same lines for members, put in each reader's language by `explanation_in`.
    """
    quorum = vote.definition.quorum
    needed = math.ceil(quorum * eligible / 100) if quorum else 0
    met = voted >= needed
    turnout = round(100 * voted / eligible, 1) if eligible else 0.0
    lines = [
        phrase(
            "{voted:,} of {eligible:,} eligible members voted ({turnout}%).",
            voted=voted,
            eligible=eligible,
            turnout=f"{turnout:g}",
        )
    ]
    if quorum and met:
        lines.append(
            phrase_n(
                "Quorum met: at least {quorum}% ({n:,} member) had to vote.",
                "Quorum met: at least {quorum}% ({n:,} members) had to vote.",
                needed,
                quorum=f"{quorum:g}",
            )
        )
    elif quorum:
        lines.append(
            phrase_n(
                "Quorum not met: at least {quorum}% ({n:,} member) had to vote, so this vote "
                "decides nothing. The count below is for information only.",
                "Quorum not met: at least {quorum}% ({n:,} members) had to vote, so this vote "
                "decides nothing. The count below is for information only.",
                needed,
                quorum=f"{quorum:g}",
            )
        )
    weights = vote.definition.weights
    if weights:
        lines.append(
            phrase(
                "Votes are weighted as the society's rules say ({weights} votes a member): "
                "the figures below are votes, not ballots.",
                weights=tuple(
                    phrase("{name} {votes:,}", name=name, votes=n) for name, n in weights.items()
                ),
            )
        )
    if provisional:
        lines.insert(0, phrase("Results so far: the vote is still open, so these may change."))
    outcome = headline(result, vote.definition.resolution)
    lines.append(
        outcome if met else phrase("Not decided (no quorum). {headline}", headline=outcome)
    )
    lines += result.phrases()
    return {
        "vote": vote.id,
        "title": vote.title,
        "method": METHOD_NAMES[vote.definition.method],
        "status": vote.status,
        "provisional": provisional,
        "eligible": eligible,
        "voted": voted,
        "turnout_percent": turnout,
        "quorum_percent": quorum,
        "quorum_needed": needed,
        "quorum_met": met,
        "weights": weights,
        "decided": met and not provisional,
        "headline": str(outcome),
        "headline_phrase": outcome.to_data(),
        "count": result.to_dict(),
        "explanation": [str(line) for line in lines],
        "phrases": [line.to_data() for line in lines],
    }


def tally_now(ctx: Context, vote: Vote) -> dict:
    """The final count of every ballot (at close; before, see `count_so_far`)."""
    result = count(vote, store.choice_counts(ctx.db, vote.id))
    voted = store.count_voters(ctx.db, vote.id)
    return summarise(vote, result, voted, vote.eligible or 0, provisional=False)


def result_of(ctx: Context, vote: Vote) -> dict | None:
    """The published result (after close), the count so far if the vote shows one, else None."""
    if vote.status == CLOSED and vote.result:
        return vote.result
    if vote.status == "open" and vote.definition.results_before_close:
        return count_so_far(ctx, vote)
    return None


def count_so_far(ctx: Context, vote: Vote) -> dict:
    """The count as last taken on the hour (admin.take_live_counts).

    A live count would let two looks, before and after someone votes, show their vote;
    counts are taken at fixed times, and only once at least `threshold` more ballots
    came in, so two differ by at least that many and neither dates a ballot.
    """
    every = ctx.policy.privacy.anonymity_threshold
    ballots, counts = store.live_count(ctx.db, vote.id)
    voted = store.count_voters(ctx.db, vote.id)
    summary = summarise(vote, count(vote, counts), voted, vote.eligible or 0, provisional=True)
    step = (
        phrase(
            "The count so far starts once {every} have voted, so that no one's vote can be told "
            "by comparing two looks.",
            every=every,
        )
        if not ballots
        else phrase(
            "Counted when {ballots:,} had voted; the count so far is taken on the hour, once at "
            "least {every} more have voted, so that no one's vote can be told by comparing two "
            "looks.",
            ballots=ballots,
            every=every,
        )
    )
    summary["explanation"].insert(1, str(step))
    summary["phrases"].insert(1, step.to_data())
    return summary


def explanation_in(summary: dict, _: Translator) -> list[str]:
    """The result's lines in the reader's language (a result stored before results were
    translated has only its English lines)."""
    if "phrases" not in summary:
        return list(summary["explanation"])
    return [Phrase.from_data(line).render(_) for line in summary["phrases"]]


def headline_in(summary: dict, _: Translator) -> str:
    """The outcome in one line, in the reader's language."""
    if "headline_phrase" not in summary:
        return summary.get("headline", "")
    return Phrase.from_data(summary["headline_phrase"]).render(_)


def message_text(summary: dict, _: Translator, *, officer_has_more: bool = False) -> str:
    """The result for a chat message, cut short (with a pointer) if it is very long."""
    text, lines = "", explanation_in(summary, _)
    for n, line in enumerate(lines):
        if len(text) + len(line) > MESSAGE_LIMIT:
            left = len(lines) - n
            more = (
                _.ngettext(
                    "... ({n} more line of the count; your membership officer can share the "
                    "full count)",
                    "... ({n} more lines of the count; your membership officer can share the "
                    "full count)",
                    left,
                )
                if officer_has_more
                else _.ngettext(
                    "... ({n} more line of the count)", "... ({n} more lines of the count)", left
                )
            )
            text += more.format(n=left)
            break
        text += line + "\n"
    return text.rstrip()
