"""Paper ballots entered by tellers, counted with the ballots that came by chat.

A teller enters a CSV of the meeting's paper (or postal) ballots. Nothing is counted
until a second teller's entry of the same ballots agrees with the first (the rows that
differ are shown, never the choices on them), or the returning officer accepts one.
Then each ballot is checked against the roll and goes through the same store as a
ballot by chat (`storage.votes.queries.cast`), its origin ("paper" or "post") noted on
the member's "who voted" row, so a member counts once whichever way they voted; the
rules' `[paper] wins` says which ballot counts when both arrive. Spoilt and refused
ballots are kept as counts with their reasons, never who.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from handlers.context import Context
from handlers.meetings.admin import MeetingProblem
from handlers.votes.results import RESOLUTION_CHOICES, encode
from handlers.votes.state import OPEN, Vote, ballot_key, load, local_time, new_receipt
from storage import audit
from storage.meetings import paper as entries
from storage.meetings import queries as meetings
from storage.votes import queries as votes
from surveys.rules import parse_rules
from surveys.wording import plural

COLUMNS = ("vote", "member", "choice", "spoilt", "origin")
ORIGINS = ("paper", "post")
PAPER_ORIGINS = set(ORIGINS)
RANKED = ("stv", "irv")
# Why a paper ballot is refused, in plain words (kept as counts, never who).
NOT_ON_ROLL = "not on the meeting's roll"
NOT_ELIGIBLE = "not eligible for this vote (another constituency)"
ALREADY_BY_OTHER = "the member had already voted another way, and the first ballot counts"
ALREADY_UNLINKED = (
    "the member had already voted another way; the rules say paper wins, but this vote "
    "keeps no link from that ballot to the member (it does not allow a change of mind), "
    "so the first ballot stands"
)
SECOND_PAPER = "a second paper ballot for the same member"
CLOSED = "the vote had closed"


@dataclass(frozen=True)
class Entry:
    """A teller's entry as it was read: the rows, each with its line in the file."""

    teller: str
    rows: list[dict[str, Any]]


def read_csv(ctx: Context, meeting_id: str, text: str, source: str) -> list[dict[str, Any]]:
    """The ballots in a teller's CSV, each checked for form (the vote is the meeting's
    and open, the choice is one it offers), or `MeetingProblem` naming the line."""
    meeting(ctx, meeting_id)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("vote", "member", "choice") if name not in header]
    if missing:
        raise MeetingProblem(
            f"{source}: line 1: the header needs the columns {', '.join(COLUMNS)} "
            f"({', '.join(missing)} missing)"
        )
    reader.fieldnames = header
    found: dict[str, Vote] = {}
    rows = []
    for line, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k}
        where = f"{source}: line {line}"
        vote_id, member = cells.get("vote", ""), cells.get("member", "")
        if not vote_id or not member:
            raise MeetingProblem(f"{where}: each row needs a vote and a member")
        vote = found.get(vote_id) or load(ctx, vote_id)
        if vote is None or vote.definition.meeting != meeting_id:
            raise MeetingProblem(f"{where}: {vote_id!r} is not a vote of meeting {meeting_id}")
        if vote.status != OPEN:
            raise MeetingProblem(
                f"{where}: vote {vote_id} is {vote.status}: paper ballots are entered while "
                "it is open, and counted with the others at its close"
            )
        found[vote_id] = vote
        origin = cells.get("origin", "").lower() or "paper"
        if origin not in ORIGINS:
            raise MeetingProblem(f"{where}: origin must be paper or post, not {origin!r}")
        spoilt = cells.get("spoilt", "")
        choice = ""
        if not spoilt:
            try:
                choice = parse_choice(vote, cells.get("choice", ""))
            except ValueError as error:
                raise MeetingProblem(f"{where}: {error}") from None
        rows.append(
            {
                "line": line,
                "vote": vote_id,
                "member": member,
                "choice": choice,
                "spoilt": spoilt,
                "origin": origin,
            }
        )
    return rows


def parse_choice(vote: Vote, text: str) -> str:
    """A paper ballot's marks in the stored form: a resolution "for", "against" or
    "abstain"; one option by name or number; a ranking as "Ann Lee > Bo Khan" or
    "2 > 1"; approval as "Ann Lee + Bo Khan". ValueError says what is wrong."""
    d = vote.definition
    if not text:
        raise ValueError("no choice (write the reason in the spoilt column if it was spoilt)")
    if d.method == "resolution":
        word = text.lower()
        if word not in RESOLUTION_CHOICES:
            raise ValueError(f"a resolution's choice is for, against or abstain, not {text!r}")
        return encode(d, [RESOLUTION_CHOICES.index(word)])
    names = [name.lower() for name in d.choices]
    parts = [p.strip() for p in text.split(">" if d.method in RANKED else "+")]
    picks = []
    for part in parts:
        if part.isdigit() and 1 <= int(part) <= len(names):
            picks.append(int(part) - 1)
        elif part.lower() in names:
            picks.append(names.index(part.lower()))
        else:
            raise ValueError(f"{part!r} is not one of vote {d.id}'s options")
    if len(set(picks)) != len(picks):
        raise ValueError("the same option is marked twice")
    if d.method not in RANKED + ("approval",) and len(picks) != 1:
        raise ValueError(f"vote {d.id} takes one choice")
    return encode(d, picks)


def meeting(ctx: Context, meeting_id: str) -> dict[str, Any]:
    row = meetings.get(ctx.db, meeting_id)
    if row is None:
        raise MeetingProblem(f"no meeting with id {meeting_id!r}")
    return row


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return row["vote"], row["member"]


def differences(first: Entry, second: Entry) -> list[str]:
    """Where two tellers' entries differ, by member and line in each file, in any order
    of rows; the choices themselves are not shown (the tellers look at the papers)."""

    def grouped(entry: Entry) -> dict[tuple[str, str], list[dict[str, Any]]]:
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in entry.rows:
            out.setdefault(_key(row), []).append(row)
        return out

    def marks(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return sorted((r["choice"], r["spoilt"], r["origin"]) for r in rows)

    def at(rows: list[dict[str, Any]]) -> str:
        return ", ".join(str(r["line"]) for r in rows) or "none"

    a, b = grouped(first), grouped(second)
    lines = []
    for key in sorted(a.keys() | b.keys()):
        mine, theirs = a.get(key, []), b.get(key, [])
        if marks(mine) == marks(theirs):
            continue
        which = f"vote {key[0]}, member {key[1]}"
        if len(mine) != len(theirs):
            lines.append(
                f"{which}: {plural(len(mine), 'ballot')} in {first.teller}'s entry (line "
                f"{at(mine)}), {len(theirs)} in {second.teller}'s (line {at(theirs)})"
            )
            continue
        fields = [
            f
            for f in ("choice", "spoilt", "origin")
            if sorted(r[f] for r in mine) != sorted(r[f] for r in theirs)
        ]
        lines.append(
            f"{which}: {' and '.join(fields)} differ (line {at(mine)} of "
            f"{first.teller}'s entry, line {at(theirs)} of {second.teller}'s)"
        )
    return lines


def waiting(ctx: Context, meeting_id: str) -> dict[str, Any]:
    """The entries waiting, as the console shows them: each teller and how many ballots,
    and where each later entry differs from the first (as `enter` compared them); never
    a choice, nor whose ballot it was."""
    meeting(ctx, meeting_id)
    found = entries.entries(ctx.db, meeting_id)
    tellers = list(found)
    first = Entry(tellers[0], found[tellers[0]]) if tellers else None
    return {
        "meeting": meeting_id,
        "entries": [{"teller": t, "ballots": len(rows)} for t, rows in found.items()],
        "differences": {
            t: differences(first, Entry(t, found[t])) for t in tellers[1:] if first is not None
        },
    }


def enter(ctx: Context, meeting_id: str, teller: str, rows: list[dict[str, Any]]) -> dict:
    """A teller's entry: kept until a second teller's agrees (then counted), or shown
    against the other's where they differ."""
    teller = teller.strip()
    if not teller:
        raise MeetingProblem("--teller: name the teller who entered these ballots")
    waiting = entries.entries(ctx.db, meeting_id)
    others = [name for name in waiting if name != teller]
    if not others:
        entries.save_entry(ctx.db, meeting_id, teller, rows, ctx.now())
        audit.record(ctx.db, ctx.now(), teller, "meeting.paper.enter", meeting_id, rows=len(rows))
        return {
            "meeting": meeting_id,
            "status": "waiting",
            "teller": teller,
            "ballots": len(rows),
            "differences": [],
        }
    first = Entry(others[0], waiting[others[0]])
    differ = differences(first, Entry(teller, rows))
    if differ:
        entries.save_entry(ctx.db, meeting_id, teller, rows, ctx.now())
        audit.record(
            ctx.db, ctx.now(), teller, "meeting.paper.differ", meeting_id, rows=len(differ)
        )
        return {
            "meeting": meeting_id,
            "status": "differ",
            "teller": teller,
            "ballots": len(rows),
            "differences": differ,
            "tellers": [first.teller, teller],
        }
    return count(ctx, meeting_id, first.rows, f"{first.teller} and {teller}")


def add_ballot(ctx: Context, meeting_id: str, teller: str, row: dict[str, Any]) -> dict:
    """One more ballot (a row from `read_csv`) at the end of the teller's entry waiting,
    numbered on from its last line; the entry is then entered again as a whole (`enter`):
    a second teller's entry agrees only once it holds every ballot of the first."""
    mine = entries.entries(ctx.db, meeting_id).get(teller.strip(), [])
    line = (mine[-1]["line"] if mine else 1) + 1
    return enter(ctx, meeting_id, teller, [*mine, {**row, "line": line}])


def accept(ctx: Context, meeting_id: str, teller: str, officer: str) -> dict:
    """The returning officer counts one teller's entry as it stands."""
    meeting(ctx, meeting_id)
    waiting = entries.entries(ctx.db, meeting_id)
    if teller not in waiting:
        named = ", ".join(waiting) or "none"
        raise MeetingProblem(f"--accept: no entry by {teller!r} is waiting (waiting: {named})")
    if not officer.strip():
        raise MeetingProblem("--returning-officer: name the returning officer who accepts it")
    return count(ctx, meeting_id, waiting[teller], f"{teller}, accepted by {officer.strip()}")


def discard(ctx: Context, meeting_id: str, officer: str) -> dict:
    """The returning officer discards every entry waiting (to be entered again)."""
    meeting(ctx, meeting_id)
    if not officer.strip():
        raise MeetingProblem("--returning-officer: name the returning officer who discards them")
    waiting = entries.entries(ctx.db, meeting_id)
    entries.forget_entries(ctx.db, meeting_id)
    audit.record(
        ctx.db,
        ctx.now(),
        officer.strip(),
        "meeting.paper.discard",
        meeting_id,
        entries=len(waiting),
    )
    return {
        "meeting": meeting_id,
        "status": "discarded",
        "tellers": list(waiting),
        "differences": [],
    }


def count(ctx: Context, meeting_id: str, rows: list[dict[str, Any]], by: str) -> dict:
    """Count agreed rows through the votes' store, in one transaction; the entries go."""
    row = meeting(ctx, meeting_id)
    rules = parse_rules(json.loads(row["definition"])["rules"], "the society's rules")
    roll = {m["member_id"]: m for m in meetings.roll(ctx.db, meeting_id)}
    now = ctx.now()
    voted_on = f"{local_time(ctx, now):%Y-%m-%d}"
    counted: Counter[str] = Counter()
    spoilt: dict[str, Counter[str]] = {}
    refused: dict[str, Counter[str]] = {}
    with ctx.db.atomic():
        for ballot in rows:
            vote = load(ctx, ballot["vote"])
            assert vote is not None
            vote_id, member = ballot["vote"], ballot["member"]
            reason = _refusal(ctx, vote, member, roll, ballot, rules.paper.wins, voted_on)
            if reason is None and ballot["spoilt"]:
                spoilt.setdefault(vote_id, Counter())[ballot["spoilt"]] += 1
                continue
            if reason is None:
                reason = _cast(ctx, vote, member, roll, ballot, voted_on)
            if reason:
                refused.setdefault(vote_id, Counter())[reason] += 1
            else:
                counted[vote_id] += 1
        for vote_id, reasons in spoilt.items():
            entries.add_counts(ctx.db, meeting_id, vote_id, "spoilt", reasons)
        for vote_id, reasons in refused.items():
            entries.add_counts(ctx.db, meeting_id, vote_id, "refused", reasons)
        entries.forget_entries(ctx.db, meeting_id)
        audit.record(
            ctx.db, now, by, "meeting.paper.count", meeting_id, counted=sum(counted.values())
        )
    return {
        "meeting": meeting_id,
        "status": "counted",
        "by": by,
        "ballots": len(rows),
        "counted": dict(counted),
        "spoilt": {v: dict(r) for v, r in spoilt.items()},
        "refused": {v: dict(r) for v, r in refused.items()},
        "differences": [],
    }


def _refusal(
    ctx: Context, vote: Vote, member: str, roll: dict, ballot: dict, wins: str, voted_on: str
) -> str | None:
    """Why this ballot cannot count (None: it may), spoilt or not; a spoilt paper still
    marks its member as having taken part."""
    if member not in roll:
        return NOT_ON_ROLL
    groups = vote.definition.constituencies
    if groups and roll[member]["constituency"] not in groups:
        return NOT_ELIGIBLE
    by = entries.voted_by(ctx.db, vote.id, member)
    if by is not None:
        if by in PAPER_ORIGINS:
            return SECOND_PAPER
        if wins == "first" or ballot["spoilt"]:
            return ALREADY_BY_OTHER
        if ballot_key(ctx, vote, member) is None:
            return ALREADY_UNLINKED
        return None  # paper wins: `_cast` replaces the other ballot
    if ballot["spoilt"]:
        marked = entries.mark_spoilt(ctx.db, vote.id, member, voted_on, ballot["origin"], ctx.now())
        return None if marked else _not_marked(ctx, vote)
    return None


def _not_marked(ctx: Context, vote: Vote) -> str:
    fresh = load(ctx, vote.id)
    return CLOSED if fresh is None or fresh.status != OPEN else NOT_ELIGIBLE


def _cast(
    ctx: Context, vote: Vote, member: str, roll: dict, ballot: dict, voted_on: str
) -> str | None:
    weight = vote.definition.weights.get(roll[member]["constituency"], 1)
    outcome, _ = votes.cast(
        ctx.db,
        vote.id,
        member,
        ballot["choice"],
        new_receipt,
        voted_on,
        ctx.now(),
        ballot_key(ctx, vote, member),
        weight,
        ballot["origin"],
    )
    if outcome == votes.REPLACED:
        entries.set_origin(ctx.db, vote.id, member, ballot["origin"])
        return None
    if outcome == votes.CAST:
        return None
    if outcome == votes.ALREADY:
        return ALREADY_BY_OTHER
    return _not_marked(ctx, vote)


def describe(done: dict) -> list[str]:
    """An entry or a count in plain lines, for the command line and the console."""
    if done["status"] == "waiting":
        return [
            f"Entered by {done['teller']}: {plural(done['ballots'], 'paper ballot')}. Nothing "
            "is counted until a second teller enters the same ballots and they agree (or the "
            "returning officer accepts this entry with --accept)."
        ]
    if done["status"] == "differ":
        return [
            f"The entries of {' and '.join(done['tellers'])} differ in "
            f"{plural(len(done['differences']), 'row')}; nothing is counted. Check these "
            "papers and enter them again (or the returning officer accepts one entry):",
            *(f"  {line}" for line in done["differences"]),
        ]
    if done["status"] == "discarded":
        who = " and ".join(done["tellers"]) or "nobody"
        return [f"Discarded the paper ballots waiting (entered by {who}); nothing was counted."]
    lines = [f"Counted the paper ballots entered by {done['by']}:"]
    for vote_id in sorted(done["counted"].keys() | done["spoilt"].keys() | done["refused"].keys()):
        lines.append(f"  {vote_id}: {plural(done['counted'].get(vote_id, 0), 'ballot')} counted")
        for kind in ("spoilt", "refused"):
            for reason, n in sorted(done[kind].get(vote_id, {}).items()):
                lines.append(f"    {n:,} {kind}: {reason}")
    return lines
