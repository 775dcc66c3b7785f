"""Creating a general meeting in the console, as `meeting create FILE` does: the officer
uploads the meeting's TOML file and sees a preview first (when and where, the notice
date, the roll by constituency, whom the notice reaches on which channel, or the rules'
refusal), then gives notice and creates it.

The preview is `admin.preview`: the create itself, run and undone, so its figures are
the create's own. The file's text rides in the preview's form, so what is created is
what was previewed.
"""

from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.web.pages import actor, app_of, done, failed, in_console_words, post_in_parts, render
from handlers.context import Context
from handlers.meetings import admin
from handlers.meetings.notice import notices
from handlers.votes.state import local_time, when
from surveys.meetings.definitions import Meeting, MeetingError, parse_meeting
from surveys.toml_reader import parse_toml

routes = web.RouteTableDef()
LISTING = "/meetings"
CHANNELS = {
    "telegram": "Telegram",
    "slack": "Slack",
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "email": "e-mail",
}


def meeting_of(ctx: Context, text: str, source: str) -> Meeting:
    """The meeting file's text checked as `load_meeting_file` checks the file."""
    data = parse_toml(text, source, MeetingError)
    return parse_meeting(data, source, ctx.policy.organisation.timezone)


async def uploaded(request: web.Request) -> tuple[str, str]:
    """The uploaded meeting file (text, name), or back to the list saying what is missing."""
    form = await request.post()
    file = form.get("file")
    if not isinstance(file, web.FileField) or not file.filename:
        raise failed(request, LISTING, "Not created: choose the meeting's file (TOML).")
    try:
        return file.file.read().decode("utf-8-sig"), file.filename
    except UnicodeDecodeError:
        raise failed(
            request, LISTING, f"Not created: {file.filename}: not UTF-8 text: save it as UTF-8"
        ) from None


@routes.post("/meetings/preview")
async def preview(request: web.Request) -> web.Response:
    app = app_of(request)
    ctx = app.ctx
    text, source = await uploaded(request)
    try:
        meeting = meeting_of(ctx, text, source)
    except MeetingError as error:
        raise failed(request, LISTING, f"Not created: {error}") from None
    try:
        shown, refusal = admin.preview(ctx, meeting, actor(request)), ""
    except admin.MeetingProblem as error:
        shown, refusal = {}, in_console_words(f"{source}: {error}")
    reach = app.postman.channels(m["member_id"] for m in shown.get("roll", []))
    today: date = local_time(ctx, ctx.now()).date()
    return render(
        request,
        "meeting_create.html",
        meeting=meeting,
        when=when(ctx, meeting.starts),
        notice_given=(meeting.notice_given or today).isoformat(),
        shown=shown,
        reach=[(CHANNELS.get(name, name), n) for name, n in sorted(reach.items()) if name],
        unreached=reach.get("", 0),
        refusal=refusal,
        text=text,
        source=source,
    )


@routes.post("/meetings/create")
async def create(request: web.Request) -> web.Response:
    """Give notice and create: what `meeting create` does, the notices posted in parts."""
    form = await request.post()
    app = app_of(request)
    ctx = app.ctx
    text, source = str(form.get("meeting", "")), str(form.get("source", "")) or "meeting.toml"
    try:
        shown = admin.create_meeting(ctx, meeting_of(ctx, text, source), actor(request))
    except MeetingError as error:
        raise failed(request, LISTING, f"Not created: {error}") from None
    except admin.MeetingProblem as error:
        raise failed(request, LISTING, f"Not created: {source}: {error}") from None
    queued = await post_in_parts(app, notices(ctx, shown["meeting"]))
    unreached = shown["eligible"] - queued
    raise done(
        request,
        f"/meetings/{shown['meeting']}",
        f"Created meeting {shown['meeting']}; its roll is fixed on the notice date. Notice "
        f"queued to {queued:,} members on their channels"
        + (f" ({unreached:,} not connected to the bot yet)." if unreached > 0 else "."),
    )
