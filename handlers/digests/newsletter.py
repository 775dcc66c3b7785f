"""The members' monthly newsletter: "you said, we did", votes, one figure, your next step.

Everything shared is worked out once; each member's copy then picks what concerns
their constituency (votes they may vote in, the check-in they were asked) and adds
their own next rung. A copy fits one phone screen (`LIMIT` characters). A member
with nothing new to hear about gets no newsletter at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from handlers import i18n
from handlers.context import Context
from handlers.digests import text as words
from handlers.i18n import N_, Translator
from handlers.messages import Message, Recipient, quoted
from handlers.pulses.results import results_of
from handlers.pulses.rounds import definition_of
from handlers.tiers.standing import current_ladder, facts_for
from handlers.votes.results import headline_in
from handlers.votes.state import CLOSED, OPEN, SCHEDULED, Vote, all_votes
from storage.digests import queries as store
from storage.suggestions import queries as suggestions
from storage.timestamps import parse
from storage.votes import queries as vote_store
from surveys.ladder.rungs import Facts, Ladder
from surveys.wording import Phrase

LIMIT = 900  # characters: one phone screen
MOST = 2  # items per list before "and N more"
ITEM = 130  # characters per item at most: one of each section always fits LIMIT
UPCOMING_DAYS = 31  # scheduled votes opening this soon are "coming up"
FOOTER = N_("Type /settings to stop these newsletters.")
CHUNK = 500


@dataclass(frozen=True)
class Figure:
    """The latest check-in a constituency was asked: its headline, or too few to share."""

    title: str
    respondents: int
    headline: Phrase | None
    threshold: int

    def line(self, _: Translator) -> str:
        title = _.pick(self.title)
        if self.headline is None:
            return _(
                "Too few answered the last {title} to share figures (we need {threshold})."
            ).format(title=title, threshold=self.threshold)
        return _("From the last {title} ({n} answered): {headline}").format(
            title=title, n=self.respondents, headline=self.headline.render(_)
        )


@dataclass(frozen=True)
class News:
    """What happened in the period, for everyone; each member's copy filters it."""

    since: datetime
    until: datetime
    adopted: list[dict[str, Any]]
    closed: list[Vote]
    upcoming: list[Vote]
    voted: dict[str, set[str]]
    figures: dict[str, Figure]  # constituency -> its latest check-in


def gather(ctx: Context, since: datetime, until: datetime) -> News:
    adopted = [r for r in suggestions.adopted(ctx.db, since) if parse(r["closed_at"]) <= until]
    closed = [v for v in all_votes(ctx, CLOSED) if v.closed_at and since <= v.closed_at <= until]
    soon = until + timedelta(days=UPCOMING_DAYS)
    upcoming = [v for v in all_votes(ctx, OPEN) if v.closes_at > until] + [
        v for v in all_votes(ctx, SCHEDULED) if v.opens_at and v.opens_at <= soon
    ]
    voted = {v.id: vote_store.voted_members(ctx.db, v.id) for v in upcoming if v.status == OPEN}
    return News(since, until, adopted, closed, upcoming, voted, _figures(ctx, since, until))


def _figures(ctx: Context, since: datetime, until: datetime) -> dict[str, Figure]:
    """Per constituency, a headline of the latest check-in it was asked that closed in the
    period (or why there is none to share)."""
    threshold = ctx.policy.privacy.anonymity_threshold
    found: dict[str, Figure] = {}
    recent = store.latest_closed_rounds(ctx.db, since, until)
    for row in recent:
        results = results_of(ctx, row)
        headline = results.headline_phrase()
        if headline is None and results.respondents >= threshold:
            continue  # no scale or eNPS question to quote
        definition = definition_of(row)
        figure = Figure(definition.title, results.respondents, headline, threshold)
        for group in definition.audience:
            found.setdefault(group, figure)
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
                        title=title(ctx, i18n.for_row(ctx, reader)),
                        quiet_hours=True,
                        key=f"{key}:{reader['member_id']}",
                    )
                )
    return messages


def copy_for(ctx: Context, news: News, member_id: str, officer: bool = False) -> str | None:
    """One member's copy, whether or not they would get it (for previews). `officer`: as
    an officer may see it, without whether the member has voted in a vote still open
    (their own copy thanks them for it)."""
    reader = store.member(ctx.db, member_id)
    if reader is None:
        raise LookupError(member_id)
    if officer:
        news = replace(news, voted={})
    ladder = current_ladder(ctx)
    facts = facts_for(ctx, ladder, [member_id], news.until)[member_id]
    return newsletter(ctx, news, reader, ladder, facts)


def title(ctx: Context, _: Translator | None = None) -> str:
    _ = _ or i18n.for_organisation(ctx)
    return _("News from {organisation}").format(organisation=i18n.organisation(ctx, _))


def newsletter(
    ctx: Context, news: News, reader: dict[str, Any], ladder: Ladder, facts: Facts
) -> str | None:
    """The member's copy, or None when nothing happened that concerns them."""
    zone, _ = reader["timezone"], i18n.for_row(ctx, reader)
    closed = [v for v in news.closed if _may_vote(v, reader)]
    upcoming = [v for v in news.upcoming if _may_vote(v, reader)]
    figure = news.figures.get(reader["constituency"])
    if not (news.adopted or closed or upcoming or figure):
        return None
    return fit(
        [
            Section(
                _("You said, we did"),
                [_adopted(ctx, r, _) for r in news.adopted],
                _("Type /suggest."),
            ),
            Section(_("Vote results"), [_result(v, _) for v in closed]),
            Section(
                _("Coming up"),
                [_upcoming(ctx, v, reader, news, zone, _) for v in upcoming],
                _("Type /vote."),
            ),
            Section(_("How we're doing"), [figure.line(_)] if figure else [], bullet=""),
            Section(_("Your next step"), [_rung(ladder, facts, news.until, _)], bullet=""),
        ],
        _,
    )


@dataclass
class Section:
    """A heading and its items; `shown` of them are listed, then "and N more. <more>"."""

    heading: str
    items: list[str]
    more: str = ""
    bullet: str = "• "
    shown: int = MOST

    def lines(self, _: Translator) -> list[str]:
        if not self.items:
            return []
        lines = [self.heading, *(self.bullet + item for item in self.items[: self.shown])]
        if len(self.items) > self.shown:
            n = len(self.items) - self.shown
            # Outside an f-string, where pybabel finds it.
            more = _.ngettext("and {n} more.", "and {n} more.", n).format(n=n) + " " + self.more
            lines.append(self.bullet + more.rstrip())
        return lines


def fit(sections: list[Section], _: Translator) -> str:
    """The sections and the footer; while too long, the longest list shows one item fewer.

    Items are cut to at most `ITEM` characters, so one item a section always fits.
    """
    for section in sections:
        section.items = [words.shorten(item, ITEM) for item in section.items]
    while True:
        parts = ["\n".join(s.lines(_)) for s in sections if s.items] + [_(FOOTER)]
        text = "\n\n".join(parts)
        longest = max(sections, key=lambda s: min(s.shown, len(s.items)))
        if len(text) <= LIMIT or min(longest.shown, len(longest.items)) <= 1:
            return text
        longest.shown = min(longest.shown, len(longest.items)) - 1


def _may_vote(vote: Vote, reader: dict[str, Any]) -> bool:
    if reader["constituency"] not in (vote.definition.constituencies or (reader["constituency"],)):
        return False
    return vote.opened_at is None or parse(reader["created_at"]) <= vote.opened_at


def _adopted(ctx: Context, row: dict[str, Any], _: Translator) -> str:
    # An anonymous suggestion's own words can give its writer away to everyone who
    # reads the newsletter, so only named ones are quoted; the council's note is theirs.
    said = (
        f"“{quoted(words.shorten(row['text'], 60))}”"
        if row["named"]
        else _("An idea about {topic}").format(topic=i18n.topic(ctx, _, row["topic"]))
    )
    outcome = row["note"] or (row["replies"][-1] if row["replies"] else "")
    return _("{said}: adopted.").format(said=said) + (f" {quoted(outcome)}" if outcome else "")


def _result(vote: Vote, _: Translator) -> str:
    result = vote.result or {}
    turnout = _("{voted} of {eligible} voted").format(
        voted=result.get("voted", 0), eligible=result.get("eligible", 0)
    )
    title = _.pick(vote.title)
    if not result.get("quorum_met", True):
        return _("{title}: no decision, too few voted ({turnout}).").format(
            title=title, turnout=turnout
        )
    return _("{title}: {outcome} ({turnout})").format(
        title=title, outcome=headline_in(result, _), turnout=turnout
    )


def _upcoming(
    ctx: Context, vote: Vote, reader: dict, news: News, zone: str | None, _: Translator
) -> str:
    title = _.pick(vote.title)
    if vote.status == SCHEDULED and vote.opens_at:
        opens = words.day(ctx, vote.opens_at, zone, _)
        return _("{title}: opens {day}.").format(title=title, day=opens)
    line = _("{title}: open until {day}.").format(
        title=title, day=words.day(ctx, vote.closes_at, zone, _)
    )
    if reader["member_id"] in news.voted.get(vote.id, ()):
        line += " " + _("You've voted, thank you.")
    return line


def _rung(ladder: Ladder, facts: Facts, now: datetime, _: Translator) -> str:
    tier = ladder.place(facts, now)
    above = ladder.above(tier)
    if above is None:
        return _("You're a {tier}. Thank you for all you do.").format(tier=_.pick(tier.name))
    lead = _("You're a {tier}. Next: {next}.").format(
        tier=_.pick(tier.name), next=_.pick(above.name)
    )
    full = f"{lead} {_.pick(above.step_up)} " + _("Type /me.")
    return full if len(full) <= ITEM else f"{lead} " + _("Type /me to see how to get there.")
