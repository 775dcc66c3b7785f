"""What every console request passes through: headers, the session, CSRF, sign-in limits.

The session id lives only in an HttpOnly, SameSite=Strict cookie; the database keeps
its hash. Every form carries a CSRF token derived from the session, so a page on
another site cannot make a signed-in officer's browser change anything.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web

from handlers.console import signin as console

SESSION_COOKIE = "mv_session"
PRE_COOKIE = "mv_signin"  # the sign-in form's own CSRF cookie, before there is a session
OPEN_PATHS = ("/signin", "/static/", "/signed-out", "/healthz")
SIGNIN_LIMIT = 10  # attempts per address per minute
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
OFFICER = web.RequestKey("officer", str)  # "" when nobody is signed in
SESSION = web.RequestKey("session", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_token(secret: str) -> str:
    return hashlib.sha256(f"csrf:{secret}".encode()).hexdigest()


def same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        _protect(request, error)
        raise
    _protect(request, response)
    return response


def _protect(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(HEADERS)
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"


class SignInLimit:
    """At most `SIGNIN_LIMIT` sign-in requests per address in any minute."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.seen: dict[str, deque[datetime]] = defaultdict(deque)

    def allow(self, address: str) -> bool:
        now = self.clock()
        recent = self.seen[address]
        while recent and recent[0] <= now - timedelta(minutes=1):
            recent.popleft()
        if len(recent) >= SIGNIN_LIMIT:
            return False
        recent.append(now)
        return True


def session_middleware(app_key: web.AppKey, refuse: Callable[[web.Request], web.Response]):
    """Finds the signed-in officer; anything but the open paths needs one."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[OFFICER], request[SESSION] = "", ""
        session_id = request.cookies.get(SESSION_COOKIE, "")
        if session_id:
            officer = console.session_officer(request.app[app_key].ctx, session_id)
            if officer is not None:
                request[OFFICER], request[SESSION] = officer, session_id
        if request.path.startswith(OPEN_PATHS):
            return await handler(request)
        if not request[OFFICER]:
            return refuse(request)
        if request.method == "POST":
            form = await request.post()
            if not same_token(str(form.get("csrf", "")), csrf_token(session_id)):
                raise web.HTTPForbidden(
                    text="This form has expired or did not come from the "
                    "console. Go back, reload the page and try again."
                )
        return await handler(request)

    return middleware
