"""Members: the list and search, roster import with a preview, invites, export and erasure."""

from __future__ import annotations

import io
import json

from aiohttp import web

from bot.web.pages import actor, app_of, done, render
from handlers.members import data as member_data
from handlers.members import invites, roster
from storage import members as member_rows

routes = web.RouteTableDef()


async def _roster_text(request: web.Request) -> str:
    """The roster from the upload (a file) or the form's text box (after a preview)."""
    form = await request.post()
    upload = form.get("file")
    if isinstance(upload, web.FileField) and upload.filename:
        raw = upload.file.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise roster.RosterError("the file is not UTF-8 text: save it as CSV UTF-8") from None
    return str(form.get("csv", ""))


@routes.get("/members")
async def listing(request: web.Request) -> web.Response:
    search = request.query.get("q", "")
    rows = member_data.listing(app_of(request).ctx, search)
    return render(request, "members.html", rows=rows, search=search)


@routes.get("/members/import")
async def import_form(request: web.Request) -> web.Response:
    return render(request, "roster.html", preview=None, error=None, csv="")


@routes.post("/members/import")
async def import_preview(request: web.Request) -> web.Response:
    """Check the roster and show what would change; nothing is written yet."""
    try:
        text = await _roster_text(request)
        if not text.strip():
            raise roster.RosterError("choose a CSV file to upload")
        found = roster.preview(app_of(request).ctx, io.StringIO(text))
    except roster.RosterError as error:
        return render(request, "roster.html", status=400, preview=None, error=str(error), csv="")
    status = 400 if found.problems else 200
    return render(request, "roster.html", status=status, preview=found, error=None, csv=text)


@routes.post("/members/import/apply")
async def import_apply(request: web.Request) -> web.Response:
    text = await _roster_text(request)
    try:
        report = roster.import_roster(
            app_of(request).ctx, io.StringIO(text), skip_bad=False, actor=actor(request)
        )
    except roster.RosterError as error:
        return render(request, "roster.html", status=400, preview=None, error=str(error), csv="")
    if not report.applied:
        found = roster.preview(app_of(request).ctx, io.StringIO(text))
        return render(request, "roster.html", status=400, preview=found, error=None, csv=text)
    raise done(request, "/members", f"Imported {report.imported} members.")


@routes.post("/members/invite")
async def invite(request: web.Request) -> web.Response:
    """Invites for the members ticked (nobody ticked: none), after a warning if they
    would stop earlier invites not yet used."""
    form = await request.post()
    wanted = list(dict.fromkeys(m for m in form.getall("member", []) if isinstance(m, str) and m))
    if not wanted:
        text = "Nobody was ticked, so no invites were issued. Tick the members to invite."
        return render(request, "message.html", status=400, heading="No invites", text=text)
    ctx = app_of(request).ctx
    try:
        prepared = invites.prepare(ctx, wanted)
    except invites.InviteError as error:
        return render(request, "message.html", status=400, heading="No invites", text=str(error))
    live = invites.still_live(ctx, wanted)
    if live and form.get("confirm") != "yes":
        fields = [("member", member_id) for member_id in wanted]
        return confirm_replacing(request, live, len(wanted), "/members/invite", fields)
    invites.record(ctx, prepared, actor(request))
    return render(request, "invites.html", issued=prepared)


def confirm_replacing(
    request: web.Request, live: int, count: int, action: str, fields: list[tuple[str, str]]
) -> web.Response:
    """The page that says how many earlier invites would stop working, and asks first."""
    return render(
        request,
        "invite_confirm.html",
        warning=invites.replacing(live),
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
    return render(request, "member.html", row=row, links=links)


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
        raise web.HTTPNotFound(text=str(error)) from None
