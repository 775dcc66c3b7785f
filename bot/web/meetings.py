"""General meetings in the console: the list, and one meeting live (roll, replies to the
notice, attendance, quorum) with the tellers' check-in form.

The meeting's page refreshes itself (without JavaScript too, as the jobs' pages do), so
the figures on a screen at the door stay current; a refresh is not the officer's
activity (?auto=1). The check-in form calls the same `attendance.check_in` as the CLI.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.pages import actor, app_of, done, failed, post_in_parts, render
from handlers.meetings import admin, attendance, motions
from handlers.meetings.notice import IN_PERSON, ONLINE
from storage.meetings import queries as store
from surveys.toml_reader import parse_toml
from surveys.votes.definitions import VoteDefinitionError
from surveys.wording import plural

routes = web.RouteTableDef()
REFRESH_SECONDS = 15


@routes.get("/meetings")
async def listing(request: web.Request) -> web.Response:
    ctx = app_of(request).ctx
    rows = [
        {**row, "eligible": sum(store.roll_sizes(ctx.db, row["meeting_id"]).values())}
        for row in store.all_meetings(ctx.db)
    ]
    return render(request, "meetings.html", rows=rows)


@routes.get("/meetings/{meeting_id}")
async def show(request: web.Request) -> web.Response:
    ctx, meeting_id = app_of(request).ctx, request.match_info["meeting_id"]
    try:
        shown = admin.show(ctx, meeting_id)
    except admin.MeetingProblem:
        raise web.HTTPNotFound(text="No such meeting.") from None
    return render(
        request,
        "meeting.html",
        meeting=shown,
        live=attendance.summary(ctx, meeting_id),
        refresh=REFRESH_SECONDS,
        counting=", ".join(attendance.HOW[kind] for kind in shown["quorum_counts"]),
        motions=store.motions(ctx.db, meeting_id),
    )


@routes.post("/meetings/{meeting_id}/checkin")
async def checkin(request: web.Request) -> web.Response:
    form = await request.post()
    ctx, meeting_id = app_of(request).ctx, request.match_info["meeting_id"]
    page = f"/meetings/{meeting_id}"
    who = str(form.get("member", "")).strip()
    if not who:
        raise failed(request, page, "Not checked in: give the member's id or their letter's code.")
    # A teller may type the member's id or the code on their letter (or scan its QR code).
    member_id = (
        who if store.on_roll(ctx.db, meeting_id, who) else attendance.member_of_code(ctx, who)
    )
    how = ONLINE if form.get("how") == ONLINE else IN_PERSON
    try:
        new, kept = attendance.check_in(ctx, meeting_id, member_id or who, how, actor(request))
    except attendance.CheckInProblem as error:
        raise failed(request, page, f"Not checked in: {error}.") from None
    words = attendance.HOW[kept]
    said = (
        f"Checked in {member_id} ({words})."
        if new
        else f"{member_id} was already checked in ({words})."
    )
    raise done(request, page, said)


@routes.post("/meetings/{meeting_id}/motion")
async def motion(request: web.Request) -> web.Response:
    """The chair puts a motion (its TOML file) to the members checked in, as `meeting motion`."""
    form = await request.post()
    app, meeting_id = app_of(request), request.match_info["meeting_id"]
    page = f"/meetings/{meeting_id}"
    file = form.get("file")
    if not isinstance(file, web.FileField) or not file.filename:
        raise failed(request, page, "Not put: choose the motion's file (TOML).")
    try:
        try:
            text = file.file.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise VoteDefinitionError(
                f"{file.filename}: not UTF-8 text: save it as UTF-8"
            ) from None
        data = parse_toml(text, file.filename, VoteDefinitionError)
        definition = motions.motion_file(app.ctx, meeting_id, data, file.filename)
        vote, ballots = motions.open_motion(app.ctx, meeting_id, definition, actor(request))
    except (VoteDefinitionError, motions.MotionProblem) as error:
        raise failed(request, page, f"Not put: {error}") from None
    queued = await post_in_parts(app, ballots)
    raise done(
        request,
        page,
        f"Put {vote.id} to the members present: {plural(queued, 'message')} sent in chat (a "
        "ballot to each member present, and to each proxy holder present the ballots they "
        "hold). The chair closes it from its page (below, under Motions).",
    )
