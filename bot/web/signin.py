"""Signing in with a one-time link, and signing out.

Opening a link only shows a button: chat apps fetch links to preview them, and such a
fetch must not spend the link. Pressing the button (a POST) spends it.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.web import jobs
from bot.web.drafts import DRAFTS
from bot.web.pages import APP, app_of, render
from bot.web.security import (
    KEPT,
    OFFICER,
    PRE_COOKIE,
    SESSION,
    SESSION_COOKIE,
    SignInLimit,
    client_address,
    csrf_token,
    same_token,
)
from handlers.console import signin as console
from storage.console.queries import digest

routes = web.RouteTableDef()
LIMIT = web.AppKey("signin_limit", SignInLimit)
GONE = (
    "This sign-in link has already been used or has expired. Send /console to the bot "
    "for a new one."
)


def refuse(request: web.Request) -> web.Response:
    """What a visitor without a live session sees instead of a page."""
    return render(request, "signin_needed.html", status=401, kept=request.get(KEPT, False))


def _address(request: web.Request) -> str:
    return client_address(request, app_of(request).settings.web.trusted_proxies)


def _limited(request: web.Request) -> web.Response | None:
    if not request.app[LIMIT].blocked(_address(request)):
        return None
    return render(
        request,
        "message.html",
        status=429,
        heading="Too many tries",
        text="Too many sign-in links that did not work, from here. Wait a minute, then try again.",
        error=True,
    )


def _cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=app_of(request).settings.web.secure,
        path="/",
    )


@routes.get("/signin")
async def how_to(request: web.Request) -> web.Response:
    return refuse(request)


@routes.get("/signin/{token}")
async def confirm(request: web.Request) -> web.Response:
    """Only a page with a button: a chat app's preview spends and counts nothing."""
    pre = secrets.token_urlsafe(16)
    response = render(
        request, "signin.html", token=request.match_info["token"], pre=csrf_token(pre)
    )
    _cookie(request, response, PRE_COOKIE, pre)
    return response


@routes.post("/signin")
async def sign_in(request: web.Request) -> web.Response:
    if (refused := _limited(request)) is not None:
        return refused
    form = await request.post()
    pre = request.cookies.get(PRE_COOKIE, "")
    if not pre or not same_token(str(form.get("csrf", "")), csrf_token(pre)):
        raise web.HTTPForbidden(text="This form did not come from the console's sign-in page.")
    started = console.sign_in(request.app[APP].ctx, str(form.get("token", "")))
    if started is None:
        request.app[LIMIT].failed(_address(request))
        return render(
            request, "message.html", status=403, heading="Link not valid", text=GONE, error=True
        )
    # A form the officer sent when their last session had ended: back to it.
    response = web.HTTPSeeOther(request.app[DRAFTS].page(started[1]) or "/")
    _cookie(request, response, SESSION_COOKIE, started[0])
    response.del_cookie(PRE_COOKIE, path="/")
    raise response


@routes.post("/signout")
async def sign_out(request: web.Request) -> web.Response:
    console.sign_out(app_of(request).ctx, request[SESSION], request[OFFICER])
    jobs.forget(request.app, session=request[SESSION])
    response = web.HTTPSeeOther("/signed-out")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/sessions")
async def sessions(request: web.Request) -> web.Response:
    """The officer's own sessions, and signing out everywhere."""
    rows = console.sessions(app_of(request).ctx, request[OFFICER])
    this = digest(request[SESSION])
    return render(request, "sessions.html", sessions=rows, this=this)


@routes.post("/signout/everywhere")
async def sign_out_everywhere(request: web.Request) -> web.Response:
    console.sign_out_everywhere(app_of(request).ctx, request[OFFICER])
    jobs.forget(request.app, officer=request[OFFICER])
    response = web.HTTPSeeOther("/signed-out")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/signed-out")
async def signed_out(request: web.Request) -> web.Response:
    return render(
        request,
        "message.html",
        heading="Signed out",
        text="You are signed out. Send /console to the bot when you want to sign in again.",
    )
