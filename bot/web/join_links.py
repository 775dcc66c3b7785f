"""Short join links printed on letters: `GET /j/ABCD-EFGH-...` redirects to the member's
platform link (a t.me deep link), for members who type rather than scan.

Letters print them only when `web.public_url` is set. Opening one spends nothing (chat
apps and browsers fetch links ahead): the platform link it leads to joins, once. A code
that is unknown, used, replaced or expired, or whose member is erased or has no link on
their platform, gets the same plain page naming nobody; such failures count per client
address like sign-in's, and too many in a minute are refused for a minute.
"""

from __future__ import annotations

from aiohttp import web

from bot.invites.files import platform_of
from bot.web.pages import app_of
from bot.web.security import SignInLimit, client_address
from handlers.members import invites

routes = web.RouteTableDef()
LIMIT = web.AppKey("join_limit", SignInLimit)
GONE = (
    "This join link does not work. It may have been used already, replaced by a newer "
    "letter, or it has run out. Please ask us for a new one."
)
TOO_MANY = "Too many join links that did not work, from here. Wait a minute, then try again."
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Join link</title></head>
<body><main><h1>Join link</h1><p>{text}</p></main></body>
</html>
"""


def _plain(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=PAGE.format(text=text), content_type="text/html")


@routes.get("/j/{code}")
async def follow(request: web.Request) -> web.Response:
    app = app_of(request)
    address = client_address(request, app.settings.web.trusted_proxies)
    limit = request.app[LIMIT]
    if limit.blocked(address):
        return _plain(429, TOO_MANY)
    token = invites.typed_token(request.match_info["code"])
    group = invites.live_constituency(app.ctx, token) if token else None
    template = app.ctx.join_links.get(platform_of(app.settings, group)) if group else None
    if token is None or template is None:
        limit.failed(address)
        return _plain(404, GONE)
    raise web.HTTPFound(template.format(token=token))
