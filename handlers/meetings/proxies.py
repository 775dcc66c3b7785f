"""Proxies at a general meeting: appointing and revoking one by the society's rules,
who holds whom, members present by proxy, and casting a represented member's ballot.

Every refusal is a `ProxyRefused` whose message is one line in plain words, in the
reader's language. A proxy ballot goes through the same sealing as any ballot
(`storage.votes.queries.cast`), under the member's name on the roll, so one member has
one vote; it carries a replacement key made from the vote's secret (storage/flow_keys.py)
so that the member's own ballot, cast later, replaces it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers import i18n
from handlers.context import Context
from handlers.i18n import Translator
from handlers.messages import Member
from handlers.votes.results import encode
from handlers.votes.state import (
    OPEN,
    SCHEDULED,
    Vote,
    all_votes,
    ballot_weight,
    ineligible_reason,
    local_time,
    new_receipt,
    not_open_reason,
    when,
)
from handlers.votes.state import load as load_vote
from storage import audit, flow_keys, members
from storage.meetings import proxies as store
from storage.meetings import queries as meetings
from storage.timestamps import iso
from storage.votes import queries as votes
from surveys.meetings.definitions import Meeting
from surveys.rules import Rules, parse_rules

CHAIR = "chair"
PROXY = store.PROXY
INSTRUCTED_METHODS = ("resolution", "single")  # one choice: an instruction names it


class ProxyRefused(Exception):
    """A proxy that cannot be appointed, revoked or used; the message says why."""


@dataclass(frozen=True)
class Held:
    """A meeting as its proxy rules see it."""

    meeting: Meeting
    rules: Rules

    @property
    def deadline(self) -> datetime:
        return self.meeting.starts - timedelta(hours=self.rules.proxies.deadline_hours)


def load(ctx: Context, meeting_id: str, _: Translator) -> Held:
    row = meetings.get(ctx.db, meeting_id)
    if row is None:
        raise ProxyRefused(_("There is no meeting called {id}.").format(id=meeting_id))
    stored = json.loads(row["definition"])
    return Held(Meeting.from_dict(stored["meeting"]), parse_rules(stored["rules"], "rules"))


def name_of(ctx: Context, member_id: str | None, _: Translator) -> str:
    """A member as others read them: their name, else their id; the chair as "the chair"."""
    if member_id is None:
        return _("the chair")
    row = members.get(ctx.db, member_id)
    return (row or {}).get("name") or member_id


def open_to_change(ctx: Context, held: Held, _: Translator, zone: str | None) -> None:
    """Refuses (`ProxyRefused`) when proxies cannot be appointed now: none allowed, or late."""
    if not held.rules.proxies.allowed:
        raise ProxyRefused(_("The society's rules do not allow proxies at general meetings."))
    if ctx.now() >= held.deadline:
        raise ProxyRefused(
            _("Too late: proxies had to be appointed by {date}.").format(
                date=when(ctx, held.deadline, zone, _)
            )
        )


def appoint(
    ctx: Context,
    meeting_id: str,
    member_id: str,
    holder: str,
    instructions: dict[str, str] | None = None,
    actor: str = "",
    _: Translator | None = None,
) -> dict[str, Any]:
    """Appoint `holder` ("chair", or a member's id) as the member's proxy at the meeting,
    by the rules, replacing any proxy they had. Returns the proxy as stored."""
    _ = _ or i18n.for_member_id(ctx, member_id)
    held = load(ctx, meeting_id, _)
    zone = (members.get(ctx.db, member_id) or {}).get("timezone")
    open_to_change(ctx, held, _, zone)
    rules = held.rules.proxies
    who = name_of(ctx, member_id, _)
    if store.on_roll(ctx.db, meeting_id, member_id) is None:
        raise ProxyRefused(
            _("{member} is not on the roll of this meeting, so cannot appoint a proxy.").format(
                member=who
            )
        )
    kind = CHAIR if holder == CHAIR else "member"
    holder_id = None if kind == CHAIR else holder
    if kind not in rules.holders:
        raise ProxyRefused(
            _("The society's rules allow only the chair of the meeting to hold a proxy.")
            if kind == "member"
            else _("The society's rules allow only another member to hold a proxy, not the chair.")
        )
    if holder_id == member_id:
        raise ProxyRefused(_("A member cannot be their own proxy."))
    holder_name = name_of(ctx, holder_id, _)
    if holder_id is not None:
        if store.on_roll(ctx.db, meeting_id, holder_id) is None:
            raise ProxyRefused(
                _("{holder} is not on the roll of this meeting, so cannot hold a proxy.").format(
                    holder=holder_name
                )
            )
        if store.of_member(ctx.db, meeting_id, holder_id) is not None:
            raise ProxyRefused(
                _(
                    "{holder} has appointed a proxy of their own, so cannot hold one: a proxy "
                    "cannot be passed on."
                ).format(holder=holder_name)
            )
    if store.held_by(ctx.db, meeting_id, "member", member_id):
        raise ProxyRefused(
            _(
                "{member} holds proxies for other members, so cannot appoint a proxy: a "
                "proxy cannot be passed on."
            ).format(member=who)
        )
    others = [
        p for p in store.held_by(ctx.db, meeting_id, kind, holder_id) if p["member_id"] != member_id
    ]
    if rules.most_per_holder and len(others) >= rules.most_per_holder:
        raise ProxyRefused(
            _("No one may hold a proxy for more than {limit} members: {holder} holds {n}.").format(
                limit=rules.most_per_holder, holder=holder_name, n=len(others)
            )
        )
    told = _instructions(ctx, meeting_id, held, instructions or {}, _)
    row = {
        "meeting_id": meeting_id,
        "member_id": member_id,
        "holder_kind": kind,
        "holder_id": holder_id,
        "instructions": told,
        "appointed_at": iso(ctx.now()),
        "appointed_by": actor or member_id,
    }
    store.appoint(ctx.db, row)
    # The audit names who appointed whom, never the instructions: how a member asked
    # their proxy to vote is for the proxy alone.
    audit.record(
        ctx.db, ctx.now(), actor or member_id, "meeting.proxy", meeting_id,
        member=member_id, holder=holder_id or CHAIR, instructed=bool(told),
    )  # fmt: skip
    return row


def _instructions(
    ctx: Context, meeting_id: str, held: Held, given: dict[str, str], _: Translator
) -> dict[str, str]:
    """Instructions checked against the rules and the meeting's votes: {vote id: choice
    as the ballot names it}."""
    if given and not held.rules.proxies.instructions:
        raise ProxyRefused(_("The society's rules do not allow instructions to a proxy."))
    checked = {}
    for vote_id, choice in given.items():
        vote = load_vote(ctx, vote_id.strip())
        if vote is None or vote.definition.meeting != meeting_id:
            raise ProxyRefused(
                _("There is no vote called {vote} at this meeting.").format(vote=vote_id)
            )
        if vote.definition.method not in INSTRUCTED_METHODS:
            raise ProxyRefused(
                _(
                    "{vote}: instructions can be given for a resolution or a vote with one "
                    "choice, not for this kind of vote."
                ).format(vote=vote.id)
            )
        names = {name.lower(): name for name in vote.definition.choices}
        if choice.strip().lower() not in names:
            raise ProxyRefused(
                _("{vote}: {choice} is not on the ballot; choose one of {choices}.").format(
                    vote=vote.id, choice=choice, choices=_.listing(vote.definition.choices)
                )
            )
        checked[vote.id] = names[choice.strip().lower()]
    return checked


def instructable(ctx: Context, meeting_id: str) -> list[Vote]:
    """The meeting's votes still to come or open that a proxy may be told how to vote in."""
    return [
        vote
        for vote in all_votes(ctx)
        if vote.definition.meeting == meeting_id
        and vote.definition.method in INSTRUCTED_METHODS
        and vote.status in (SCHEDULED, OPEN)
    ]


def revoke(
    ctx: Context, meeting_id: str, member_id: str, actor: str = "", _: Translator | None = None
) -> None:
    """End the member's proxy, until the deadline."""
    _ = _ or i18n.for_member_id(ctx, member_id)
    held = load(ctx, meeting_id, _)
    zone = (members.get(ctx.db, member_id) or {}).get("timezone")
    if store.of_member(ctx.db, meeting_id, member_id) is None:
        raise ProxyRefused(
            _("{member} has no proxy for this meeting.").format(member=name_of(ctx, member_id, _))
        )
    if ctx.now() >= held.deadline:
        raise ProxyRefused(
            _("Too late: proxies could be revoked until {date}.").format(
                date=when(ctx, held.deadline, zone, _)
            )
        )
    store.revoke(ctx.db, meeting_id, member_id)
    audit.record(ctx.db, ctx.now(), actor or member_id, "meeting.proxy.revoke", meeting_id,
                 member=member_id)  # fmt: skip


def shown(ctx: Context, meeting_id: str) -> dict[str, Any]:
    """Who holds whom, for `meeting show --json`: instructions stay out (they are for the
    proxy alone)."""
    holders: dict[str, list[str]] = {}
    for proxy in store.all_proxies(ctx.db, meeting_id):
        holders.setdefault(proxy["holder_id"] or CHAIR, []).append(proxy["member_id"])
    return {
        "appointed": sum(len(held) for held in holders.values()),
        "holders": [
            {"holder": holder, "count": len(held), "members": held}
            for holder, held in sorted(holders.items())
        ],
    }


def described(proxies: dict[str, Any]) -> str:
    """One line for `meeting show`: "Proxies: 3 appointed (the chair holds 1, s1 holds 2)."."""
    if not proxies["appointed"]:
        return "Proxies: none appointed."
    holders = ", ".join(
        f"{'the chair' if h['holder'] == CHAIR else h['holder']} holds {h['count']}"
        for h in proxies["holders"]
    )
    return f"Proxies: {proxies['appointed']} appointed ({holders})."


def present_by_proxy(
    ctx: Context, meeting_id: str, checked_in: Iterable[str] = (), chair: bool = True
) -> int:
    """How many members of the roll are present by proxy (see `members_by_proxy`)."""
    return len(members_by_proxy(ctx, meeting_id, checked_in, chair))


def members_by_proxy(
    ctx: Context, meeting_id: str, checked_in: Iterable[str] = (), chair: bool = True
) -> list[str]:
    """Members of the roll present by proxy, by id: not checked in themselves, and
    represented by a holder who is (`checked_in`: member ids), or by the chair (there
    when `chair`)."""
    return store.present_by_proxy(ctx.db, meeting_id, sorted(set(checked_in)), chair)


# --- casting ---------------------------------------------------------------------------


def represented(ctx: Context, vote: Vote, holder_id: str | None) -> list[dict[str, Any]]:
    """The proxies a holder (None: the chair) holds for the meeting this vote is put to."""
    if not vote.definition.meeting:
        return []
    kind = CHAIR if holder_id is None else "member"
    return store.held_by(ctx.db, vote.definition.meeting, kind, holder_id)


def proxy_key(ctx: Context, vote: Vote, member_id: str, make: bool = True) -> str | None:
    """The replacement key of the member's ballot in this open vote: from the vote's
    secret, made now (and every slot keyed alike) for a vote that allows no change, if
    `make`. None if there is no secret (a changeable vote's lost, or none made yet)."""
    secret = votes.secret(ctx.db, vote.id, vote.secret)
    if not secret:
        if vote.definition.allow_change or not make:
            return None
        made = flow_keys.put_new(ctx.db, votes.key_label(vote.id), secrets.token_hex(32).encode())
        secret = made.decode()
        store.key_every_slot(ctx.db, vote.id)
    digest = hmac.new(secret.encode(), member_id.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def member_of(ctx: Context, member_id: str) -> Member | None:
    row = members.get(ctx.db, member_id)
    if row is None or row.get("erased_at"):
        return None
    return Member(
        member_id=row["member_id"],
        name=row["name"] or "",
        constituency=row["constituency"],
        timezone=row.get("timezone"),
        language=row.get("language"),
    )


def cast_for(
    ctx: Context,
    vote: Vote,
    holder_id: str | None,
    member_id: str,
    picks: list[int],
    _: Translator,
) -> tuple[str, str | None]:
    """Cast a represented member's ballot as their proxy (`holder_id`; None: the chair).
    Returns the outcome (storage.votes CAST or REPLACED) and the receipt code, or raises
    `ProxyRefused` saying why not."""
    who = name_of(ctx, member_id, _)
    title = _.pick(vote.title)
    proxy = (
        store.of_member(ctx.db, vote.definition.meeting, member_id)
        if vote.definition.meeting
        else None
    )
    if proxy is None or proxy["holder_id"] != holder_id:
        raise ProxyRefused(
            _("You do not hold a proxy for {member} in {title}.").format(member=who, title=title)
        )
    member = member_of(ctx, member_id)
    if member is None:
        raise ProxyRefused(_("{member} is no longer a member.").format(member=who))
    reason = ineligible_reason(ctx, vote, member) or not_open_reason(ctx, vote, member)
    if reason is None and vote.status != OPEN:
        reason = _("{title} is not open.").format(title=title)
    if reason:
        # The member's own words would say "you"; the proxy is told whose ballot it is.
        raise ProxyRefused(
            _("{member} cannot vote in {title} now.").format(member=who, title=title)
        )
    told = proxy["instructions"].get(vote.id)
    if told is not None:
        index = vote.definition.choices.index(told)
        if picks != [index]:
            raise ProxyRefused(
                _(
                    "{member} asked you to vote {choice} in {title}: a proxy with instructions "
                    "can vote only as instructed."
                ).format(member=who, choice=_(told), title=title)
            )
    key = proxy_key(ctx, vote, member_id)
    if key is None:
        raise ProxyRefused(
            _("Sorry, {member}'s vote could not be cast, because of a problem on our side.").format(
                member=who
            )
        )
    # Whether the member voted themselves is looked at under the write lock the ballot is
    # cast under: a ballot of their own cast meanwhile is never replaced by a proxy's.
    with ctx.db.atomic():
        if votes.has_voted(ctx.db, vote.id, member_id):
            if not store.voted_by_proxy(ctx.db, vote.id, member_id):
                raise ProxyRefused(
                    _(
                        "{member} has voted in {title} themselves. Their own vote counts, so "
                        "no proxy vote is needed."
                    ).format(member=who, title=title)
                )
            if not vote.definition.allow_change:
                raise ProxyRefused(
                    _(
                        "You have already cast {member}'s vote in {title}, and votes in this "
                        "one can't be changed."
                    ).format(member=who, title=title)
                )
        outcome, receipt = votes.cast(
            ctx.db,
            vote.id,
            member_id,
            encode(vote.definition, picks),
            new_receipt,
            f"{local_time(ctx, ctx.now()):%Y-%m-%d}",
            ctx.now(),
            key,
            ballot_weight(ctx, vote, member),
            PROXY,
        )
    if outcome not in (votes.CAST, votes.REPLACED):
        raise ProxyRefused(_("Sorry, {member}'s vote could not be cast.").format(member=who))
    return outcome, receipt


def cast_by_proxy(ctx: Context, vote: Vote, member_id: str) -> bool:
    """Whether the member's ballot in this open vote is one their proxy cast (their own
    would replace it)."""
    return bool(vote.definition.meeting) and store.voted_by_proxy(ctx.db, vote.id, member_id)


def forget_instructions(ctx: Context, vote_id: str) -> None:
    """At a vote's close: the instructions members gave their proxies for it go."""
    store.forget_instructions(ctx.db, vote_id)


def absent_reason(ctx: Context, vote: Vote, member: Member) -> str | None:
    """A motion in the room: a member on its roll through their proxy, not checked in
    themselves, votes once they check in; until then their proxy votes for them."""
    meeting_id = vote.definition.meeting
    if not meeting_id or not meetings.motion(ctx.db, vote.id):
        return None
    if meetings.answer_of(ctx.db, meeting_id, member.member_id)["present"]:
        return None
    _ = i18n.for_member(ctx, member)
    return _(
        "The vote on {title} is for the members at the meeting. Check in with /here to "
        "vote yourself; until then, your proxy votes for you."
    ).format(title=_.pick(vote.title))


def own_ballot_key(ctx: Context, vote: Vote, member_id: str) -> str | None:
    """The key a member's own ballot is cast with when their proxy voted for them already
    (theirs replaces it); None otherwise."""
    if not cast_by_proxy(ctx, vote, member_id):
        return None
    # Never a new secret here: one made after the proxy's ballot (the keys file lost)
    # would not find it, and both ballots would count.
    return proxy_key(ctx, vote, member_id, make=False)


def claim_own(ctx: Context, vote: Vote, member_id: str, channel: str | None) -> None:
    """After the member's own ballot replaced their proxy's: the ballot is theirs."""
    store.claim_own(ctx.db, vote.id, member_id, channel)


def picks_of(vote: Vote, choices: Iterable[str]) -> list[int]:
    """The ballot's picks for choices as the ballot names them (any case), in order, or
    `ProxyRefused`: one not on the ballot, one given twice, or more than one where the
    vote takes one."""
    names = {name.lower(): n for n, name in enumerate(vote.definition.choices)}
    chosen = list(choices)
    unknown = [c for c in chosen if c.strip().lower() not in names]
    if unknown:
        raise ProxyRefused(
            f"{unknown[0]!r} is not on the ballot: {', '.join(vote.definition.choices)}"
        )
    picks = [names[c.strip().lower()] for c in chosen]
    if vote.definition.method in INSTRUCTED_METHODS and len(picks) > 1:
        raise ProxyRefused(f"{vote.id} takes one choice, not {len(picks)}")
    twice = [c for n, c in enumerate(chosen) if picks.index(picks[n]) != n]
    if twice:
        raise ProxyRefused(f"{twice[0]!r} is given twice: give each choice once")
    return picks


def waiting(
    ctx: Context, meeting_id: str, holder_id: str | None
) -> list[tuple[Vote, list[dict[str, Any]]]]:
    """The meeting's open votes, each with the proxies this holder (None: the chair)
    holds for members who may vote in it and whose ballot is not cast yet, by them or
    by proxy: what is left for the holder to cast."""
    found = []
    for vote, held in open_votes_held(ctx, holder_id):
        if vote.definition.meeting != meeting_id:
            continue
        left = []
        for proxy in held:
            member = member_of(ctx, proxy["member_id"])
            if member is None or ineligible_reason(ctx, vote, member):
                continue
            if not votes.has_voted(ctx.db, vote.id, member.member_id):
                left.append(proxy)
        if left:
            found.append((vote, left))
    return found


def open_votes_held(ctx: Context, holder_id: str | None) -> list[tuple[Vote, list[dict]]]:
    """Open votes of meetings where this holder holds proxies, with the proxies."""
    found = []
    for vote in all_votes(ctx, OPEN):
        if vote.closes_at > ctx.now():
            held = represented(ctx, vote, holder_id)
            if held:
                found.append((vote, held))
    return found
