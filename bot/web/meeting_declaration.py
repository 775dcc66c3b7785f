"""A meeting's declaration of results in the console, as `mutual-voice meeting declare`
makes it: the page (from the same lines as the Markdown and the PDF, escaped as text),
both downloads, and the returning officer's sign-off after a confirmation page.

Signing off calls `declaration.sign_off`, as the CLI's `--returning-officer NAME
--tell-members` does: recorded once with the declaration as signed, and in the same
transaction the results queued to every member on the roll, in their language.
"""

from __future__ import annotations

import asyncio
import re
from itertools import groupby
from typing import Any

from aiohttp import web

from bot.web.meeting_paper import officer_name
from bot.web.pages import actor, app_of, done, failed, in_console_words, render
from handlers.meetings import admin, attendance, declaration
from storage.meetings import queries as store

routes = web.RouteTableDef()


def _declared(request: web.Request) -> tuple[dict[str, Any] | None, str]:
    """The declaration (None if it cannot be made yet) and why not; 404 if no meeting."""
    ctx, meeting_id = app_of(request).ctx, request.match_info["meeting_id"]
    if store.get(ctx.db, meeting_id) is None:
        raise web.HTTPNotFound(text="No such meeting.")
    try:
        return declaration.declare(ctx, meeting_id, "", attendance.recorded_quorum), ""
    except admin.MeetingProblem as error:
        return None, in_console_words(str(error))


def blocks(declared: dict[str, Any]) -> list[tuple[str, Any]]:
    """The declaration's lines for the page: headings and paragraphs as text, and each run
    of table rows as one table (its first row the header)."""
    out: list[tuple[str, Any]] = []
    for is_table, group in groupby(declaration.lines(declared), key=lambda line: line[0] == "row"):
        if is_table:
            rows = [text.split(" | ") for _, text in group]
            out.append(("table", {"head": rows[0], "body": rows[1:]}))
        else:
            out += list(group)
    return out


@routes.get("/meetings/{meeting_id}/declaration")
async def show(request: web.Request) -> web.Response:
    declared, problem = _declared(request)
    meeting_id = request.match_info["meeting_id"]
    return render(
        request,
        "meeting_declaration.html",
        meeting_id=meeting_id,
        title=admin.show(app_of(request).ctx, meeting_id)["title"],
        declared=declared,
        problem=problem,
        blocks=blocks(declared) if declared else [],
        not_ready=in_console_words(declaration.not_ready(declared) or "") if declared else "",
    )


def _filename(meeting_id: str, suffix: str) -> str:
    return f"declaration-{re.sub(r'[^A-Za-z0-9_-]', '-', meeting_id)}.{suffix}"


def _download(request: web.Request) -> dict[str, Any]:
    declared, problem = _declared(request)
    if declared is None:
        page = f"/meetings/{request.match_info['meeting_id']}/declaration"
        raise failed(request, page, f"No declaration yet: {problem}")
    return declared


@routes.get("/meetings/{meeting_id}/declaration.md")
async def markdown(request: web.Request) -> web.Response:
    declared = _download(request)
    return web.Response(
        text=declaration.markdown(declared),
        content_type="text/markdown",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(declared["meeting"], "md")}"'
        },
    )


@routes.get("/meetings/{meeting_id}/declaration.pdf")
async def pdf(request: web.Request) -> web.Response:
    from bot.cli.declaration_pdf import pdf_bytes  # fpdf only when a PDF is asked for

    declared = _download(request)
    body = await asyncio.to_thread(pdf_bytes, declared)  # pure: no database in the thread
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(declared["meeting"], "pdf")}"'
        },
    )


@routes.get("/meetings/{meeting_id}/declaration/sign-off")
async def confirm(request: web.Request) -> web.Response:
    """What signing off does, asked first; or why it cannot be done yet."""
    declared, problem = _declared(request)
    meeting_id = request.match_info["meeting_id"]
    page = f"/meetings/{meeting_id}/declaration"
    refused = problem or (declaration.not_ready(declared) if declared else "")
    if declared is None or refused:
        raise failed(request, page, f"Not signed off: {refused}")
    return render(
        request,
        "meeting_signoff.html",
        meeting_id=meeting_id,
        title=declared["title"],
        signer=officer_name(request, with_id=False),
        roll=declared["eligible"],
    )


@routes.post("/meetings/{meeting_id}/declaration/sign-off")
async def sign_off(request: web.Request) -> web.Response:
    form = await request.post()
    app, meeting_id = app_of(request), request.match_info["meeting_id"]
    page = f"/meetings/{meeting_id}/declaration"
    if form.get("confirm") != "yes":
        raise failed(request, page, "Not signed off: confirm it on the sign-off page.")
    try:
        with app.db.atomic():  # signed off and the members' results queued together
            declared, told = declaration.sign_off(
                app.ctx,
                meeting_id,
                officer_name(request, with_id=False),
                actor(request),
                attendance.recorded_quorum,
            )
            report = app.postman.post(told)
    except admin.MeetingProblem as error:
        raise failed(request, page, f"Not signed off: {error}") from None
    signed = declared["signed_off"]
    raise done(
        request,
        page,
        f"Signed off by {signed['by']} on {signed['when']}. The results are queued to "
        f"{report.queued:,} members on their channels, each in their language and once"
        + (
            f" ({len(report.not_joined):,} on the roll cannot be reached by the bot)."
            if report.not_joined
            else "."
        ),
    )
