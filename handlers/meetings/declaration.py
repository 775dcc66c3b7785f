"""The declaration of results of a general meeting: for each election and resolution put
to it, the electorate, turnout by origin (groups under the anonymity threshold merged),
spoilt and refused ballots with their reasons, the result with the rules' threshold in
plain words, an STV count stage by stage, the quorum, and the returning officer's name.
`sign_off` is the returning officer's sign-off (the console's button, the CLI's
`declare --returning-officer NAME --tell-members`): once per meeting, refused while paper
entries wait or a vote of the meeting is still to close; it keeps the declaration as
signed, and gives the results to every member on the roll, to be posted once.

Read from what each vote's close stored (its result, with turnout per channel counted
from the "who voted" rows before the seal) and the paper ballots' counts: nothing here
reads a ballot beside a voter. Officer-facing, in the organisation's language (English).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from handlers import i18n
from handlers.channels import NAMES
from handlers.context import Context
from handlers.i18n import N_
from handlers.meetings.admin import MeetingProblem, show
from handlers.messages import Message, Recipient
from handlers.votes.results import headline_in
from handlers.votes.state import CLOSED, METHOD_NAMES, OPEN, SCHEDULED, Vote, local_time
from storage import audit
from storage.meetings import paper as paper_store
from storage.meetings import signoffs
from storage.votes import queries as votes
from surveys.wording import plural

ORIGINS = {**NAMES, "paper": "paper in the room", "post": "post", "proxy": "proxy"}
# A hook for the meeting's quorum as recorded at the meeting (attendance): None if not.
QuorumHook = Callable[[Context, str], dict[str, Any] | None]


def declare(
    ctx: Context,
    meeting_id: str,
    returning_officer: str,
    quorum: QuorumHook | None = None,
) -> dict[str, Any]:
    """The declaration as data (`meeting declare --json`); `MeetingProblem` if no meeting.
    Once signed off, the declaration as it was signed (`signed_off`: by whom and when)."""
    meeting = show(ctx, meeting_id)
    signed = signoffs.get(ctx.db, meeting_id)
    if signed is not None:
        return signed["declaration"]
    waiting = list(paper_store.entries(ctx.db, meeting_id))
    if waiting:
        raise MeetingProblem(
            f"paper ballots entered by {' and '.join(waiting)} are not counted yet: enter them "
            f"again as a second teller, accept one entry (meeting paper {meeting_id} --accept "
            f"TELLER), or discard them (meeting paper {meeting_id} --discard), then declare"
        )
    found = quorum(ctx, meeting_id) if quorum else None
    items = [_item(ctx, vote) for vote in meeting_votes(ctx, meeting_id)]
    return {
        "meeting": meeting_id,
        "title": meeting["title"],
        "when": meeting["when"],
        "place": meeting["place"],
        "eligible": meeting["eligible"],
        "quorum": found,
        "quorum_needed": meeting["quorum_needed"],
        "items": items,
        "returning_officer": returning_officer.strip(),
        "declared_at": ctx.now().isoformat(),
        "signed_off": None,
    }


def sign_off(
    ctx: Context,
    meeting_id: str,
    returning_officer: str,
    actor: str,
    quorum: QuorumHook | None = None,
) -> tuple[dict[str, Any], list[Message]]:
    """The returning officer signs the declaration off: recorded once, with the declaration
    as signed; returns it and the results for every member on the roll (the caller posts
    them in the same transaction). `MeetingProblem` says in plain words why not."""
    officer = returning_officer.strip()
    if not officer:
        raise MeetingProblem(
            "--returning-officer: name the returning officer who signs the declaration off"
        )
    with ctx.db.atomic():
        declared = declare(ctx, meeting_id, officer, quorum)  # refused while paper waits
        refused = not_ready(declared)
        if refused:
            raise MeetingProblem(refused)
        now = ctx.now()
        declared["declared_at"] = now.isoformat()
        declared["signed_off"] = {
            "by": officer,
            "at": now.isoformat(),
            "when": f"{local_time(ctx, now):%Y-%m-%d %H:%M}",
        }
        signoffs.record(ctx.db, meeting_id, officer, actor, declared, now)
        told = list(messages(ctx, declared))
        audit.record(
            ctx.db,
            now,
            actor,
            "meeting.declaration.signoff",
            meeting_id,
            returning_officer=officer,
            members=len(told),
        )
    return declared, told


def not_ready(declared: dict[str, Any]) -> str | None:
    """Why this declaration cannot be signed off (now), in plain words; None if it can."""
    signed = declared["signed_off"]
    if signed:
        return (
            f"the declaration of {declared['meeting']} was signed off by {signed['by']} on "
            f"{signed['when']}, and members were told the results then: it is signed off once"
        )
    for item in declared["items"]:
        if item["status"] in (OPEN, SCHEDULED):
            return (
                f"vote {item['vote']} ({item['title']}) "
                + ("is still open" if item["status"] == OPEN else "has not opened yet")
                + ": close it (or cancel it) before the declaration is signed off, so that "
                "it declares every result"
            )
        if item["status"] == CLOSED and "electorate" not in item:
            return (
                f"vote {item['vote']} ({item['title']}) is closed and still being counted: "
                "sign the declaration off once its result is in, so that it declares every "
                "result"
            )
    if not declared["items"]:
        return f"no vote was put to meeting {declared['meeting']}: there are no results to sign off"
    return None


def meeting_votes(ctx: Context, meeting_id: str) -> list[Vote]:
    """The votes put to the meeting, in the order they were created (as on the agenda)."""
    found = (Vote.from_row(row) for row in votes.all_votes(ctx.db))
    return sorted((v for v in found if v.definition.meeting == meeting_id), key=lambda v: v.short)


def _item(ctx: Context, vote: Vote) -> dict[str, Any]:
    d = vote.definition
    item: dict[str, Any] = {
        "vote": vote.id,
        "title": vote.title,
        "kind": "resolution" if d.method == "resolution" else "election",
        "method": METHOD_NAMES[d.method],
        "status": vote.status,
    }
    if vote.status != CLOSED or not vote.result:
        return item
    result = vote.result
    paper = paper_store.counts(ctx.db, vote.id)
    item.update(
        electorate=result["eligible"],
        voted=result["voted"],
        turnout_percent=result["turnout_percent"],
        turnout_by_origin=result.get("turnout_by_channel", {}),
        spoilt=paper.get("spoilt", {}),
        refused=paper.get("refused", {}),
        headline=result["headline"],
        count=result["count"],
        threshold=_threshold(vote),
        quorum_met=result["quorum_met"],
    )
    return item


def _threshold(vote: Vote) -> str:
    """What the result needed, in plain words."""
    d = vote.definition
    rules = d.society_rules
    if d.method == "resolution" and d.resolution and rules is not None:
        share = rules.resolutions.share(d.resolution)
        cast = (
            "abstentions count as votes cast"
            if rules.resolutions.abstentions_cast
            else ("abstentions are not votes cast")
        )
        return (
            f"A {d.resolution} resolution passes with {share.text} of the votes cast "
            f"For ({cast}), as the society's rules say."
        )
    if d.method == "resolution":
        return {
            "simple": "More than half of the votes cast For.",
            "two-thirds": ("At least two thirds of the votes cast For."),
        }.get(d.threshold, "")
    if d.method == "stv":
        return (
            f"{plural(d.seats, 'seat')} filled by the single transferable vote (Scottish STV "
            "rules): a candidate reaching the quota is elected."
        )
    return f"{plural(d.seats, 'seat')}: most votes wins."


def _origins(shown: dict[str, int]) -> str:
    return ", ".join(f"{ORIGINS.get(o, o)} {n:,}" for o, n in shown.items()) or "none noted"


def _reasons(counted: dict[str, int]) -> str:
    total = sum(counted.values())
    if not total:
        return "none"
    return f"{total:,} (" + "; ".join(f"{reason}: {n:,}" for reason, n in counted.items()) + ")"


def lines(declared: dict[str, Any]) -> list[tuple[str, str]]:
    """The declaration as (style, text) lines: "h1", "h2", "p" or "row" (a table row,
    cells split by " | "); Markdown and the PDF are both made from these."""
    out: list[tuple[str, str]] = [
        ("h1", f"Declaration of results: {declared['title']}"),
        (
            "p",
            f"Meeting {declared['meeting']}, {declared['when']}"
            + (f", {declared['place']}" if declared["place"] else "")
            + ".",
        ),
        ("p", f"Members on the roll: {declared['eligible']:,}."),
    ]
    quorum = declared["quorum"]
    if quorum is None:
        out.append(("p", f"Quorum: not recorded ({declared['quorum_needed']:,} needed)."))
    else:
        reached = "reached" if quorum.get("reached") else "NOT reached"
        out.append(
            (
                "p",
                f"Quorum: {reached}: {quorum.get('present', 0):,} present, "
                f"{declared['quorum_needed']:,} needed.",
            )
        )
    for item in declared["items"]:
        out.append(("h2", f"{item['title']} ({item['kind']}, {item['vote']})"))
        if "electorate" not in item:
            out.append(("p", f"Not declared: the vote is {item['status']}."))
            continue
        out += [
            (
                "p",
                f"Electorate: {item['electorate']:,}. Voted: {item['voted']:,} "
                f"({item['turnout_percent']:g}%).",
            ),
            ("p", f"Turnout by origin: {_origins(item['turnout_by_origin'])}."),
            ("p", f"Spoilt ballots: {_reasons(item['spoilt'])}."),
            ("p", f"Refused ballots: {_reasons(item['refused'])}."),
            ("p", f"What it needs: {item['threshold']}"),
        ]
        if not item["quorum_met"]:
            out.append(("p", "The vote's own quorum was not met: it decides nothing."))
        out.append(("p", f"Result: {item['headline']}"))
        out += _count_rows(item["count"])
    signed = declared.get("signed_off")
    if signed:
        out.append(
            ("p", f"Signed off by {signed['by']} on {signed['when']} (the returning officer).")
        )
        return out
    officer = declared["returning_officer"]
    day = declared["declared_at"][:10]
    out += [
        (
            "p",
            f"Declared by the returning officer, {officer}, on {day}."
            if officer
            else f"Declared on {day}; the returning officer is not named yet.",
        ),
        ("p", "Not signed off yet: a draft until the returning officer signs it off."),
    ]
    return out


def _count_rows(count: dict[str, Any]) -> list[tuple[str, str]]:
    if count.get("method") == "resolution":
        return [
            ("row", "For | Against | Abstain | Votes cast"),
            (
                "row",
                f"{count['for']:,} | {count['against']:,} | {count['abstain']:,} | "
                f"{count['votes_cast']:,}",
            ),
        ]
    stages = count.get("stages")
    if stages:
        names = list(count["candidates"])
        rows = [
            ("p", f"Quota: {count['quota']:,}. Elected: {', '.join(count['elected'])}."),
            ("row", " | ".join(["Stage", "Action", *names, "Non-transferable"])),
        ]
        for stage in stages:
            action = f"{stage['action']} {stage['candidate'] or ''}".strip()
            votes_at = [_figure(stage["votes"].get(name, "")) for name in names]
            rows.append(
                (
                    "row",
                    " | ".join(
                        [
                            str(stage["number"]),
                            action,
                            *votes_at,
                            _figure(stage["non_transferable"]),
                        ]
                    ),
                )
            )
        return rows
    tallies = count.get("counts")
    if isinstance(tallies, dict):
        return [("row", "Option | Votes"), *(("row", f"{k} | {v}") for k, v in tallies.items())]
    return []


def _figure(value: str) -> str:
    """A stage's figure as stored ("49.00000", "12/5") in plain form: "49", "2.40"."""
    try:
        number = Fraction(value)
    except (ValueError, ZeroDivisionError):
        return value
    return f"{int(number):,}" if number.denominator == 1 else f"{float(number):,.2f}"


def markdown(declared: dict[str, Any]) -> str:
    """The declaration as Markdown (member text escaped: names are data, not markup)."""
    out: list[str] = []
    table = False
    for style, text in lines(declared):
        safe = _escape(text)
        if style == "row":
            cells = [_escape(cell) for cell in text.split(" | ")]
            if not table:
                out += ["", "| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]
                table = True
            else:
                out.append("| " + " | ".join(cells) + " |")
            continue
        table = False
        out += ["", {"h1": "# ", "h2": "## ", "p": ""}[style] + safe]
    return "\n".join(out).strip() + "\n"


def _escape(text: str) -> str:
    for mark in "\\`*_[]<>|#":
        text = text.replace(mark, "\\" + mark)
    return text


RESULTS_TITLE = N_("Results: {meeting}")
DECLARED = N_("The returning officer has declared the results of {meeting}:")
FULL = N_("Ask the returning officer for the full declaration, with every count.")


def messages(ctx: Context, declared: dict[str, Any]) -> Iterator[Message]:
    """The declared results to every member on the roll, on their channel and in their
    language (one text per language); the same key each time, so declaring again never
    sends a member the results twice."""
    by_vote = {vote.id: vote for vote in meeting_votes(ctx, declared["meeting"])}
    texts: dict[str, tuple[str, str]] = {}
    for row in paper_store.roll_readers(ctx.db, declared["meeting"]):
        _ = i18n.for_row(ctx, row)
        if _.language not in texts:
            title = _.pick(declared["title"])
            body = [_(DECLARED).format(meeting=title)]
            for item in declared["items"]:
                vote = by_vote.get(item["vote"])
                if vote is not None and vote.result and "electorate" in item:
                    body.append(f"• {_.pick(vote.title)}: {headline_in(vote.result, _)}")
            body += ["", _(FULL)]
            texts[_.language] = (_(RESULTS_TITLE).format(meeting=title), "\n".join(body))
        title, text = texts[_.language]
        yield Message(
            to=Recipient.of(row["member_id"]),
            title=title,
            text=text,
            quiet_hours=True,
            key=f"meeting:{declared['meeting']}:declaration:{row['member_id']}",
            language=_.language,
        )
