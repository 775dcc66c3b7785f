"""Signing officers in to the web console: one-time links, sessions, and `/console`.

There are no passwords. An officer asks the bot (or the server's operator runs
`mutual-voice console link`) and gets a link that works once, for ten minutes. It
starts a session that ends on sign-out (here, or everywhere at once), after twelve hours
without use (a page that refreshes itself is not use), or a day after it started,
whichever comes first. Erasing an officer, or taking them off `admin.officers`, ends
their sessions and voids their unused links. Only the hashes of links and sessions are
stored; a link's message is blanked once delivered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.context import Context
from handlers.messages import Command, Message, Recipient, reply
from handlers.router import OFFICER, Router
from storage import audit, members
from storage.console import queries as console
from storage.outbox import scrub_messages

LINK_LIFETIME = timedelta(minutes=10)
IDLE_LIMIT = timedelta(hours=12)
MAX_AGE = timedelta(hours=24)  # however busy: a stolen cookie stops working within a day
LINK_KEY = "console:link:"
NOT_SERVED = (
    "The web console is not switched on here. Ask whoever runs the bot to set "
    "[web] enabled = true, or to run: mutual-voice web"
)


class ConsoleError(Exception):
    """A sign-in link cannot be issued; the message says why, in one line."""


@dataclass(frozen=True)
class SignInLink:
    member_id: str
    url: str
    expires_at: datetime

    def to_dict(self) -> dict[str, str]:
        return {
            "member_id": self.member_id,
            "url": self.url,
            "expires_at": self.expires_at.isoformat(),
        }


def issue_link(ctx: Context, member_id: str, actor: str) -> SignInLink:
    """A new one-time sign-in link for an officer."""
    if not ctx.console_url:
        raise ConsoleError(NOT_SERVED)
    if not ctx.is_officer(member_id):
        raise ConsoleError(
            f"{member_id!r} is not an officer (only admin.officers may use the console)"
        )
    row = members.get(ctx.db, member_id)
    if row is not None and row["erased_at"]:
        raise ConsoleError(f"{member_id!r} was erased")
    now = ctx.now()
    token = secrets.token_urlsafe(24)
    with ctx.db.atomic():
        console.forget_links_before(ctx.db, now)
        scrub_messages(ctx.db, LINK_KEY)
        console.add_link(ctx.db, token, member_id, now, now + LINK_LIFETIME)
        audit.record(ctx.db, now, actor, "console.link", member_id)
    return SignInLink(
        member_id, f"{ctx.console_url.rstrip('/')}/signin/{token}", now + LINK_LIFETIME
    )


def sign_in(ctx: Context, token: str) -> tuple[str, str] | None:
    """Spend a link: (session id, officer) or None if it is unknown, used or expired."""
    now = ctx.now()
    with ctx.db.atomic():
        member_id = console.use_link(ctx.db, token, now)
        if member_id is None or not ctx.is_officer(member_id):
            return None
        session_id = secrets.token_urlsafe(32)
        console.add_session(ctx.db, session_id, member_id, now)
        audit.record(ctx.db, now, f"member:{member_id}", "console.sign_in", member_id)
    return session_id, member_id


def session_officer(ctx: Context, session_id: str, active: bool = True) -> str | None:
    """The officer signed in with this session; None if it has ended.

    `active` keeps it alive: an officer's own request, not a page refreshing itself.
    A session of someone who is no longer an officer is ended here and now.
    """
    now = ctx.now()
    row = console.live_session(ctx.db, session_id, now - IDLE_LIMIT, now - MAX_AGE)
    if row is None:
        return None
    if not ctx.is_officer(row["member_id"]):
        with ctx.db.atomic():
            revoke(ctx, row["member_id"], "system", "no longer an officer")
        return None
    if active:
        console.touch_session(ctx.db, session_id, now)
    return row["member_id"]


def timed_out_officer(ctx: Context, session_id: str) -> str | None:
    """The officer of a session that ended only because time ran out (not signed out or
    revoked), while they are still an officer: whose unsent form may be kept for them."""
    member_id = console.session_member(ctx.db, session_id)
    return member_id if member_id and ctx.is_officer(member_id) else None


def sessions(ctx: Context, member_id: str) -> list[dict]:
    """The officer's live sessions, newest first, each with `started`, `seen` and `hash`."""
    now = ctx.now()
    rows = console.sessions_of(ctx.db, member_id, now - IDLE_LIMIT, now - MAX_AGE)
    return [
        {"hash": r["session_hash"], "started": r["created_at"], "seen": r["last_seen_at"]}
        for r in rows
    ]


def sign_out(ctx: Context, session_id: str, member_id: str) -> None:
    if console.end_session(ctx.db, session_id, ctx.now()):
        audit.record(ctx.db, ctx.now(), f"member:{member_id}", "console.sign_out", member_id)


def sign_out_everywhere(ctx: Context, member_id: str) -> int:
    """End every session of the officer (this one too) and void their unused links."""
    with ctx.db.atomic():
        return revoke(ctx, member_id, f"member:{member_id}", "signed out everywhere")


def revoke(ctx: Context, member_id: str, actor: str, reason: str) -> int:
    """End the member's sessions and void their unused links; returns the sessions ended."""
    now = ctx.now()
    ended = console.end_sessions_of(ctx.db, member_id, now)
    voided = console.void_links_of(ctx.db, member_id, now)
    if ended or voided:
        audit.record(
            ctx.db,
            now,
            actor,
            "console.revoke",
            member_id,
            sessions=ended,
            links=voided,
            reason=reason,
        )
    return ended


def revoke_former_officers(ctx: Context) -> list[str]:
    """At start-up: whoever is no longer in `admin.officers` loses their console access."""
    gone = sorted({m for m in console.members_with_access(ctx.db) if not ctx.is_officer(m)})
    with ctx.db.atomic():
        for member_id in gone:
            revoke(ctx, member_id, "system", "no longer an officer")
    return gone


def console_command(ctx: Context, event: Command) -> Message:
    """`/console`: a sign-in link, sent privately to the officer who asked."""
    assert event.member is not None
    try:
        link = issue_link(ctx, event.member.member_id, f"member:{event.member.member_id}")
    except ConsoleError as error:
        return reply(event, str(error))
    return Message(
        Recipient.of(link.member_id),
        "Your sign-in link for the officer's console. It works once, for 10 minutes; "
        f"don't pass it on, as it lets whoever opens it in as you.\n\n{link.url}",
        title="Officer's console",
        key=LINK_KEY + secrets.token_hex(8),
    )


def register(router: Router) -> None:
    router.command("console", "a sign-in link for the web console", who=OFFICER, order=90)(
        console_command
    )
