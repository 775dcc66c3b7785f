"""Pulses: surveys and rounds, a round's results with charts, sending and closing rounds.

Results come from `handlers.pulses.results.results_of`, as `survey results` prints
them: below the thresholds a figure is not drawn, and the reason is shown instead.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.pages import (
    actor,
    app_of,
    done,
    failed,
    post_in_parts,
    render,
    sms_cost,
    whatsapp_reach,
)
from handlers import channels
from handlers.pulses import admin as pulse_admin
from handlers.pulses.questions import closing_time
from handlers.pulses.results import NoSuchRound, find_round, note, results_of, status
from handlers.pulses.rounds import definition_of
from storage.pulses import queries as pulses
from surveys.pulses.results import QuestionResult

routes = web.RouteTableDef()
DELIVERED = ("sent", "failed", "unreachable")


def bars(round_row: dict[str, Any], result: QuestionResult) -> list[dict[str, Any]]:
    """A question's distribution as labelled bars (percent of those who answered)."""
    if not result.distribution:
        return []
    question = definition_of(round_row).question(result.id)
    labels = dict((value, label) for label, value in question.choices())
    total = sum(result.distribution.values()) or 1
    return [
        {
            "label": labels.get(str(value), str(value)),
            "count": count,
            "percent": round(100 * count / total),
        }
        for value, count in result.distribution.items()
    ]


def trend(request: web.Request, survey_id: str) -> list[dict[str, Any]]:
    """The headline question round by round; None where that round's figure is hidden."""
    ctx = app_of(request).ctx
    points = []
    for round_row in pulses.all_rounds(ctx.db, survey_id):
        found = results_of(ctx, round_row, detail=False)
        first = next((q for q in found.questions if q.kind in ("scale", "enps")), None)
        if first is None:
            return []
        value = first.mean if first.kind == "scale" else first.enps
        points.append(
            {
                "number": round_row["number"],
                "topic": first.topic,
                "value": value,
                "kind": first.kind,
            }
        )
    return points


@routes.get("/pulses")
async def listing(request: web.Request) -> web.Response:
    app = app_of(request)
    return render(
        request,
        "pulses.html",
        surveys=pulse_admin.surveys(app.ctx),
        whatsapp=whatsapp_reach(app),
        sms=sms_cost(app),
    )


@routes.get("/pulses/{survey_id}/{number:\\d+}")
async def results(request: web.Request) -> web.Response:
    ctx = app_of(request).ctx
    survey_id = request.match_info["survey_id"]
    try:
        round_row = find_round(ctx, survey_id, int(request.match_info["number"]))
    except NoSuchRound as error:
        raise web.HTTPNotFound(text=str(error)) from None
    found = results_of(ctx, round_row)
    progress = pulses.invitation_progress(ctx.db, round_row["id"])
    return render(
        request,
        "pulse_round.html",
        round=round_row,
        state=status(ctx, round_row),
        closes=closing_time(ctx, round_row),
        results=found,
        by_channel=channels.line(pulses.channel_turnout(ctx.db, round_row)),
        bars={q.id: bars(round_row, q) for q in found.questions},
        trend=trend(request, survey_id),
        queued=sum(progress.values()),
        delivered=sum(progress.get(s, 0) for s in DELIVERED),
        notes={
            c.language: note(ctx, c) for group in (found.comments or {}).values() for c in group
        },
    )


@routes.post("/pulses/{survey_id}/send")
async def send(request: web.Request) -> web.Response:
    app = app_of(request)
    survey_id = request.match_info["survey_id"]
    try:
        with app.db.atomic():
            round_row, invitations = pulse_admin.send_now(app.ctx, survey_id, actor(request))
    except pulse_admin.PulseError as error:
        raise failed(request, "/pulses", f"Not sent: {error}") from None
    # Thousands of invitations are posted a part at a time: the bot answers others meanwhile.
    queued = await post_in_parts(app, invitations)
    raise done(
        request,
        f"/pulses/{survey_id}/{round_row['number']}",
        f"Opened round {round_row['number']} of {survey_id}: {queued} invitations "
        "queued; the running bot delivers them.",
    )


@routes.post("/pulses/{survey_id}/close")
async def close(request: web.Request) -> web.Response:
    survey_id = request.match_info["survey_id"]
    ctx = app_of(request).ctx
    try:
        closed, parts = pulse_admin.start_closing(ctx, survey_id, actor(request))
        # A round of 67,000 closes in parts; the bot answers between them. A message
        # here means the close cannot go on: the council is told.
        await post_in_parts(app_of(request), parts, part=1)
    except pulse_admin.PulseError as error:
        raise failed(request, "/pulses", f"Not closed: {error}") from None
    if not (pulses.get_round(ctx.db, closed["id"]) or {}).get("closed_at"):
        raise failed(
            request,
            f"/pulses/{survey_id}/{closed['number']}",
            f"Not closed yet: round {closed['number']} of {survey_id} waits because another "
            "program is reading the database file (a backup, a query). The bot tries again "
            "on every tick; the round shows its results once it has closed.",
        )
    raise done(
        request,
        f"/pulses/{survey_id}/{closed['number']}",
        f"Closed round {closed['number']} of {survey_id}.",
    )
