"""The console's member lists a page at a time, and the members an action on "all matching"
stands for. A page holds `PAGE` members in member id order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from handlers.context import Context
from handlers.members import reach
from handlers.members.joining import GroupJoining, status
from storage import member_pages
from storage.member_pages import Filter

PAGE = 50


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int  # members matching the filter
    number: int  # this page, from 1
    pages: int  # how many pages the filter has (at least 1)

    @property
    def first(self) -> int:
        """The position of the page's first member among those matching (from 1)."""
        return (self.number - 1) * PAGE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def page(ctx: Context, chosen: Filter, number: int) -> Page:
    """Page `number` of the members chosen (a page past the end shows the last one), each
    row with `platforms`, `joined_at`, its latest invite, its joining `status` and its
    `reach` (how messages reach them)."""
    chosen = replace(chosen, unusable=reach.unusable(ctx))
    total = member_pages.count(ctx.db, chosen)
    pages = max(1, -(-total // PAGE))
    number = min(max(1, number), pages)
    rows = member_pages.page(ctx.db, chosen, (number - 1) * PAGE, PAGE)
    now = ctx.now()
    reached = reach.of_members(ctx, [row["member_id"] for row in rows])
    for row in rows:
        row["platforms"] = row["platforms"] or ""
        row["status"] = status(row, now)
        row["reach"] = str(reached.get(row["member_id"], reach.NOWHERE))
    return Page(rows, total, number, pages)


def groups(ctx: Context) -> list[GroupJoining]:
    """Joining figures per constituency: the organisation's own first, in its order."""
    letter_only = member_pages.letter_only_counts(ctx.db, reach.unusable(ctx))
    found = {
        row["constituency"]: GroupJoining(
            **row, letter_only=letter_only.get(row["constituency"], 0)
        )
        for row in member_pages.joining_counts(ctx.db, ctx.now())
    }
    named = ctx.policy.organisation.constituencies
    return [found.get(c, GroupJoining(c)) for c in named] + [
        g for c, g in found.items() if c not in named
    ]


def constituencies(ctx: Context) -> list[str]:
    """The organisation's constituencies, then any other a member has on the roster."""
    named = list(ctx.policy.organisation.constituencies)
    return named + [c for c in member_pages.constituencies(ctx.db) if c not in named]


def matching(ctx: Context, chosen: Filter) -> Iterator[list[str]]:
    """The ids of every member chosen, a part at a time."""
    return member_pages.matching_ids(ctx.db, replace(chosen, unusable=reach.unusable(ctx)))


def unconnected(ctx: Context, member_ids: list[str]) -> list[str]:
    return member_pages.unconnected(ctx.db, member_ids)
