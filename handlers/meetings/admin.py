"""The officer's side of a general meeting: create it by the rules, and show it."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from handlers.context import Context
from handlers.meetings import proxies
from handlers.votes.rules import NOT_SET, rules_text
from handlers.votes.state import local_time, when
from storage import audit
from storage.meetings import queries as store
from storage.timestamps import iso
from surveys.meetings.definitions import Meeting
from surveys.rules import Rules, RulesError, parse_rules
from surveys.wording import plural


class MeetingProblem(Exception):
    """A meeting that cannot be created or shown; the message says why, in one line."""


def create_meeting(
    ctx: Context, meeting: Meeting, actor: str, rules: str | None = None
) -> dict[str, Any]:
    """Store the meeting and fix its roll on the notice date, or refuse in plain words.

    It is run by the organisation's rules file, or by `rules` (a rules file's text: the
    demo's own)."""
    try:
        text = rules if rules is not None else rules_text(ctx)
        if text is None:
            raise MeetingProblem(f"a general meeting is run by the society's rules, and {NOT_SET}")
        parsed = parse_rules(text, ctx.policy.organisation.rules or "the rules")
    except RulesError as error:
        raise MeetingProblem(f"rules: {error}") from None
    if store.get(ctx.db, meeting.id) is not None:
        raise MeetingProblem(f"id: a meeting {meeting.id!r} already exists")
    now = ctx.now()
    today = local_time(ctx, now).date()
    given = meeting.notice_given or today
    if given > today:
        raise MeetingProblem(
            f"notice_given: {given.isoformat()} is after today ({today.isoformat()}): the roll "
            "is fixed on the day notice is given, so create the meeting on that day"
        )
    if meeting.starts <= now:
        raise MeetingProblem(f"starts: {meeting.starts.isoformat()} is already in the past")
    held = local_time(ctx, meeting.starts).date()
    clear = parsed.notice.clear_days_between(given, held)
    if clear < parsed.notice.clear_days:
        raise MeetingProblem(
            f"starts: the society's rules ask for {parsed.notice.clear_days} clear days' notice "
            f"of a general meeting; notice given on {given.isoformat()} and the meeting on "
            f"{held.isoformat()} gives {clear}. Hold it on "
            f"{parsed.notice.earliest(given).isoformat()} or later."
        )
    constituencies = parsed.eligibility.constituencies or ctx.policy.organisation.constituencies
    joined_by = roll_by(ctx, parsed, given, now)
    size = store.insert_meeting(
        ctx.db,
        {
            "meeting_id": meeting.id,
            "title": meeting.title,
            "definition": json.dumps({"meeting": meeting.to_dict(), "rules": text}),
            "starts_at": iso(meeting.starts),
            "notice_given": given.isoformat(),
            "roll_by": iso(joined_by),
            "created_at": iso(now),
            "created_by": actor,
        },
        constituencies,
        joined_by,
        {c: parsed.weight(c) for c in constituencies if parsed.weight(c) != 1},
    )
    audit.record(ctx.db, now, actor, "meeting.create", meeting.id, roll=size)
    return show(ctx, meeting.id)


class _Undone(Exception):
    """Raised inside a preview's transaction so that nothing it made is kept."""


def preview(ctx: Context, meeting: Meeting, actor: str, rules: str | None = None) -> dict[str, Any]:
    """What `create_meeting` would make (the meeting as `show` gives it), made and then
    undone, so a preview's figures are the create's own; refuses as it does."""
    made: dict[str, Any] = {}
    try:
        with ctx.db.atomic():
            made = create_meeting(ctx, meeting, actor, rules)
            raise _Undone
    except _Undone:
        pass
    return made


def roll_by(ctx: Context, rules: Rules, given: date, now: datetime) -> datetime:
    """Members who joined by this moment are on the roll: members on the day notice is
    given (by its end, or now if that is today), for the rules' minimum length."""
    zone = local_time(ctx, now).tzinfo
    end_of_day = datetime.combine(given + timedelta(days=1), time(0), zone) - timedelta(seconds=1)
    return min(end_of_day, now) - timedelta(days=rules.eligibility.minimum_membership_days)


def show(ctx: Context, meeting_id: str) -> dict[str, Any]:
    """The meeting, its roll and its quorum, as `meeting show --json` prints it."""
    row = store.get(ctx.db, meeting_id)
    if row is None:
        raise MeetingProblem(f"no meeting with id {meeting_id!r}")
    stored = json.loads(row["definition"])
    meeting = Meeting.from_dict(stored["meeting"])
    rules = parse_rules(stored["rules"], "the society's rules")
    roll = store.roll(ctx.db, meeting_id)
    given = datetime.fromisoformat(row["notice_given"]).date()
    held = local_time(ctx, meeting.starts).date()
    return {
        "meeting": meeting.id,
        "title": meeting.title,
        "kind": meeting.kind,
        "starts": meeting.starts.isoformat(),
        "when": when(ctx, meeting.starts),
        "place": meeting.place,
        "online": meeting.online,
        "notice_given": row["notice_given"],
        "clear_days_given": rules.notice.clear_days_between(given, held),
        "clear_days_needed": rules.notice.clear_days,
        "roll_fixed_by": row["roll_by"],
        "eligible": len(roll),
        "by_constituency": store.roll_sizes(ctx.db, meeting_id),
        "votes": sum(member["weight"] for member in roll),
        "quorum_needed": rules.quorum.needed(len(roll)),
        "quorum_counts": list(rules.quorum.counts),
        "agenda": [
            {
                "title": item.title,
                "explanation": item.explanation,
                "resolution": item.resolution,
                "needs": rules.resolutions.share(item.resolution).text if item.resolution else "",
            }
            for item in meeting.agenda
        ],
        "proxies": proxies.shown(ctx, meeting_id),
        "roll": roll,
    }


def describe(shown: dict[str, Any]) -> list[str]:
    """The meeting in plain lines, for the command line."""
    how = {"in-person": "in person", "online": "online", "proxy": "by proxy"}
    groups = ", ".join(f"{name} {n:,}" for name, n in shown["by_constituency"].items())
    lines = [
        f"{shown['title']} ({shown['meeting']}, "
        f"{'annual general meeting' if shown['kind'] == 'annual' else 'general meeting'})",
        f"When: {shown['when']} ({shown['starts'][:10]})",
    ]
    if shown["place"]:
        lines.append(f"Where: {shown['place']}")
    if shown["online"]:
        lines.append(f"Online: {shown['online']}")
    lines += [
        f"Notice given: {shown['notice_given']}, {plural(shown['clear_days_given'], 'clear day')} "
        f"before the meeting ({shown['clear_days_needed']} needed).",
        f"Roll: {plural(shown['eligible'], 'member')} eligible"
        + (f" ({groups})" if groups else "")
        + ", fixed on the notice date"
        + (
            f"; {plural(shown['votes'], 'vote')} in all"
            if shown["votes"] != shown["eligible"]
            else ""
        )
        + ".",
        f"Quorum: {plural(shown['quorum_needed'], 'member')} present "
        f"({_either([how[c] for c in shown['quorum_counts']])}).",
        proxies.described(shown["proxies"]),
        "Agenda:",
    ]
    for n, item in enumerate(shown["agenda"], start=1):
        kind = (
            f" ({item['resolution']} resolution: {item['needs']} of votes cast)"
            if item["resolution"]
            else ""
        )
        lines.append(f"  {n}. {item['title']}{kind}")
    return lines


def _either(items: list[str]) -> str:
    """ "in person, online or by proxy"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
