"""What every console request passes through: headers, the session, CSRF, sign-in limits.

The session id lives only in an HttpOnly, SameSite=Strict cookie; the database keeps
its hash. Every form carries a CSRF token derived from the session, so a page on
another site cannot make a signed-in officer's browser change anything. Every answer,
error pages included, carries the same security headers (`on_prepare`), and the
`Server` header names no version. Failed sign-in tokens are counted per client address:
behind a reverse proxy listed in `web.trusted_proxies`, the address it forwards.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from handlers.console import signin as console

SESSION_COOKIE = "mv_session"
PRE_COOKIE = "mv_signin"  # the sign-in form's own CSRF cookie, before there is a session
# The member's page (/m/) and one-click unsubscribe (/u/) are their links' alone: no
# officer's session; the page has its own CSRF token.
OPEN_PATHS = ("/signin", "/static/", "/signed-out", "/healthz", "/j/", "/u/", "/m/")
SIGNIN_LIMIT = 10  # failed sign-in tokens per address per minute
AUTO = "auto"  # ?auto=1: a page refreshing itself, which is not the officer's activity
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
    "Server": "Mutual Voice",  # aiohttp's default names its version and Python's
}
HSTS = "max-age=31536000; includeSubDomains"
log = logging.getLogger(__name__)
OFFICER = web.RequestKey("officer", str)  # "" when nobody is signed in
SESSION = web.RequestKey("session", str)
KEPT = web.RequestKey("kept", bool)  # a form posted after its session ended was kept
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_token(secret: str) -> str:
    return hashlib.sha256(f"csrf:{secret}".encode()).hexdigest()


def same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def on_prepare(secure: bool) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """Security headers on every answer the application sends, errors included."""

    async def protect(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(HEADERS)
        if secure:
            response.headers["Strict-Transport-Security"] = HSTS
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"

    return protect


def errors(
    render_error: Callable[[web.Request], web.Response],
    render_refusal: Callable[[web.Request, int, str], web.Response] | None = None,
):
    """An unexpected failure is logged and answered with the console's own error page; a
    refusal (not found, forbidden) is shown as an error on a console page too."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as refusal:
            if (
                render_refusal is None
                or refusal.status < 400
                or request.path.startswith("/static/")
            ):
                raise
            return render_refusal(request, refusal.status, refusal.text or refusal.reason)
        except Exception:
            # The route's pattern, not the path: a path can carry a token (/j/CODE, /signin/TOKEN).
            resource = request.match_info.route.resource
            where = resource.canonical if resource is not None else "?"
            log.exception("console: %s %s failed", request.method, where)
            return render_error(request)

    return middleware


def client_address(request: web.Request, trusted: tuple[str, ...]) -> str:
    """Who is asking: the peer, or behind trusted proxies the last address they forwarded
    that is not one of theirs (earlier entries could be made up by the client)."""
    networks = [ipaddress.ip_network(t, strict=False) for t in trusted]
    peer = request.remote or "unknown"

    def is_proxy(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in networks)

    if not networks or not is_proxy(peer):
        return peer
    forwarded = [
        a.strip() for a in request.headers.getall("X-Forwarded-For", []) for a in a.split(",")
    ]
    for address in reversed(forwarded):
        if address and not is_proxy(address):
            return address
    return peer


class SignInLimit:
    """At most `SIGNIN_LIMIT` failed sign-in tokens per address in any minute.

    Only failures count: opening a link (which chat apps do to preview it) costs
    nothing, and an officer signing in is never held up by their colleagues' successes.
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.failures: dict[str, deque[datetime]] = defaultdict(deque)

    def _recent(self, address: str) -> deque[datetime]:
        now = self.clock()
        recent = self.failures[address]
        while recent and recent[0] <= now - timedelta(minutes=1):
            recent.popleft()
        if not recent:
            del self.failures[address]  # kept small: only addresses failing right now
            return deque()
        return recent

    def blocked(self, address: str) -> bool:
        return len(self._recent(address)) >= SIGNIN_LIMIT

    def failed(self, address: str) -> None:
        self.failures[address].append(self.clock())


def session_middleware(
    app_key: web.AppKey,
    refuse: Callable[[web.Request], web.Response],
    keep: Callable[[web.Request, str, Any], bool] | None = None,
):
    """Finds the signed-in officer; anything but the open paths needs one. A form posted
    after the session ended may be kept (`keep`), so that the officer can send it later."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[OFFICER], request[SESSION] = "", ""
        session_id = request.cookies.get(SESSION_COOKIE, "")
        if session_id:
            active = request.query.get(AUTO) != "1"
            officer = console.session_officer(request.app[app_key].ctx, session_id, active)
            if officer is not None:
                request[OFFICER], request[SESSION] = officer, session_id
        if request.path.startswith(OPEN_PATHS):
            return await handler(request)
        if not request[OFFICER]:
            if keep is not None and session_id and request.method == "POST":
                request[KEPT] = keep(request, session_id, await request.post())
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
