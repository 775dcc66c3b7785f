"""Sending a finished draft: the daily limit, the record, the card, the confirmation."""

from __future__ import annotations

import dataclasses

from handlers import i18n
from handlers.context import Context
from handlers.messages import Event, Message, reply
from handlers.suggestions.card import card
from handlers.suggestions.text import similar, words
from storage import members
from storage.suggestions import queries as suggestions
from surveys.pulses.sentiment import label, not_scored, polarity, reads


def over_limit(ctx: Context, event: Event) -> Message | None:
    assert event.member is not None
    per_day = ctx.policy.suggestions.per_day
    # Counted per day (UTC), not over the last 24 hours: a time of sending kept with the
    # member would match the anonymous suggestion's own time.
    today = suggestions.day_of(ctx.now())
    if suggestions.sends_on(ctx.db, event.member.member_id, today) >= per_day:
        _ = i18n.for_member(ctx, event.member)
        refusal = _.ngettext(
            "You've sent {count} suggestion today, which is the most I can take in a day. "
            "Thank you for speaking up! Please send the next one tomorrow.",
            "You've sent {count} suggestions today, which is the most I can take in a day. "
            "Thank you for speaking up! Please send the next one tomorrow.",
            per_day,
        )
        return reply(event, refusal.format(count=per_day))
    return None


def _written_in(ctx: Context, tag: str | None, named: bool) -> str:
    """The language a suggestion is taken to be in: the writer's setting, never a guess
    from the words. Only English is scored, and the card says "not scored (Welsh)"; so an
    anonymous writer's language counts only where at least the anonymity threshold of
    members read it (else the label would point to the few who do), and the
    organisation's language stands in."""
    language, own = i18n.language_of(ctx, tag), i18n.language_of(ctx, None)
    if named or language == own:
        return language
    readers = sum(
        count
        for reader, count in members.language_counts(ctx.db).items()
        if i18n.language_of(ctx, reader) == language
    )
    return language if readers >= ctx.policy.privacy.anonymity_threshold else own


def send(ctx: Context, event: Event, found: dict) -> Message | list[Message]:
    """Record the suggestion, forward its card to the council, and say what happens next."""
    assert event.member is not None
    refusal = over_limit(ctx, event)
    if refusal is not None:
        return refusal
    text, named = found["text"], bool(found["named"])
    mine = words(text)
    language = _written_in(ctx, event.member.language, named)
    score = polarity(text) if reads(language) else None
    number = suggestions.create(
        ctx.db,
        member_id=event.member.member_id,
        text=text,
        topic=found["topic"],
        named=named,
        sentiment=label(score) if score is not None else not_scored(language),
        polarity=round(score, 3) if score is not None else None,
        words=mine,
        similar=similar(mine, suggestions.earlier_words(ctx.db)),
        now=ctx.now(),
    )
    suggestions.delete_draft(ctx.db, found["id"])
    row = suggestions.get(ctx.db, number)
    assert row is not None
    _ = i18n.for_member(ctx, event.member)
    days = ctx.policy.suggestions.response_days
    if named:
        sent = _.ngettext(
            "Thank you! Your suggestion #{n} has gone to the staff council with your name. "
            "What happens next: they will look at it and reply here, usually within {days} "
            "day, and I'll tell you each time its status changes.",
            "Thank you! Your suggestion #{n} has gone to the staff council with your name. "
            "What happens next: they will look at it and reply here, usually within {days} "
            "days, and I'll tell you each time its status changes.",
            days,
        )
    else:
        sent = _.ngettext(
            "Thank you! Your suggestion #{n} has gone to the staff council anonymously. "
            "What happens next: they will look at it and reply here, usually within {days} "
            "day, and I'll tell you each time its status changes.",
            "Thank you! Your suggestion #{n} has gone to the staff council anonymously. "
            "What happens next: they will look at it and reply here, usually within {days} "
            "days, and I'll tell you each time its status changes.",
            days,
        )
    # Its own key, so that it goes from the outbox once delivered (FORGET_ENTIRELY).
    thanks = dataclasses.replace(
        reply(event, sent.format(n=number, days=days)), key=f"suggestion:{number}:sent"
    )
    return [card(ctx, row, key=f"suggestion:{number}:card"), thanks]
