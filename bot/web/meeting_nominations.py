"""A meeting's nominations in the console: the period (open it now, close it early), each
seat's nominations with their statements and seconders, the officer's confirmation or
rejection of each, and each seat's election.

Every action calls the handler the CLI calls (`meeting nominations`, `candidates`,
`election`), which checks it, audits it and words any refusal; members' statements are
shown as text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.app import App
from bot.web.pages import actor, app_of, done, failed, post_in_parts, render
from handlers.meetings import nominations as nominating
from handlers.votes.state import when
from surveys.wording import plural

routes = web.RouteTableDef()


def _page(request: web.Request) -> tuple[str, str]:
    meeting_id = request.match_info["meeting_id"]
    return meeting_id, f"/meetings/{meeting_id}/nominations"


@routes.get("/meetings/{meeting_id}/nominations")
async def show(request: web.Request) -> web.Response:
    ctx, meeting_id = app_of(request).ctx, request.match_info["meeting_id"]
    try:
        found = nominating.stored(ctx, meeting_id)
        shown = nominating.candidates(ctx, meeting_id)
    except nominating.NominationProblem:
        raise web.HTTPNotFound(text="No such meeting.") from None
    elections = {
        seat.id: nominating.election_of(ctx, meeting_id, seat.id) for seat in found.meeting.seats
    }
    return render(
        request,
        "meeting_nominations.html",
        meeting=found.meeting,
        rules=found.rules.nominations,
        shown=shown,
        elections=elections,
        status_words=nominating.STATUS_WORDS,
        would_close=ctx.now() + timedelta(days=found.rules.nominations.period_days),
        plural=plural,
    )


@routes.post("/meetings/{meeting_id}/nominations/open")
async def open_period(request: web.Request) -> web.Response:
    """Open nominations for the rules' period, as `meeting nominations --open`."""
    app, (meeting_id, page) = app_of(request), _page(request)
    try:
        _period, notices = nominating.open_nominations(app.ctx, meeting_id, actor(request))
    except nominating.NominationProblem as error:
        raise failed(request, page, f"Not opened: {error}.") from None
    told = await post_in_parts(app, notices)
    period = nominating.period_of(app.ctx, meeting_id)
    raise done(
        request,
        page,
        f"Nominations are open until {_local(app, period['closes_at'])}; "
        f"the notice is queued to {plural(told, 'member')} who may stand.",
    )


@routes.post("/meetings/{meeting_id}/nominations/close")
async def close_period(request: web.Request) -> web.Response:
    """Close nominations now, before their time, as `meeting nominations --close`."""
    app, (meeting_id, page) = app_of(request), _page(request)
    try:
        told = nominating.close_nominations(app.ctx, meeting_id, actor(request))
    except nominating.NominationProblem as error:
        raise failed(request, page, f"Not closed: {error}.") from None
    app.postman.post(told)
    raise done(request, page, "Nominations are closed. Confirm or reject each nomination below.")


@routes.post("/meetings/{meeting_id}/nominations/decide")
async def decide(request: web.Request) -> web.Response:
    """Confirm or reject one nomination, as `meeting candidates --confirm/--reject`."""
    form = await request.post()
    app, (meeting_id, page) = app_of(request), _page(request)
    member_id = str(form.get("member", "")).strip()
    seat_id = str(form.get("seat", "")).strip() or None
    decision = form.get("decision")
    if not member_id or decision not in ("confirm", "reject"):
        raise failed(request, page, "Not decided: choose a nomination and Confirm or Reject.")
    confirm = decision == "confirm"
    try:
        told = nominating.decide(
            app.ctx, meeting_id, member_id, seat_id, confirm, actor(request),
            str(form.get("reason", "")),
        )  # fmt: skip
    except nominating.NominationProblem as error:
        # The CLI's advice put as the console's: the reason's box, the vote's own page.
        reason = str(error).replace(" (--reason)", "")
        reason = re.sub(r" \(mutual-voice vote cancel \S+\)", " on its page", reason)
        said = f"Not {'confirmed' if confirm else 'rejected'}: {reason}."
        raise failed(request, page, said) from None
    app.postman.post(told)
    raise done(
        request, page, f"{'Confirmed' if confirm else 'Rejected'} {member_id}; they are told."
    )


@routes.post("/meetings/{meeting_id}/nominations/election")
async def election(request: web.Request) -> web.Response:
    """Create a seat's election vote, as `meeting election`; then to the vote's page."""
    form = await request.post()
    app, (meeting_id, page) = app_of(request), _page(request)
    seat_id = str(form.get("seat", "")).strip()
    zone = app.ctx.policy.organisation.timezone
    try:
        closes = _moment(str(form.get("closes", "")), "closes", zone)
        opens_text = str(form.get("opens", "")).strip()
        opens = _moment(opens_text, "opens", zone) if opens_text else None
        if closes is None:
            raise nominating.NominationProblem("give the date and time voting closes")
        vote = nominating.create_election(
            app.ctx, meeting_id, seat_id, opens, closes, actor(request)
        )
    except nominating.NominationProblem as error:
        raise failed(request, page, f"Election not created: {error}.") from None
    d = vote.definition
    opening = (
        f"it opens {_local(app, d.opens)}" if d.opens else "open it below when voting should start"
    )
    raise done(
        request,
        f"/votes/{vote.id}",
        f"Created {vote.id}: {plural(len(d.options), 'candidate')} for "
        f"{plural(d.seats, 'place')}; {opening}, and it closes {_local(app, d.closes)}. "
        "The candidates and their statements go to the electorate when it opens.",
    )


def _moment(text: str, field: str, zone: str) -> datetime | None:
    """A date and time from the form; without a UTC offset, in the organisation's zone."""
    if not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise nominating.NominationProblem(
            f"{field}: {text!r} is not a date and time like 2027-03-18T17:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


def _local(app: App, moment: datetime | str | None) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return when(app.ctx, moment) if moment else ""
