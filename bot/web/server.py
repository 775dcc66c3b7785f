"""The console's web server: the aiohttp application, and serving it beside the bot."""

from __future__ import annotations

import logging
from importlib import resources

from aiohttp import web

from bot.app import App
from bot.web import (
    drafts,
    health,
    jobs,
    join_links,
    joining,
    meeting_create,
    meeting_declaration,
    meeting_nominations,
    meeting_paper,
    meeting_proxies,
    meetings,
    member_page,
    members,
    overview,
    pulses,
    rules,
    signin,
    suggestions,
    unsubscribe,
    votes,
)
from bot.web.pages import APP, NOTES, in_console_words, render
from bot.web.security import SignInLimit, errors, on_prepare, session_middleware

log = logging.getLogger(__name__)

# joining's /members/joining comes before members' /members/{member_id}.
PAGES = (
    health,
    signin,
    join_links,
    member_page,
    unsubscribe,
    overview,
    joining,
    members,
    pulses,
    votes,
    meeting_create,
    meetings,
    meeting_nominations,
    meeting_proxies,
    meeting_paper,
    meeting_declaration,
    rules,
    suggestions,
    jobs,
)
# A 10,000-member roster is well under a megabyte; leave room for long names and notes.
MAX_UPLOAD = 16 * 1024 * 1024


def build(app: App) -> web.Application:
    server = web.Application(
        middlewares=[
            errors(failed, refused),
            session_middleware(APP, signin.refuse, drafts.kept_on_refusal),
        ],
        client_max_size=MAX_UPLOAD,
    )
    server.on_response_prepare.append(on_prepare(app.settings.web.secure))
    server[APP] = app
    server[NOTES] = {}
    server[members.UPLOADS] = {}
    server[jobs.JOBS] = {}
    server[drafts.DRAFTS] = drafts.Drafts(app.clock)
    server.on_shutdown.append(jobs.stop_all)
    server[signin.LIMIT] = SignInLimit(app.clock)
    server[join_links.LIMIT] = SignInLimit(app.clock)
    server[unsubscribe.LIMIT] = SignInLimit(app.clock)
    server[member_page.LIMIT] = SignInLimit(app.clock)
    for page in PAGES:
        server.add_routes(page.routes)
    server.router.add_static("/static/", str(resources.files("bot.web") / "static"))
    return server


def refused(request: web.Request, status: int, text: str) -> web.Response:
    """A request the console turns down (not found, an expired form), as an error page."""
    if request.path.startswith(member_page.PATH):
        return member_page.gone(request, status)
    heading = {403: "Not allowed", 404: "Not found"}.get(status, "Not done")
    return render(
        request,
        "message.html",
        status=status,
        heading=heading,
        text=in_console_words(text),
        error=True,
    )


def failed(request: web.Request) -> web.Response:
    """The page for a failure nobody expected: the console's own, never a bare 500."""
    if request.path.startswith(member_page.PATH):
        return member_page.broken(request)
    return render(
        request,
        "message.html",
        status=500,
        heading="Something went wrong",
        error=True,
        text="The console could not do that. Nothing half-done was kept. The details are "
        "in the bot's log; try again, or tell whoever runs the bot.",
    )


class Console:
    """The console served on the configured address until stopped."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.runner = web.AppRunner(build(app), access_log=None, handle_signals=False)

    async def start(self) -> None:
        web_settings = self.app.settings.web
        await self.runner.setup()
        await web.TCPSite(self.runner, web_settings.listen, web_settings.port).start()
        log.info("officer's console at %s", web_settings.base_url)

    async def stop(self) -> None:
        await self.runner.cleanup()
