"""Filling in a ballot with buttons, confirming it, and casting it in secret.

The ballot being filled in is a draft in the database (keyed by vote and member, deleted
when cast). Button values are `<short>` or `<short>.<index>`, a few bytes. Every reply
here carries an outbox key under `vote:<id>:b:` so that, once delivered, the ballot
messages (which show choices and the receipt) are blanked in the outbox.
"""

from __future__ import annotations

from dataclasses import replace

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.meetings import proxies
from handlers.messages import Choice, Event, Member, Message, Option, reply
from handlers.votes.results import encode
from handlers.votes.screens import RANKED, TOGGLES, ballot_screen, complete, confirm_screen, thanks
from handlers.votes.state import (
    OPEN,
    Vote,
    ballot_key,
    ballot_weight,
    ineligible_reason,
    load_short,
    local_time,
    new_receipt,
    not_open_reason,
)
from storage.votes import queries as store

GONE = N_("That vote no longer exists. Type /vote to see open votes.")


def refusal(ctx: Context, vote: Vote, member: Member) -> str | None:
    """Why this member cannot vote in this vote now (None: they can)."""
    reason = (
        ineligible_reason(ctx, vote, member)
        or not_open_reason(ctx, vote, member)
        or proxies.absent_reason(ctx, vote, member)
    )
    if reason is not None or not store.has_voted(ctx.db, vote.id, member.member_id):
        return reason
    if proxies.own_ballot_key(ctx, vote, member.member_id):  # theirs replaces their proxy's
        return None
    _ = i18n.for_member(ctx, member)
    if not vote.definition.allow_change:
        return _(
            "You've already voted in {title}, and votes in this one can't be "
            "changed. Your vote counts, once."
        ).format(title=_.pick(vote.title))
    if ballot_key(ctx, vote, member.member_id) is None:  # its secret was lost
        return _(
            "You've already voted in {title}. Votes in this one can't be changed any "
            "more, because of a problem on our side. Your vote counts, once."
        ).format(title=_.pick(vote.title))
    return None


def render(ctx: Context, event: Event, vote: Vote, edit: bool, intro: str = "") -> Message:
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    picks, confirming = store.get_draft(ctx.db, vote.id, member.member_id)
    voted = store.has_voted(ctx.db, vote.id, member.member_id)
    screen = confirm_screen if confirming and complete(vote, picks) else ballot_screen
    text, buttons = screen(vote, picks, voted, _)
    return reply(
        event,
        f"{intro}\n\n{text}".strip(),
        title=_.pick(vote.title),
        choices=buttons,
        edit=edit,
    )


def _keyed(vote: Vote, event: Event, messages: list[Message]) -> list[Message]:
    prefix, flow = store.ballot_message_prefix(vote.id), f"vote:{vote.id}"
    return [
        replace(m, key=f"{prefix}{event.event_id}:{n}", flow=flow) for n, m in enumerate(messages)
    ]


def _vote_for(ctx: Context, event: Choice) -> tuple[Vote | None, Message | None]:
    """The vote a button refers to, or a kind refusal (as an edit of the ballot)."""
    vote = load_short(ctx, event.value)
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    if vote is None:
        return None, reply(event, _(GONE))
    reason = refusal(ctx, vote, event.member)
    title = _.pick(vote.title)
    return vote, (reply(event, reason, title=title, edit=True) if reason else None)


def show(ctx: Context, event: Event, vote: Vote, intro: str = "") -> list[Message]:
    """The ballot of `vote` as a new message (from /vote or a "Vote now" button)."""
    assert event.member is not None
    reason = refusal(ctx, vote, event.member)
    if reason:
        title = i18n.for_member(ctx, event.member).pick(vote.title)
        return _keyed(vote, event, [reply(event, reason, title=title)])
    return _keyed(vote, event, [render(ctx, event, vote, edit=False, intro=intro)])


def on_go(ctx: Context, event: Choice) -> list[Message]:
    vote, refused = _vote_for(ctx, event)
    if vote is None or refused:
        return [refused] if vote is None else _keyed(vote, event, [refused])
    return _keyed(vote, event, [render(ctx, event, vote, edit=False)])


def on_pick(ctx: Context, event: Choice) -> list[Message]:
    vote, refused = _vote_for(ctx, event)
    if vote is None or refused:
        return [refused] if vote is None else _keyed(vote, event, [refused])
    member_id = event.member.member_id  # type: ignore[union-attr]
    index = event.value.partition(".")[2]
    names = vote.definition.choices
    if not index.isdigit() or int(index) >= len(names):
        return _keyed(vote, event, [render(ctx, event, vote, edit=True)])
    pick, method = int(index), vote.definition.method
    picks, _confirming = store.get_draft(ctx.db, vote.id, member_id)
    confirming = False
    if method in TOGGLES:
        picks = [p for p in picks if p != pick] if pick in picks else [*picks, pick]
    elif method in RANKED:
        picks = picks if pick in picks else [*picks, pick]
        confirming = len(picks) == len(names)
    else:
        picks, confirming = [pick], True
    store.save_draft(ctx.db, vote.id, member_id, picks, confirming, ctx.now())
    return _keyed(vote, event, [render(ctx, event, vote, edit=True)])


def on_done(ctx: Context, event: Choice) -> list[Message]:
    vote, refused = _vote_for(ctx, event)
    if vote is None or refused:
        return [refused] if vote is None else _keyed(vote, event, [refused])
    member_id = event.member.member_id  # type: ignore[union-attr]
    picks, _confirming = store.get_draft(ctx.db, vote.id, member_id)
    intro = ""
    if complete(vote, picks):
        store.save_draft(ctx.db, vote.id, member_id, picks, True, ctx.now())
    else:
        _ = i18n.for_member(ctx, event.member)
        intro = _("Please choose at least your 1st choice first.")
    return _keyed(vote, event, [render(ctx, event, vote, edit=True, intro=intro)])


def on_redo(ctx: Context, event: Choice) -> list[Message]:
    vote, refused = _vote_for(ctx, event)
    if vote is None or refused:
        return [refused] if vote is None else _keyed(vote, event, [refused])
    store.save_draft(ctx.db, vote.id, event.member.member_id, [], False, ctx.now())  # type: ignore[union-attr]
    return _keyed(vote, event, [render(ctx, event, vote, edit=True)])


def on_confirm(ctx: Context, event: Choice) -> list[Message]:
    return _confirm(ctx, event)[0]


def _confirm(ctx: Context, event: Choice) -> tuple[list[Message], str | None]:
    """The Confirm button: the replies, and the receipt code when a ballot was cast."""
    vote, refused = _vote_for(ctx, event)
    if vote is None or refused:
        return ([refused] if vote is None else _keyed(vote, event, [refused])), None
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    picks, confirming = store.get_draft(ctx.db, vote.id, member.member_id)
    if not confirming or not complete(vote, picks):
        return _keyed(vote, event, [render(ctx, event, vote, edit=True)]), None
    # A ballot their proxy cast for them is replaced by theirs (handlers/meetings/proxies.py):
    # looked at and replaced under one write lock, so a proxy ballot cast meanwhile cannot
    # slip between.
    with ctx.db.atomic():
        over_proxy = proxies.own_ballot_key(ctx, vote, member.member_id)
        outcome, receipt = store.cast(
            ctx.db,
            vote.id,
            member.member_id,
            encode(vote.definition, picks),
            new_receipt,
            f"{local_time(ctx, ctx.now()):%Y-%m-%d}",
            ctx.now(),
            over_proxy or ballot_key(ctx, vote, member.member_id),
            ballot_weight(ctx, vote, member),
            event.sender.platform,
        )
        if over_proxy and outcome == store.REPLACED:
            proxies.claim_own(ctx, vote, member.member_id, event.sender.platform)
    store.delete_draft(ctx.db, vote.id, member.member_id)
    cast = outcome in (store.CAST, store.REPLACED)
    if cast and over_proxy:
        text = _("Thank you: your own vote replaces the one your proxy cast for you.")
        text += "\n" + thanks(ctx, vote, member, receipt or "", False, _).partition("\n")[2]
    elif cast:
        text = thanks(ctx, vote, member, receipt or "", outcome == store.REPLACED, _)
    else:
        fresh = load_short(ctx, event.value) or vote
        text = refusal(ctx, fresh, member) or _("Sorry, that vote could not be cast.")
    answer = _keyed(vote, event, [reply(event, text, title=_.pick(vote.title), edit=True)])
    return answer, (receipt if cast else None)


def fill_in(ctx: Context, event: Event, vote: Vote, picks: list[int]) -> tuple[str, str | None]:
    """A whole ballot filled in at once (the member's page), through the same steps as the
    buttons: start again, each pick in order, Done, Confirm. The last reply's text (the
    thanks, or why not), and the receipt code when the ballot was cast."""

    def press(action: str, index: int | None = None) -> Choice:
        value = str(vote.short) if index is None else f"{vote.short}.{index}"
        return Choice(event.sender, event.member, event.event_id, action=action, value=value)

    assert event.member is not None
    reason = refusal(ctx, vote, event.member)
    if reason:
        return reason, None
    on_redo(ctx, press("vote.redo"))
    for pick in picks:
        on_pick(ctx, press("vote.b", pick))
    on_done(ctx, press("vote.done"))
    replies, receipt = _confirm(ctx, press("vote.ok"))
    return replies[-1].text, receipt


def on_about(ctx: Context, event: Choice) -> list[Message]:
    _ = i18n.for_member(ctx, event.member)
    vote = load_short(ctx, event.value)
    if vote is None:
        return [reply(event, _(GONE))]
    lines = [
        f"{_.pick(o.name)}: {_.pick(o.statement)}" for o in vote.definition.options if o.statement
    ]
    back = (
        (Option(_("Back to the ballot"), "vote.go", str(vote.short)),)
        if vote.status == OPEN
        else ()
    )
    statements = reply(event, "\n\n".join(lines), title=_("Statements"), choices=back)
    return _keyed(vote, event, [statements])
