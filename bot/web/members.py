"""Members: the list and search, roster import with a preview, invites, export and erasure."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import io
import json
import secrets
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from aiohttp import web

from bot.app import App
from bot.scheduler import let_others_run
from bot.spreadsheet import csv_bytes
from bot.web import jobs, paging
from bot.web.pages import actor, app_of, done, in_console_words, render
from bot.web.security import SESSION, same_token
from handlers.context import Context
from handlers.members import data as member_data
from handlers.members import invites, reach, roster
from handlers.members import listing as member_list
from storage import members as member_rows
from storage.console.queries import digest
from storage.db import file_of, open_reader

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

routes = web.RouteTableDef()


# A previewed roster waits here for Apply, one per session (a new preview replaces it):
# the page carries only its id, not 10 MB of CSV to send back and parse again.
UPLOADS = web.AppKey("roster_uploads", dict)


async def _roster_text(request: web.Request) -> str:
    """The roster from the upload (a file), a previewed one (its id) or the form's text box."""
    form = await request.post()
    upload = form.get("file")
    if isinstance(upload, web.FileField) and upload.filename:
        raw = upload.file.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise roster.RosterError("the file is not UTF-8 text: save it as CSV UTF-8") from None
    if form.get("upload"):
        kept = request.app[UPLOADS].get(digest(request[SESSION]))
        if kept is None or not same_token(str(form["upload"]), kept[0]):
            raise roster.RosterError("that preview has expired: choose the file again")
        return kept[1]
    return str(form.get("csv", ""))


def _keep(request: web.Request, text: str) -> str:
    """Keep a previewed roster for Apply; its id."""
    upload = secrets.token_hex(16)
    request.app[UPLOADS][digest(request[SESSION])] = (upload, text)
    return upload


@routes.get("/members")
async def listing(request: web.Request) -> web.Response:
    """A page of members, filtered; read off the event loop."""
    chosen, number = paging.filter_of(request.query), paging.number_of(request.query)

    def read(ctx: Context) -> tuple[member_list.Page, list[str]]:
        return member_list.page(ctx, chosen, number), member_list.constituencies(ctx)

    shown, groups = await reading(app_of(request), read)
    return render(
        request,
        "members.html",
        constituencies=groups,
        **paging.values("/members", chosen, shown),
    )


@routes.get("/members/import")
async def import_form(request: web.Request) -> web.Response:
    return render(request, "roster.html", preview=None, error=None, upload="")


async def reading(app: App, work: Callable[[Context], T]) -> T:
    """`work` in a thread with a read-only connection of its own, off the event loop: the
    bot answers everyone else meanwhile. (A database in memory has no second connection:
    then it runs here.)"""
    path = file_of(app.db)
    if path is None:
        return work(app.ctx)

    def run() -> T:
        reader = open_reader(path)
        try:
            return work(dataclasses.replace(app.ctx, db=reader))
        finally:
            reader.close()

    return await asyncio.to_thread(run)


_collection_lock = threading.Lock()
_collection_paused = 0  # big uploads under way; while any is, Python's cycle collector waits


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Hold Python's cycle collector while a big upload is read and written.

    Parsing 100,000 rows makes hundreds of thousands of objects; each full collection
    then walks them all, holding the interpreter lock for 100-300 ms whichever thread
    triggered it, so the event loop (every other officer, every member's message) waits.
    Those objects hold no cycles: reference counting frees them anyway. The collector
    runs again as soon as the last upload under way is done.
    """
    global _collection_paused
    with _collection_lock:
        _collection_paused += 1
        gc.disable()
    try:
        yield
    finally:
        with _collection_lock:
            _collection_paused -= 1
            if not _collection_paused:
                gc.enable()


def collecting_later(handler: Handler) -> Handler:
    """`handler` with the cycle collector held (`collection_paused`)."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        with collection_paused():
            return await handler(request)

    return wrapped


@routes.post("/members/import")
@collecting_later
async def import_preview(request: web.Request) -> web.Response:
    """Check the roster and show what would change; nothing is written yet."""
    try:
        text = await _roster_text(request)
        if not text.strip():
            raise roster.RosterError("choose a CSV file to upload")
        found = await reading(app_of(request), lambda ctx: roster.preview(ctx, io.StringIO(text)))
    except roster.RosterError as error:
        return render(request, "roster.html", status=400, preview=None, error=str(error), upload="")
    status = 400 if found.problems else 200
    upload = "" if found.problems else _keep(request, text)
    return render(request, "roster.html", status=status, preview=found, error=None, upload=upload)


@routes.post("/members/import/apply")
async def import_apply(request: web.Request) -> web.Response:
    """Start the import as a job: checked off the event loop, then written a part at a time,
    with its progress on a page of its own."""
    app = app_of(request)
    with collection_paused():
        try:
            text = await _roster_text(request)
        except roster.RosterError as error:
            return render(
                request, "roster.html", status=400, preview=None, error=str(error), upload=""
            )
    request.app[UPLOADS].pop(digest(request[SESSION]), None)
    officer = actor(request)

    async def work(job: jobs.Job) -> None:
        with collection_paused():
            job.stage = "Checking the file…"
            check = await reading(app, lambda ctx: roster.check_roster(ctx, io.StringIO(text)))
            checked, problems = check
            if problems:
                raise jobs.JobFailed(_not_imported(problems))
            good, skipped = await reading(app, lambda ctx: roster.leave_out_erased(ctx, checked))
            job.total, job.stage = len(good), ""
            for _ in roster.apply_in_parts(app.ctx, good, len(skipped), officer):
                job.advance(roster.PART)
                await let_others_run()
            imported = len(good)
            del good  # freed now, before the collector runs again
        left_out = f", left out {_members(len(skipped), 'erased ')}" if skipped else ""
        job.summary = f"Imported {_members(imported)}{left_out}."

    raise jobs.start(
        request, "Importing the roster", "members", 0, ("/members", "Go to members"), work
    )


def _members(count: int, kind: str = "") -> str:
    return f"{count:,} {kind}{'member' if count == 1 else 'members'}"


def _not_imported(problems: list[roster.RowProblem]) -> str:
    """Why nothing was imported, and what to do, in one paragraph."""
    first = "; ".join(f"line {p.line}: {p.reason}" for p in problems[:5])
    more = f"; and {len(problems) - 5:,} more" if len(problems) > 5 else ""
    lines = "1 line needs" if len(problems) == 1 else f"{len(problems):,} lines need"
    return (
        f"{lines} fixing, so nothing was imported ({first}{more}). Fix them in the file, "
        "then choose it again under Import a roster to see every line that needs fixing."
    )


SHOWN_INVITES = 200  # more than this many new invites come as a table to download
INVITE_PART = 100  # invites drawn and stored per transaction: some 10-20 ms of the loop each


@routes.post("/members/invite")
@collecting_later  # tens of thousands of invites in memory: no full collections meanwhile
async def invite(request: web.Request) -> web.StreamResponse:
    """Invites for the members ticked, or for every member matching the filter not yet
    connected; after a warning if they would stop earlier invites not yet used (and, for
    all matching, after saying how many)."""
    form = await request.post()
    app = app_of(request)
    everyone = form.get("scope") == "all"
    if everyone:
        chosen = paging.filter_of(form)
        wanted = await reading(app, lambda ctx: _unconnected_matching(ctx, chosen))
        fields = [("scope", "all"), *paging.filter_fields(chosen)]
        if not wanted:
            text = (
                "No member matching this filter is waiting to connect, so no invites were issued."
            )
            return render(
                request, "message.html", status=400, heading="No invites", text=text, error=True
            )
    else:
        wanted = list(
            dict.fromkeys(m for m in form.getall("member", []) if isinstance(m, str) and m)
        )
        fields = [("member", member_id) for member_id in wanted]
        if not wanted:
            text = "Nobody was ticked, so no invites were issued. Tick the members to invite."
            return render(
                request, "message.html", status=400, heading="No invites", text=text, error=True
            )
        try:
            invites.prepare(app.ctx, wanted)  # refuses an unknown or erased member
        except invites.InviteError as error:
            return render(
                request,
                "message.html",
                status=400,
                heading="No invites",
                text=str(error),
                error=True,
            )
    live = await reading(app, lambda ctx: invites.still_live(ctx, wanted))
    if (live or everyone) and form.get("confirm") != "yes":
        return confirm_replacing(request, live, len(wanted), "/members/invite", fields)
    try:
        issued = await _issue_in_parts(app, wanted, actor(request))
    except invites.InviteError as error:  # erased while the invites were being issued
        return render(
            request, "message.html", status=400, heading="No invites", text=str(error), error=True
        )
    if len(issued) <= SHOWN_INVITES:
        return render(request, "invites.html", issued=issued)
    body = await asyncio.to_thread(invite_table, issued)
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="invites.csv"'},
    )


def invite_table(issued: list[invites.Invite]) -> bytes:
    """The new invites as a spreadsheet: one row per member with their link."""
    return csv_bytes(
        ["member_id", "name", "constituency", "link", "expires_at"],
        (
            [
                i.member_id,
                i.name,
                i.constituency,
                i.links.get("telegram") or f"send the bot: JOIN {i.code}",
                i.expires_at.isoformat(),
            ]
            for i in issued
        ),
    )


def _unconnected_matching(ctx: Context, chosen: paging.Filter) -> list[str]:
    return [
        m for part in member_list.matching(ctx, chosen) for m in member_list.unconnected(ctx, part)
    ]


async def _issue_in_parts(app: App, member_ids: list[str], by: str) -> list[invites.Invite]:
    """Prepare and store the invites a part at a time, each part its own transaction, so
    the bot answers others meanwhile (tens of thousands take seconds)."""
    issued: list[invites.Invite] = []
    for start in range(0, len(member_ids), INVITE_PART):
        prepared = invites.prepare(app.ctx, member_ids[start : start + INVITE_PART])
        invites.record(app.ctx, prepared, by)
        issued += prepared
        await let_others_run()
    return issued


def confirm_replacing(
    request: web.Request, live: int, count: int, action: str, fields: list[tuple[str, str]]
) -> web.Response:
    """The page that says how many earlier invites would stop working, and asks first."""
    return render(
        request,
        "invite_confirm.html",
        warning=invites.replacing(live) if live else "",
        count=count,
        action=action,
        fields=fields,
        back="/members/joining" if action == "/members/letters" else "/members",
    )


@routes.get("/members/{member_id}")
async def show(request: web.Request) -> web.Response:
    ctx = app_of(request).ctx
    row = _member(request)
    links = member_rows.identities_of(ctx.db, row["member_id"])
    reached = reach.of_members(ctx, [row["member_id"]]).get(row["member_id"], reach.NOWHERE)
    return render(request, "member.html", row=row, links=links, reach=str(reached))


@routes.get("/members/{member_id}/export")
async def export(request: web.Request) -> web.Response:
    member_id = _member(request)["member_id"]
    data = member_data.export(app_of(request).ctx, member_id, actor(request))
    return web.Response(
        text=json.dumps(data, indent=2, sort_keys=True, default=str),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{member_id}.json"'},
    )


@routes.get("/members/{member_id}/erase")
async def erase_confirm(request: web.Request) -> web.Response:
    return render(request, "erase.html", row=_member(request), error=None)


@routes.post("/members/{member_id}/erase")
async def erase(request: web.Request) -> web.Response:
    row = _member(request)
    form = await request.post()
    if str(form.get("confirm", "")).strip() != row["member_id"]:
        error = f"Type {row['member_id']} to confirm, exactly as shown."
        return render(request, "erase.html", status=400, row=row, error=error)
    member_data.erase(app_of(request).ctx, row["member_id"], actor(request))
    raise done(
        request,
        f"/members/{row['member_id']}",
        f"Erased {row['member_id']}: personal data and connections removed; anonymous "
        "results kept.",
    )


def _member(request: web.Request) -> dict:
    try:
        return member_data.existing(app_of(request).ctx, request.match_info["member_id"])
    except member_data.NoSuchMember as error:
        raise web.HTTPNotFound(text=in_console_words(str(error))) from None
