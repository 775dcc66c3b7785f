"""GET /healthz: the status as JSON, for a load balancer or a monitor; no sign-in.

It says what `mutual-voice status --json` says (no member's data): 200 while the bot
runs, 503 when it does not (a console served alone, with no bot on its database)."""

from __future__ import annotations

import os

from aiohttp import web

from bot import status
from bot.web.pages import APP
from storage.db import file_of
from storage.lock import running_pid

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP]
    if app.scheduler is not None:  # served by the running bot itself
        pid: int | None = os.getpid()
    else:
        path = file_of(app.db)
        pid = running_pid(path) if path else None
    found = status.collect(app, pid)
    return web.json_response(found, status=200 if found["alive"] else 503)
