"""What every console page shares: rendering, notes after a change, and acting as the officer.

Chat handlers that the council uses (status changes, relayed replies) are called the
way a chat adapter calls them: the officer becomes an event from the `web` platform,
messages to anyone else go to the outbox, and the replies to the officer are shown
on the page. So a member is told exactly what they are told when the council uses chat.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
from aiohttp import web

from bot.adapters.sms import estimate as sms_estimate
from bot.adapters.whatsapp import limits as whatsapp_limits
from bot.app import App
from bot.scheduler import let_others_run
from bot.web.security import OFFICER, SESSION, csrf_token
from handlers.messages import Event, Member, Message, Sender, each_part
from handlers.schedule import Pause, Rebuild
from handlers.votes.state import local_time
from storage import audit, members, secrecy
from storage.console.queries import digest
from storage.timestamps import parse
from surveys.bidi import isolate

APP = web.AppKey("app", App)
NOTES = web.AppKey("notes", dict)
WEB = "web"
NAV = (
    ("/", "Overview"),
    ("/members", "Members"),
    ("/pulses", "Pulses"),
    ("/votes", "Votes"),
    ("/meetings", "Meetings"),
    ("/rules", "Rules"),
    ("/suggestions", "Suggestions"),
    ("/ladder", "Ladder"),
)

templates = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.web", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
# `|iso` on whatever a member (or a vote's author) wrote: isolated from the page's own
# words whatever bidirectional controls it holds (surveys/bidi.py). Text, not markup: it
# is escaped as usual afterwards.
templates.filters["iso"] = lambda value: isolate(value) if isinstance(value, str) else value


def app_of(request: web.Request) -> App:
    return request.app[APP]


def actor(request: web.Request) -> str:
    return f"member:{request[OFFICER]}"


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    ctx = app_of(request).ctx
    session = request.get(SESSION, "")  # unset on an error page outside the session check

    def local(moment: datetime | str | None) -> str:
        if not moment:
            return ""
        when = parse(moment) if isinstance(moment, str) else moment
        return local_time(ctx, when).strftime("%d %b %Y %H:%M")

    page = templates.get_template(template).render(
        nav=NAV,
        path=request.path,
        officer=request.get(OFFICER, ""),
        csrf=csrf_token(session) if session else "",
        note=request.app[NOTES].pop(digest(session), None) if session else None,
        organisation=ctx.policy.organisation.name,
        local=local,
        **values,
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


@dataclass(frozen=True)
class Note:
    """A line shown once on the next page: news in the green box, or an error (role=alert)."""

    text: str
    error: bool = False

    def __str__(self) -> str:
        return self.text


def done(request: web.Request, location: str, note: str) -> web.HTTPSeeOther:
    """Back to a page after a change, with a note shown there once."""
    request.app[NOTES][digest(request[SESSION])] = Note(note)
    return web.HTTPSeeOther(location)


def failed(request: web.Request, location: str, error: str) -> web.HTTPSeeOther:
    """Back to a page after something could not be done, with the error shown there once:
    marked as an error, never in the box that says a change was made."""
    request.app[NOTES][digest(request[SESSION])] = Note(in_console_words(error), error=True)
    return web.HTTPSeeOther(location)


# The handlers' messages are written for the command line too, and say which command
# helps; in the console they say where to look instead.
CONSOLE_WORDS = (
    (r" \(see: mutual-voice vote list\)", " (see Votes)"),
    (r"; look again with: mutual-voice vote list", ": look at the vote again"),
    (r"; see: mutual-voice survey list\)", ")"),
    (r" \(see: mutual-voice members list\)", " (see Members)"),
    (
        r" \(close it first: mutual-voice survey close \S+\)",
        ": close it first with its Close this round button",
    ),
    (r" \(send one: mutual-voice survey send \S+\)", ": send one with Send a round now"),
    (
        r" \(see: mutual-voice jobs\)",
        ". The bot tries again by itself; if this stays, tell whoever runs the bot",
    ),
    (
        r" \(use --replace to change it before it opens\)",
        ": choose another id, or cancel that vote on its page first",
    ),
    (r" \(use --replace to hold it with new times\)", ": choose another id"),
    (r" \(results_before_close is false\)", " (the vote keeps its results hidden until then)"),
    (r" with --accept\)", " with its Accept button)"),
    (r"--(?:accept|teller|returning-officer): ", ""),
    (r" \(meeting paper \S+ --accept TELLER\)", ""),
    (r" \(meeting paper \S+ --discard\)", " on the Paper ballots page"),
)


def in_console_words(text: str) -> str:
    """`text` with any command-line advice put as what to do in the console."""
    for pattern, words in CONSOLE_WORDS:
        text = re.sub(pattern, words, text)
    return text


def event_as_officer(request: web.Request, kind: type[Event], **fields: Any) -> Event:
    """The signed-in officer as a chat event of `kind` from the console."""
    member_id = request[OFFICER]
    row = members.get(app_of(request).db, member_id)
    name = row["name"] if row else member_id
    member = Member(member_id, name, row["constituency"] if row else "")
    sender = Sender(WEB, member_id, f"{WEB}:{member_id}", name)
    return kind(sender=sender, member=member, event_id="", **fields)


@dataclass(frozen=True)
class Outcome:
    """What handling an officer's event came to: the replies to them, and whether it did
    anything (told anyone else). A handler that refuses only answers the officer."""

    replies: list[str]
    done: bool

    @property
    def text(self) -> str:
        return "\n".join(self.replies)


def act(request: web.Request, event: Event, action: str, subject: str) -> Outcome:
    """Handle `event` as chat would: post what goes to others and audit it; our replies."""
    app = app_of(request)
    with app.db.atomic():
        messages = app.router.dispatch(app.ctx, event)
        others = [m for m in messages if m.to.platform != WEB]
        app.postman.post(others)
        if others:
            audit.record(app.db, app.clock(), actor(request), action, subject)
    # Marked member (or officer) text is shown as text, isolated from the words around it.
    replies = [each_part(m.text, isolate) for m in messages if m.to.platform == WEB]
    return Outcome(replies, bool(others))


PART = 500  # messages posted per transaction by `post_in_parts`


async def post_in_parts(app: App, items: Iterable[Message | Pause], part: int = PART) -> int:
    """Post a long fan-out (a round's invitations, a vote's announcements, a close) a part
    at a time, each part its own transaction, letting the bot answer others between parts.
    A pause of the work is honoured too; one that asks for it empties the write-ahead
    log once the work is done, and a close's rebuild of the file is waited for without
    holding the bot up. Returns how many messages were queued."""
    queued, batch, checkpoint = 0, [], False
    for item in items:
        if isinstance(item, Rebuild):
            queued += app.postman.post(batch).queued if batch else 0
            batch = []
            item.outcome.append(await rebuild_patiently(app))
            continue
        if isinstance(item, Pause):
            checkpoint = checkpoint or item.checkpoint
        else:
            batch.append(item)
            if len(batch) < part:
                continue
        queued += app.postman.post(batch).queued if batch else 0
        batch = []
        await let_others_run()
    queued += app.postman.post(batch).queued if batch else 0
    if checkpoint:
        secrecy.checkpoint(app.db)
    return queued


async def rebuild_patiently(app: App, patience: float | None = None) -> bool:
    """Rebuild the file for a close started from the console. A program reading the file
    holds up emptying the log, so that is tried again for up to `patience` seconds, the
    bot answering members meanwhile (waiting on the loop would stop it for that long)."""
    conn = app.db.conn
    give_up = time.monotonic() + (secrecy.PATIENCE if patience is None else patience)
    while not secrecy.vacuum(conn):  # another writer's turn
        if time.monotonic() >= give_up:
            return False
        await asyncio.sleep(0.5)
    while not secrecy.empty_log(conn):
        if time.monotonic() >= give_up:
            return False
        await asyncio.sleep(0.1)
    return True


def sms_cost(app: App) -> str | None:
    """Before a broadcast is sent: an invitation to every member reachable by SMS, its
    segments and what it costs (None without SMS members)."""
    return sms_estimate.before_sending(app.settings, app.db)


def whatsapp_reach(app: App) -> str | None:
    """Before a broadcast is sent: how many WhatsApp members it takes templates to reach,
    by when at today's limit, and what they cost (None without WhatsApp members)."""
    return whatsapp_limits.broadcast_line(app.settings, app.db, app.ctx.now())
