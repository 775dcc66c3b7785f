"""Nominations for a meeting's seats, the officer's confirmation, and the election vote.

The officer opens the nomination period (the rules' `period_days`; it closes by itself
at its end, on the tick, or on the officer's word). Members nominate themselves in chat
(`handlers/meetings/nominate_chat.py`) with a statement of at most the rules'
`statement_words` words and, where the rules ask, a seconder who says Yes in chat. Once
nominations close the officer confirms or rejects each, and creates the seat's election:
a vote by the rules' method whose explanation lists the candidates and their
statements, so the vote's own announcement takes them to the seat's electorate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Message, Option, Recipient, quoted
from handlers.votes.admin import VoteError, create_vote
from handlers.votes.state import CANCELLED, Vote, load, when
from storage import audit
from storage.meetings import nominations as store
from storage.meetings import queries as meetings
from storage.timestamps import parse
from surveys.localised import Local
from surveys.meetings.definitions import Meeting, Seat
from surveys.rules import Rules, parse_rules
from surveys.votes.definitions import MAX_NAME, VoteDefinition, VoteOption
from surveys.wording import plural

# Where a nomination stands, as the officer reads it.
STATUS_WORDS = {
    "draft": "statement sent, no seconder named yet",
    "awaiting-seconder": "waiting for the seconder's answer",
    "nominated": "nominated: waiting for the officer",
    "declined": "the seconder said no",
    "withdrawn": "withdrawn by the member",
    "lapsed": "not finished when nominations closed",
    "confirmed": "confirmed candidate",
    "rejected": "rejected",
}
OPEN_NOTICE = N_(
    "Nominations are open for {meeting}, until {closes}. Members can stand for: {seats}. "
    "To stand, type /nominate: you choose the seat and write a short statement for members "
    "to read."
)


class NominationProblem(Exception):
    """An officer's or a member's request that cannot be done; the message says why."""


@dataclass(frozen=True)
class Stored:
    """A meeting as it was created, with the rules it was created under."""

    meeting: Meeting
    rules: Rules

    def seat(self, seat_id: str) -> Seat:
        seat = self.meeting.seat(seat_id)
        if seat is None:
            known = ", ".join(s.id for s in self.meeting.seats) or "none: add [[seats]]"
            raise NominationProblem(
                f"{self.meeting.id} has no seat {seat_id!r} (its seats: {known})"
            )
        return seat


def stored(ctx: Context, meeting_id: str) -> Stored:
    row = meetings.get(ctx.db, meeting_id)
    if row is None:
        raise NominationProblem(f"no meeting with id {meeting_id!r}")
    data = json.loads(row["definition"])
    return Stored(Meeting.from_dict(data["meeting"]), parse_rules(data["rules"], "the rules"))


def may_stand(ctx: Context, seat: Seat, meeting_id: str, member_id: str) -> bool:
    """On the meeting's roll, in one of the seat's constituencies (if it names any)."""
    group = store.on_roll(ctx.db, meeting_id, member_id)
    return group is not None and (not seat.constituencies or group in seat.constituencies)


def words(text: str) -> int:
    return len(text.split())


# The officer's side -------------------------------------------------------------------


def open_nominations(ctx: Context, meeting_id: str, actor: str) -> tuple[dict, Iterator[Message]]:
    """Open the period for the rules' `period_days`; returns the period and the notice to
    every member on the roll who may stand for a seat."""
    found = stored(ctx, meeting_id)
    if not found.meeting.seats:
        raise NominationProblem(f"{meeting_id} lists no [[seats]] to nominate for")
    now = ctx.now()
    closes = now + timedelta(days=found.rules.nominations.period_days)
    if closes >= found.meeting.starts:
        raise NominationProblem(
            f"the society's rules keep nominations open {plural(found.rules.nominations.period_days, 'day')}, "
            f"until {when(ctx, closes)}, which is after the meeting starts ({when(ctx, found.meeting.starts)})"
        )
    if not store.open_period(ctx.db, meeting_id, now, closes, actor):
        raise NominationProblem(f"nominations for {meeting_id} were opened already")
    audit.record(ctx.db, now, actor, "meeting.nominations.open", meeting_id)
    return period_of(ctx, meeting_id), _open_notices(ctx, found, closes)


def _open_notices(ctx: Context, found: Stored, closes: datetime) -> Iterator[Message]:
    meeting = found.meeting
    for row in meetings.roll(ctx.db, meeting.id):
        if row["member_id"] is None:
            continue
        seats = [
            s
            for s in meeting.seats
            if not s.constituencies or row["constituency"] in s.constituencies
        ]
        if not seats:
            continue
        _ = i18n.for_member_id(ctx, row["member_id"])
        yield Message(
            Recipient.of(row["member_id"]),
            _(OPEN_NOTICE).format(
                meeting=meeting.title,
                closes=when(ctx, closes, None, _),
                seats=", ".join(s.title for s in seats),
            ),
            title=_("Nominations are open"),
            choices=(Option(_("Stand for election"), "nom.start"),),
            quiet_hours=True,
            key=f"nominations:{meeting.id}:open:{row['member_id']}",
            language=_.language,
        )


def period_of(ctx: Context, meeting_id: str) -> dict[str, Any]:
    row = store.period(ctx.db, meeting_id)
    if row is None:
        return {"meeting": meeting_id, "status": "not opened"}
    return {
        "meeting": meeting_id,
        "status": "closed" if row["closed_at"] else "open",
        "opened_at": row["opened_at"],
        "closes_at": row["closes_at"],
        "closed_at": row["closed_at"],
    }


def close_nominations(ctx: Context, meeting_id: str, actor: str = "scheduler") -> list[Message]:
    """Close the period now (once): unfinished nominations lapse; the council is told how
    many stand for each seat and what to do next."""
    found = stored(ctx, meeting_id)
    period = store.period(ctx.db, meeting_id)
    if period is None:
        raise NominationProblem(f"nominations for {meeting_id} have not been opened")
    now = ctx.now()
    if not store.close_period(ctx.db, meeting_id, now):
        raise NominationProblem(f"nominations for {meeting_id} are closed already")
    audit.record(ctx.db, now, actor, "meeting.nominations.close", meeting_id)
    standing = [n for n in store.of_meeting(ctx.db, meeting_id) if n["status"] == "nominated"]
    counts = ", ".join(
        f"{seat.title} {sum(n['seat_id'] == seat.id for n in standing)}"
        for seat in found.meeting.seats
    )
    told = Message(
        Recipient.staff_council(),
        f"Nominations for {found.meeting.title} have closed. Nominated: {counts}. Confirm the "
        f"candidates: mutual-voice meeting candidates {meeting_id}",
        title=f"Nominations closed: {found.meeting.title}",
        quiet_hours=True,
        key=f"nominations:{meeting_id}:closed",
    )
    return [told]


def due_work(ctx: Context, now: datetime) -> Iterator[Message]:
    """Close the periods whose time has come (the scheduler's tick)."""
    for row in store.due_to_close(ctx.db, now):
        try:
            yield from close_nominations(ctx, row["meeting_id"])
        except NominationProblem:  # closed meanwhile by the officer
            continue


def candidates(ctx: Context, meeting_id: str) -> dict[str, Any]:
    """The period and every nomination by seat, as `meeting candidates --json` prints it."""
    found = stored(ctx, meeting_id)
    rows = store.of_meeting(ctx.db, meeting_id)
    return {
        **period_of(ctx, meeting_id),
        "statement_words": found.rules.nominations.statement_words,
        "seconder": found.rules.nominations.seconder,
        "seats": [
            {
                "seat": seat.id,
                "title": seat.title,
                "places": seat.places,
                "constituencies": list(seat.constituencies),
                "nominations": [
                    {
                        "member_id": n["member_id"],
                        "name": n["name"],
                        "status": n["status"],
                        "reason": n["reason"],
                        "seconder": n["seconder_id"],
                        "seconder_name": n["seconder"],
                        "seconded": n["answer"] == "yes",
                        "words": words(n["statement"]),
                        "statement": n["statement"],
                    }
                    for n in rows
                    if n["seat_id"] == seat.id
                ],
            }
            for seat in found.meeting.seats
        ],
    }


def describe(shown: dict[str, Any]) -> list[str]:
    """The nominations in plain lines, for the command line."""
    lines = [
        f"Nominations for {shown['meeting']}: {shown['status']}"
        + (f" (closes {shown['closes_at']})" if shown["status"] == "open" else "")
        + "."
    ]
    for seat in shown["seats"]:
        lines.append(f"{seat['title']} ({seat['seat']}, {plural(seat['places'], 'place')}):")
        for n in seat["nominations"]:
            why = f": {n['reason']}" if n["reason"] else ""
            lines.append(
                f"  {n['member_id']} {n['name']}: {STATUS_WORDS[n['status']]}{why} "
                f"({plural(n['words'], 'word')})"
            )
        if not seat["nominations"]:
            lines.append("  no nominations")
    return lines


def decide(
    ctx: Context,
    meeting_id: str,
    member_id: str,
    seat_id: str | None,
    confirm: bool,
    actor: str,
    reason: str = "",
) -> list[Message]:
    """Confirm or reject a member's nomination once nominations have closed; the member
    is told either way (with the officer's reason for a rejection)."""
    found = stored(ctx, meeting_id)
    period = store.period(ctx.db, meeting_id)
    if period is None or period["closed_at"] is None:
        closes = f", until {when(ctx, parse(period['closes_at']))}" if period else ""
        raise NominationProblem(
            f"nominations for {meeting_id} are not closed{closes}: confirm candidates once they close"
        )
    if not confirm and not reason.strip():
        raise NominationProblem(
            "give the reason for rejecting a nomination (--reason); the member is told it"
        )
    mine = [
        n
        for n in store.of_member(ctx.db, meeting_id, member_id)
        if n["status"] in ("nominated", "confirmed", "rejected")
    ]
    if seat_id is not None:
        mine = [n for n in mine if n["seat_id"] == seat_id]
    if not mine:
        raise NominationProblem(
            f"{member_id} has no nomination to decide for {meeting_id}"
            + (f" ({seat_id})" if seat_id else "")
        )
    if len(mine) > 1:
        raise NominationProblem(
            f"{member_id} is nominated for {' and '.join(n['seat_id'] for n in mine)}: say which with --seat"
        )
    nomination = mine[0]
    seat = found.seat(nomination["seat_id"])
    held, _id = _election_of(ctx, meeting_id, seat.id)
    if held is not None:
        raise NominationProblem(
            f"the election {held.id} for {seat.id} is {held.status} already, with its candidates; "
            f"to change them, cancel it first (mutual-voice vote cancel {held.id})"
        )
    status = "confirmed" if confirm else "rejected"
    now = ctx.now()
    if not store.move(
        ctx.db,
        nomination["nomination_id"],
        ("nominated", "confirmed", "rejected"),
        status,
        now,
        None if confirm else reason.strip(),
    ):
        raise NominationProblem(f"{member_id}'s nomination changed meanwhile; try again")
    audit.record(
        ctx.db,
        now,
        actor,
        f"meeting.nomination.{status[:-2]}",
        meeting_id,
        member=member_id,
        seat=seat.id,
    )
    _ = i18n.for_member_id(ctx, member_id)
    if confirm:
        text = _(
            "You are a candidate: the returning officer has confirmed your nomination for {seat} at {meeting}. Your statement goes to members with the ballot."
        )
    else:
        text = _(
            "The returning officer could not accept your nomination for {seat} at {meeting}. The reason given: {reason}"
        )
    return [
        Message(
            Recipient.of(member_id),
            text.format(
                seat=seat.title, meeting=found.meeting.title, reason=quoted(reason.strip())
            ),
            title=_("Your nomination"),
            quiet_hours=True,
            key=f"nominations:{nomination['nomination_id']}:{status}:{now.isoformat()}",
            language=_.language,
        )
    ]


def _election_of(ctx: Context, meeting_id: str, seat_id: str) -> tuple[Vote | None, str]:
    """The seat's election vote (None if there is none, or each was cancelled) and the id
    a new one takes: `<meeting>-<seat>`, then `-2`, `-3` after a cancelled one."""
    base = vote_id = f"{meeting_id}-{seat_id}"
    n = 1
    while (vote := load(ctx, vote_id)) is not None:
        if vote.status != CANCELLED:
            return vote, vote_id
        n += 1
        vote_id = f"{base}-{n}"
    return None, vote_id


ELECTION_TITLE = N_("Election: {seat}")
ELECTION_TEXT = N_(
    "{meeting}, election: {seat}. Places to fill: {places}. The candidates and their statements:"
)


def create_election(
    ctx: Context,
    meeting_id: str,
    seat_id: str,
    opens: datetime | None,
    closes: datetime,
    actor: str,
) -> Vote:
    """The seat's election vote, by the rules' method, with the confirmed candidates and
    their statements; it opens (and is announced to the seat's electorate) at `opens`."""
    found = stored(ctx, meeting_id)
    seat = found.seat(seat_id)
    period = store.period(ctx.db, meeting_id)
    if period is None or period["closed_at"] is None:
        raise NominationProblem(
            f"nominations for {meeting_id} must close before the election is created"
        )
    held, vote_id = _election_of(ctx, meeting_id, seat_id)
    if held is not None:
        raise NominationProblem(f"the election for {seat_id} is {held.id}, {held.status} already")
    rows = [n for n in store.of_meeting(ctx.db, meeting_id) if n["seat_id"] == seat_id]
    waiting = [n["member_id"] for n in rows if n["status"] == "nominated"]
    if waiting:
        raise NominationProblem(
            f"confirm or reject every nomination for {seat_id} first; waiting: {', '.join(waiting)}"
        )
    standing = [n for n in rows if n["status"] == "confirmed"]
    method = found.rules.elections.method
    if method == "plurality" and seat.places != 1:
        raise NominationProblem(
            f"the society's rules elect by plurality, one cross for one place, and {seat_id} has "
            f"{seat.places} places: give it places = 1, or elect by stv in the rules"
        )
    if len(standing) <= seat.places:
        raise NominationProblem(
            f"{plural(len(standing), 'confirmed candidate')} for {plural(seat.places, 'place')} on "
            f"{seat.title}: no contest, so no election (the candidates are elected unopposed)"
        )
    names = [n["name"][:MAX_NAME] for n in standing]
    options = tuple(
        VoteOption(
            name
            if names.count(name) == 1
            else f"{name[: MAX_NAME - 8]} ({n['member_id']})"[:MAX_NAME],
            n["statement"],
        )
        for name, n in zip(names, standing, strict=True)
    )
    title, explanation = {}, {}
    for language in i18n.available():
        _ = i18n.translator(language)
        title[language] = _(ELECTION_TITLE).format(seat=seat.title)
        lines = [
            _(ELECTION_TEXT).format(
                meeting=found.meeting.title, seat=seat.title, places=seat.places
            )
        ]
        # Not quoted(): the explanation is stored, and the console and the member's page
        # show it as it is (escaped, as every vote's explanation is).
        lines += [f"\n{o.name}\n{o.statement}" for o in options]
        explanation[language] = "\n".join(lines)
    definition = VoteDefinition(
        id=vote_id,
        title=Local(title),
        explanation=Local(explanation),
        method="stv" if method == "stv" else "single",
        closes=closes,
        opens=opens,
        options=options,
        seats=seat.places if method == "stv" else 1,
        constituencies=seat.constituencies,
        options_key="candidates",
        meeting=meeting_id,
    )
    try:
        return create_vote(ctx, definition, actor)
    except VoteError as error:
        raise NominationProblem(str(error)) from None


def election_of(ctx: Context, meeting_id: str, seat_id: str) -> Vote | None:
    """The seat's election vote, unless there is none (or each was cancelled)."""
    return _election_of(ctx, meeting_id, seat_id)[0]
