"""Participatory budgeting: members approve projects, the money goes down the list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from surveys.votes.tally.simple import aggregate_approvals, approvals_line, check_ids
from surveys.wording import Money, Phrase, phrase, phrase_n

RULE = phrase(
    "Greedy approval, skip if unaffordable: projects are ranked by number of approvals "
    "(ties: lower cost first, then id), then funded in that order whenever they still fit "
    "in what is left of the budget; a project that no longer fits is skipped and the next "
    "one is tried. Projects nobody approved are not funded."
)
BUDGET_RULE = str(RULE)


@dataclass(frozen=True)
class BudgetResult:
    """What is funded; amounts are whole units (e.g. pence) as given."""

    budget: int
    costs: dict[str, int]
    approvals: dict[str, int]
    ranking: tuple[str, ...]
    funded: tuple[str, ...]
    unaffordable: tuple[str, ...]
    total_spent: int
    remaining: int
    valid: int
    blank: int
    invalid: int
    currency: str = ""  # the sign amounts are shown with, e.g. "£"

    @property
    def ballots(self) -> int:
        return self.valid + self.blank + self.invalid

    def to_dict(self) -> dict[str, object]:
        return {
            "method": "participatory budget",
            "rule": BUDGET_RULE,
            "budget": self.budget,
            "currency": self.currency,
            "costs": dict(self.costs),
            "approvals": dict(self.approvals),
            "ranking": list(self.ranking),
            "funded": list(self.funded),
            "unaffordable": list(self.unaffordable),
            "total_spent": self.total_spent,
            "remaining": self.remaining,
            "ballots": self.ballots,
            "valid": self.valid,
            "blank": self.blank,
            "invalid": self.invalid,
        }

    def explain(self) -> list[str]:
        return [str(line) for line in self.phrases()]

    def phrases(self) -> list[Phrase]:
        lines = [
            approvals_line(self.ballots, self.valid, self.blank, self.invalid),
            phrase("Rule: {rule}", rule=RULE),
            phrase("Budget: {budget:,}.", budget=self._money(self.budget)),
        ]
        left = self.budget
        for place, project in enumerate(self.ranking, start=1):
            seen = {"place": place, "project": project, "cost": self._money(self.costs[project])}
            approved = self.approvals[project]
            if project in self.funded:
                left -= self.costs[project]
                line = phrase_n(
                    "{place}. {project}: {n:,} approval, costs {cost:,}: funded, {left:,} left.",
                    "{place}. {project}: {n:,} approvals, costs {cost:,}: funded, {left:,} left.",
                    approved,
                    left=self._money(left),
                    **seen,
                )
            elif project in self.unaffordable:
                line = phrase_n(
                    "{place}. {project}: {n:,} approval, costs {cost:,}: skipped, only {left:,} "
                    "left.",
                    "{place}. {project}: {n:,} approvals, costs {cost:,}: skipped, only {left:,} "
                    "left.",
                    approved,
                    left=self._money(left),
                    **seen,
                )
            else:
                line = phrase(
                    "{place}. {project}: 0 approvals, costs {cost:,}: not funded, nobody "
                    "approved it.",
                    **seen,
                )
            lines.append(line)
        spent = {
            "spent": self._money(self.total_spent),
            "budget": self._money(self.budget),
            "left": self._money(self.remaining),
        }
        if self.funded:
            lines.append(
                phrase(
                    "Funded: {names}; spent {spent:,} of {budget:,}, {left:,} left.",
                    names=tuple(self.funded),
                    **spent,
                )
            )
        else:
            lines.append(
                phrase("Funded: nothing; spent {spent:,} of {budget:,}, {left:,} left.", **spent)
            )
        return lines

    def _money(self, amount: int) -> Money:
        return Money(amount, self.currency)


def count_budget(
    ballots: Iterable[Iterable[str]], costs: Mapping[str, int], budget: int, currency: str = ""
) -> BudgetResult:
    """Decide which projects to fund; each ballot is the set of projects it approves."""
    names = check_ids(costs, "project")
    if budget < 0 or any(costs[p] < 0 for p in names):
        raise ValueError("the budget and project costs cannot be negative")
    approvals = aggregate_approvals(ballots, names)
    counts = approvals.counts
    ranking = tuple(sorted(names, key=lambda p: (-counts[p], costs[p], p)))
    funded: list[str] = []
    unaffordable: list[str] = []
    left = budget
    for project in ranking:
        if not counts[project]:
            break  # ranking puts every unapproved project last
        if costs[project] <= left:
            funded.append(project)
            left -= costs[project]
        else:
            unaffordable.append(project)
    return BudgetResult(
        budget=budget,
        costs=dict(costs),
        approvals=counts,
        ranking=ranking,
        funded=tuple(funded),
        unaffordable=tuple(unaffordable),
        total_spent=budget - left,
        remaining=left,
        valid=approvals.valid,
        blank=approvals.blank,
        invalid=approvals.invalid,
        currency=currency,
    )
