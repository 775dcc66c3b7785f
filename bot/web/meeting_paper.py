"""A meeting's paper and postal ballots in the console: tellers enter them, as
`mutual-voice meeting paper ID FILE --teller NAME` does, each under their own console
login; where two entries differ the rows are shown (never a choice); the returning officer
accepts one entry or discards them all. Every step calls `handlers.meetings.paper`.

A teller is the signed-in officer, named as on the roster with their id (two officers of
the same name stay two tellers). The entries name members beside their choices, so the
page shows only who entered how many ballots; the form's text is never kept as a draft.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web

from bot.web.pages import app_of, done, failed, in_console_words, render
from bot.web.security import OFFICER
from handlers.meetings import admin, paper
from handlers.meetings.declaration import meeting_votes
from handlers.votes.state import OPEN, Vote
from storage import members
from storage.meetings import paper as paper_store

routes = web.RouteTableDef()
TYPED = "the typed ballots"  # where a typed entry's lines are, in its refusals
ONE = "the ballot"  # the one-ballot form's, in its refusals


def officer_name(request: web.Request, with_id: bool = True) -> str:
    """The signed-in officer by their name on the roster: with their id as a teller (two
    officers of one name stay two tellers), without it on a declaration."""
    officer = request[OFFICER]
    row = members.get(app_of(request).db, officer)
    if not row or not row["name"]:
        return officer
    return f"{row['name']} ({officer})" if with_id else row["name"]


def _page(request: web.Request) -> tuple[str, str]:
    meeting_id = request.match_info["meeting_id"]
    return meeting_id, f"/meetings/{meeting_id}/paper"


def how_to_mark(vote: Vote) -> str:
    """How a teller writes this vote's choice in the choice column."""
    d = vote.definition
    if d.method == "resolution":
        return "for, against or abstain"
    numbered = ", ".join(f"{n} {name}" for n, name in enumerate(d.choices, start=1))
    if d.method in paper.RANKED:
        return f"names or numbers in order of preference, e.g. 2 > 1 ({numbered})"
    if d.method == "approval":
        return f"names or numbers joined by +, e.g. 1 + 3 ({numbered})"
    return f"one name or number ({numbered})"


@routes.get("/meetings/{meeting_id}/paper")
async def show(request: web.Request) -> web.Response:
    ctx = app_of(request).ctx
    meeting_id, _ = _page(request)
    try:
        meeting = admin.show(ctx, meeting_id)
        entries = paper.waiting(ctx, meeting_id)
    except admin.MeetingProblem:
        raise web.HTTPNotFound(text="No such meeting.") from None
    votes: list[dict[str, Any]] = [
        {"vote": v, "marks": how_to_mark(v), **paper_store.counts(ctx.db, v.id)}
        for v in meeting_votes(ctx, meeting_id)
    ]
    me = officer_name(request)
    return render(
        request,
        "meeting_paper.html",
        meeting=meeting,
        votes=votes,
        taking=[v["vote"] for v in votes if v["vote"].status == OPEN],
        origins=paper.ORIGINS,
        entries=entries["entries"],
        differences=entries["differences"],
        mine=any(e["teller"] == me for e in entries["entries"]),
        me=me,
        columns=", ".join(paper.COLUMNS),
    )


@routes.post("/meetings/{meeting_id}/paper")
async def enter(request: web.Request) -> web.Response:
    """A teller's entry: an uploaded CSV file, else the ballots typed in the box."""
    form = await request.post()
    ctx = app_of(request).ctx
    meeting_id, page = _page(request)
    file = form.get("file")
    if isinstance(file, web.FileField) and file.filename:
        source = file.filename
        try:
            text = file.file.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise failed(request, page, f"Not entered: {source}: not UTF-8 text") from None
    else:
        source, text = TYPED, str(form.get("csv", ""))
        if not text.strip():
            raise failed(request, page, "Not entered: choose the CSV file, or type the ballots.")
        if not has_header(text):  # typed without the header line
            text = ",".join(paper.COLUMNS) + "\n" + text
    try:
        rows = paper.read_csv(ctx, meeting_id, text, source)
        if not rows:
            raise admin.MeetingProblem(f"{source}: no ballots in it")
        entered = paper.enter(ctx, meeting_id, officer_name(request), rows)
    except admin.MeetingProblem as error:
        raise failed(request, page, f"Not entered: {error}") from None
    raise done(request, page, said(entered))


@routes.post("/meetings/{meeting_id}/paper/one")
async def one(request: web.Request) -> web.Response:
    """One ballot added to the teller's entry, from the form's fields as a CSV row."""
    form = await request.post()
    ctx = app_of(request).ctx
    meeting_id, page = _page(request)
    text = io.StringIO()
    csv.writer(text).writerows([paper.COLUMNS, [str(form.get(c, "")) for c in paper.COLUMNS]])
    try:
        [row] = paper.read_csv(ctx, meeting_id, text.getvalue(), ONE)
        entered = paper.add_ballot(ctx, meeting_id, officer_name(request), row)
    except admin.MeetingProblem as error:
        why = str(error).replace(f"{ONE}: line 2: ", "")
        raise failed(request, f"{page}#one-ballot", f"Not entered: {why}") from None
    raise done(
        request,
        f"{page}#one-ballot",
        f"Added vote {row['vote']}, member {row['member']} to your entry.\n"
        + said(entered, brief=True),
    )


@routes.post("/meetings/{meeting_id}/paper/accept")
async def accept(request: web.Request) -> web.Response:
    """The returning officer counts one teller's entry as it stands (`--accept`)."""
    form = await request.post()
    meeting_id, page = _page(request)
    try:
        counted = paper.accept(
            app_of(request).ctx, meeting_id, str(form.get("teller", "")), officer_name(request)
        )
    except admin.MeetingProblem as error:
        raise failed(request, page, f"Not counted: {error}") from None
    raise done(request, page, said(counted))


@routes.post("/meetings/{meeting_id}/paper/discard")
async def discard(request: web.Request) -> web.Response:
    """The returning officer discards every entry waiting, to be entered again."""
    meeting_id, page = _page(request)
    try:
        discarded = paper.discard(app_of(request).ctx, meeting_id, officer_name(request))
    except admin.MeetingProblem as error:
        raise failed(request, page, f"Not discarded: {error}") from None
    raise done(request, page, said(discarded))


def has_header(text: str) -> bool:
    """Whether typed ballots start with the header line (its first cell is "vote")."""
    first = next(csv.reader([text.lstrip().splitlines()[0]]), [])
    return bool(first) and first[0].strip().lower() == "vote"


def said(outcome: dict[str, Any], brief: bool = False) -> str:
    """What an entry, a count or a discard came to, in the CLI's words put for the console
    (`brief`: where entries differ, without the rows, which the page lists)."""
    if brief and outcome["status"] == "differ":
        first = paper.describe(outcome)[0].rstrip(":")
        return in_console_words(f"{first}. The rows that differ are listed on this page.")
    # The note keeps line breaks but not indents: a vote's reasons are marked instead.
    lines = [
        f"– {line.strip()}" if line.startswith("    ") else line.strip()
        for line in paper.describe(outcome)
    ]
    return in_console_words("\n".join(lines))
