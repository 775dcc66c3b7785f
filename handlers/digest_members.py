"""The members' monthly newsletter: "you said, we did", votes, one figure, your next step.

Everything shared is worked out once; each member's copy then picks what concerns
their constituency (votes they may vote in, the check-in they were asked) and adds
their own next rung. A copy fits one phone screen (`LIMIT` characters). A member
with nothing new to hear about gets no newsletter at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers import digest_text as words
from handlers.context import Context
from handlers.messages import Message, Recipient, quoted
from handlers.pulse_results import results_of
from handlers.pulse_rounds import definition_of
from handlers.tier_standing import current_ladder, facts_for
from handlers.vote_state import CLOSED, OPEN, SCHEDULED, Vote, all_votes
from storage import digests as store
from storage import suggestions
from storage import votes as vote_store
from storage.timestamps import parse
from surveys.ladder import Facts, Ladder

LIMIT = 900  # characters: one phone screen
MOST = 2  # items per list before "and N more"
ITEM = 130  # characters per item at most: one of each section always fits LIMIT
UPCOMING_DAYS = 31  # scheduled votes opening this soon are "coming up"
FOOTER = "Type /settings to stop these newsletters."
CHUNK = 500


@dataclass(frozen=True)
class News:
    """What happened in the period, for everyone; each member's copy filters it."""

    since: datetime
    until: datetime
    adopted: list[dict[str, Any]]
    closed: list[Vote]
    upcoming: list[Vote]
    voted: dict[str, set[str]]
    figures: dict[str, str]  # constituency -> the line about its latest check-in


def gather(ctx: Context, since: datetime, until: datetime) -> News:
    adopted = [r for r in suggestions.adopted(ctx.db, since) if parse(r["closed_at"]) <= until]
    closed = [v for v in all_votes(ctx, CLOSED) if v.closed_at and since <= v.closed_at <= until]
    soon = until + timedelta(days=UPCOMING_DAYS)
    upcoming = [v for v in all_votes(ctx, OPEN) if v.closes_at > until] + [
        v for v in all_votes(ctx, SCHEDULED) if v.opens_at and v.opens_at <= soon
    ]
    voted = {v.id: vote_store.voted_members(ctx.db, v.id) for v in upcoming if v.status == OPEN}
    return News(since, until, adopted, closed, upcoming, voted, _figures(ctx, since, until))


def _figures(ctx: Context, since: datetime, until: datetime) -> dict[str, str]:
    """Per constituency, a headline of the latest check-in it was asked that closed in the
    period (or why there is none to share)."""
    threshold = ctx.policy.privacy.anonymity_threshold
    found: dict[str, str] = {}
    recent = store.latest_closed_rounds(ctx.db, since, until)
    for row in recent:
        results = results_of(ctx, row)
        headline = results.headline()
        if headline is None and results.respondents >= threshold:
            continue  # no scale or eNPS question to quote
        if headline is None:
            line = (
                f"Too few answered the last {results.title} to share figures (we need {threshold})."
            )
        else:
            line = f"From the last {results.title} ({results.respondents} answered): {headline}"
        for group in definition_of(row).audience:
            found.setdefault(group, line)
    return found


def newsletters(ctx: Context, news: News, key: str) -> list[Message]:
    """One newsletter per reader with news for them; keys are `<key>:<member id>`."""
    readers = store.newsletter_readers(ctx.db)
    ladder = current_ladder(ctx)
    messages = []
    for start in range(0, len(readers), CHUNK):
        chunk = readers[start : start + CHUNK]
        facts = facts_for(ctx, ladder, [r["member_id"] for r in chunk], news.until)
        for reader in chunk:
            text = newsletter(ctx, news, reader, ladder, facts[reader["member_id"]])
            if text is not None:
                messages.append(
                    Message(
                        to=Recipient.of(reader["member_id"]),
                        text=text,
                        title=title(ctx),
                        quiet_hours=True,
                        key=f"{key}:{reader['member_id']}",
                    )
                )
    return messages


def copy_for(ctx: Context, news: News, member_id: str) -> str | None:
    """One member's copy, whether or not they would get it (for previews)."""
    reader = store.member(ctx.db, member_id)
    if reader is None:
        raise LookupError(member_id)
    ladder = current_ladder(ctx)
    facts = facts_for(ctx, ladder, [member_id], news.until)[member_id]
    return newsletter(ctx, news, reader, ladder, facts)


def title(ctx: Context) -> str:
    return f"News from {ctx.policy.organisation.name}"


def newsletter(
    ctx: Context, news: News, reader: dict[str, Any], ladder: Ladder, facts: Facts
) -> str | None:
    """The member's copy, or None when nothing happened that concerns them."""
    zone = reader["timezone"]
    closed = [v for v in news.closed if _may_vote(v, reader)]
    upcoming = [v for v in news.upcoming if _may_vote(v, reader)]
    figure = news.figures.get(reader["constituency"])
    if not (news.adopted or closed or upcoming or figure):
        return None
    return fit(
        [
            Section("You said, we did", [_adopted(r) for r in news.adopted], "Type /suggest."),
            Section("Vote results", [_result(v) for v in closed]),
            Section(
                "Coming up",
                [_upcoming(ctx, v, reader, news, zone) for v in upcoming],
                "Type /vote.",
            ),
            Section("How we're doing", [figure] if figure else [], bullet=""),
            Section("Your next step", [_rung(ladder, facts, news.until)], bullet=""),
        ]
    )


@dataclass
class Section:
    """A heading and its items; `shown` of them are listed, then "and N more. <more>"."""

    heading: str
    items: list[str]
    more: str = ""
    bullet: str = "• "
    shown: int = MOST

    def lines(self) -> list[str]:
        if not self.items:
            return []
        lines = [self.heading, *(self.bullet + item for item in self.items[: self.shown])]
        if len(self.items) > self.shown:
            more = f"and {len(self.items) - self.shown} more. {self.more}".rstrip()
            lines.append(self.bullet + more)
        return lines


def fit(sections: list[Section]) -> str:
    """The sections and the footer; while too long, the longest list shows one item fewer.

    Items are cut to at most `ITEM` characters, so one item a section always fits.
    """
    for section in sections:
        section.items = [words.shorten(item, ITEM) for item in section.items]
    while True:
        parts = ["\n".join(s.lines()) for s in sections if s.items] + [FOOTER]
        text = "\n\n".join(parts)
        longest = max(sections, key=lambda s: min(s.shown, len(s.items)))
        if len(text) <= LIMIT or min(longest.shown, len(longest.items)) <= 1:
            return text
        longest.shown = min(longest.shown, len(longest.items)) - 1


def _may_vote(vote: Vote, reader: dict[str, Any]) -> bool:
    if reader["constituency"] not in (vote.definition.constituencies or (reader["constituency"],)):
        return False
    return vote.opened_at is None or parse(reader["created_at"]) <= vote.opened_at


def _adopted(row: dict[str, Any]) -> str:
    # An anonymous suggestion's own words can give its writer away to everyone who
    # reads the newsletter, so only named ones are quoted; the council's note is theirs.
    said = (
        f"“{quoted(words.shorten(row['text'], 60))}”"
        if row["named"]
        else f"An idea about {row['topic']}"
    )
    outcome = row["note"] or (row["replies"][-1] if row["replies"] else "")
    return f"{said}: adopted." + (f" {quoted(outcome)}" if outcome else "")


def _result(vote: Vote) -> str:
    result = vote.result or {}
    turnout = f"{result.get('voted', 0)} of {result.get('eligible', 0)} voted"
    if not result.get("quorum_met", True):
        return f"{vote.title}: no decision, too few voted ({turnout})."
    return f"{vote.title}: {result.get('headline', '')} ({turnout})"


def _upcoming(ctx: Context, vote: Vote, reader: dict, news: News, zone: str | None) -> str:
    if vote.status == SCHEDULED and vote.opens_at:
        return f"{vote.title}: opens {words.day(ctx, vote.opens_at, zone)}."
    done = " You've voted, thank you." if reader["member_id"] in news.voted.get(vote.id, ()) else ""
    return f"{vote.title}: open until {words.day(ctx, vote.closes_at, zone)}.{done}"


def _rung(ladder: Ladder, facts: Facts, now: datetime) -> str:
    tier = ladder.place(facts, now)
    above = ladder.above(tier)
    if above is None:
        return f"You're a {tier.name}. Thank you for all you do."
    lead = f"You're a {tier.name}. Next: {above.name}."
    full = f"{lead} {above.step_up} Type /me."
    return full if len(full) <= ITEM else f"{lead} Type /me to see how to get there."
