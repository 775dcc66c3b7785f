"""The overview page, the digest's chart, and the ladder report."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.web.members import reading
from bot.web.pages import app_of, render
from handlers.console.overview import last_digest, overview
from handlers.digests import chart as charts
from handlers.tiers import report as tier_report

routes = web.RouteTableDef()


def _digest_chart(request: web.Request) -> Path | None:
    """The last council digest's chart, if it is still kept in the charts folder."""
    ctx = app_of(request).ctx
    found = last_digest(ctx)
    if not found or not found["chart"]:
        return None
    path = Path(found["chart"]).resolve()
    folder = charts.chart_dir(ctx).resolve()
    return path if path.parent == folder and path.is_file() else None


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    data = await reading(app_of(request), overview)  # counts over every member: off the loop
    return render(request, "overview.html", data=data, chart=_digest_chart(request) is not None)


@routes.get("/digest-chart")
async def digest_chart(request: web.Request) -> web.StreamResponse:
    path = _digest_chart(request)
    if path is None:
        raise web.HTTPNotFound(text="No digest chart is kept.")
    return web.FileResponse(path, headers={"Content-Type": "image/png"})


@routes.get("/ladder")
async def ladder(request: web.Request) -> web.Response:
    report = await reading(app_of(request), tier_report.report)  # places every member
    return render(request, "ladder.html", report=report)
