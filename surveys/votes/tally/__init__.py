"""Vote counting for Mutual Voice: pure functions, no I/O.

Every count takes the ballots as plain values and returns a frozen result with
to_dict() (JSON-ready) and explain() (plain-English lines for members). Every
count accounts for every ballot it was given, and identical ballots are grouped
first so that large votes count quickly.
"""

from surveys.votes.tally.budget import BUDGET_RULE, BudgetResult, count_budget
from surveys.votes.tally.irv import IrvResult, IrvRound, count_irv
from surveys.votes.tally.ranked import TIE_BREAK_RULE, TieBreak
from surveys.votes.tally.simple import (
    RESOLUTION_CHOICES,
    SIMPLE_MAJORITY,
    TWO_THIRDS,
    ApprovalResult,
    PluralityResult,
    ResolutionResult,
    Threshold,
    count_approval,
    count_resolution,
    count_single_choice,
)
from surveys.votes.tally.stv import StvResult, StvStage, count_stv

__all__ = [
    "BUDGET_RULE",
    "RESOLUTION_CHOICES",
    "SIMPLE_MAJORITY",
    "TIE_BREAK_RULE",
    "TWO_THIRDS",
    "ApprovalResult",
    "BudgetResult",
    "IrvResult",
    "IrvRound",
    "PluralityResult",
    "ResolutionResult",
    "StvResult",
    "StvStage",
    "Threshold",
    "TieBreak",
    "count_approval",
    "count_budget",
    "count_irv",
    "count_resolution",
    "count_single_choice",
    "count_stv",
]
