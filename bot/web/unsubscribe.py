"""One-click unsubscribe from e-mail (RFC 8058): the link in each e-mail's
`List-Unsubscribe` header, `/u/TOKEN`.

A POST unsubscribes: the mail provider's one-click button posts
`List-Unsubscribe=One-Click` with no cookie and no form of ours, so none is asked for
(the token, which only that e-mail holds, is the proof). The address gets no more
e-mail: the opt-out is kept apart from the roster (an import does not undo it), the
identity is marked unreachable with the reason (the officer sees it with the others),
and what was waiting for it is given up. A GET only shows a page with the button: link
scanners and previews fetch links, and must unsubscribe nobody. The page is in the
member's language and names nobody when the token is unknown; failed tokens count per
client address like join links'.
"""

from __future__ import annotations

import html

from aiohttp import web

from bot.adapters.email import words
from bot.web.pages import app_of
from bot.web.security import SignInLimit, client_address
from handlers import i18n
from storage import email, members, outbox

routes = web.RouteTableDef()
LIMIT = web.AppKey("unsubscribe_limit", SignInLimit)
PAGE = """<!doctype html>
<html lang="{language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1>
{body}
</main></body>
</html>
"""


def _page(status: int, language: str, title: str, body: str) -> web.Response:
    text = PAGE.format(language=html.escape(language), title=html.escape(title), body=body)
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _target(request: web.Request) -> tuple[str, str] | None | web.Response:
    """(member id, address) for the token, or the refusal page to answer with."""
    app = app_of(request)
    address = client_address(request, app.settings.web.trusted_proxies)
    limit = request.app[LIMIT]
    _ = i18n.for_organisation(app.ctx)
    if limit.blocked(address):
        return _page(429, _.language, _(words.PAGE_GONE_TITLE), _p(_(words.PAGE_GONE)))
    target = email.unsubscribe_target(app.db, request.match_info["token"], app.clock())
    if target is None:
        limit.failed(address)
        return _page(404, _.language, _(words.PAGE_GONE_TITLE), _p(_(words.PAGE_GONE)))
    return target


def _done(language: str, _: i18n.Translator, address: str) -> web.Response:
    body = _p(_(words.PAGE_DONE).format(address=address)) + "\n" + _p(_(words.PAGE_AGAIN))
    return _page(200, language, _(words.PAGE_DONE_TITLE), body)


@routes.get("/u/{token}")
async def confirm(request: web.Request) -> web.Response:
    target = _target(request)
    if isinstance(target, web.Response):
        return target
    member_id, address = target
    app = app_of(request)
    _ = i18n.for_member_id(app.ctx, member_id)
    if email.opted_out(app.db, address):
        return _done(_.language, _, address)
    form = (
        f'<form method="post" action="{html.escape(request.path)}">\n'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">\n'
        f'<button type="submit">{html.escape(_(words.PAGE_BUTTON))}</button>\n</form>'
    )
    body = _p(_(words.PAGE_ASK).format(address=address)) + "\n" + form
    return _page(200, _.language, _(words.PAGE_TITLE), body)


@routes.post("/u/{token}")
async def unsubscribe(request: web.Request) -> web.Response:
    target = _target(request)
    if isinstance(target, web.Response):
        return target
    member_id, address = target
    app = app_of(request)
    now = app.clock()
    with app.db.atomic():
        email.opt_out(app.db, member_id, address, now)
        members.mark_unreachable(app.db, email.PLATFORM, address, email.UNSUBSCRIBED, now)
        outbox.abandon_chat(app.db, email.PLATFORM, address, "unreachable", email.UNSUBSCRIBED)
    _ = i18n.for_member_id(app.ctx, member_id)
    return _done(_.language, _, address)
