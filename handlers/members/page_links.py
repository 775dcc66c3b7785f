"""Personal one-time links to the member's page (issue 27): one link opens one flow.

A link is `<web.public_url>/m/<token>`: 192 random bits, URL-safe, of which the database
keeps only the hash. It opens one flow for one member ("vote:<vote id>", "pulse:<round
id>", "suggest", "meeting:<meeting id>") and nothing else: no cookie, no session, no other
page. A vote's or a round's link works while its flow is open, then shows how it ended (a
vote's result, and the receipt of a ballot cast through it) until `AFTER_CLOSE` has
passed, when housekeeping forgets it; a suggestion's link works for `SUGGEST_FOR`. A
meeting's link (the member's reply to its notice and their proxy, for a member on its
roll) is made until the meeting starts and works until `AFTER_CLOSE` after that.

The receipt code of a ballot cast through a link is kept sealed with a key derived from
the link's token (HMAC-SHA256 as a stream cipher with a random nonce, and a tag): a
thief of the database file, who has only the token's hash, cannot read it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers import i18n
from handlers.context import Context
from handlers.meetings import proxies
from handlers.members.identity import as_member
from handlers.messages import Member
from handlers.pulses.rounds import is_open
from handlers.votes.state import OPEN, load
from storage import members
from storage import page_links as store
from storage.meetings import proxies as proxy_store
from storage.meetings import queries as meetings
from storage.pulses import queries as pulses
from storage.timestamps import parse

VOTE, PULSE, SUGGEST, MEETING = "vote", "pulse", "suggest", "meeting"
SUGGEST_FOR = timedelta(days=7)
# Long enough to read the result and check a receipt; short enough that the links of
# old flows do not become a list of who was sent what.
AFTER_CLOSE = timedelta(days=14)
PATH = "/m/"
_SEAL = b"mutual-voice page receipt"
NONCE, TAG = 16, 16
SEALED = NONCE + len("K7QM-4X2P") + TAG  # a sealed receipt code's length


@dataclass(frozen=True)
class Link:
    """An opened link: whose it is and which flow (`kind` and `target`) it opens."""

    token: str
    member: Member
    kind: str
    target: str
    good_until: datetime | None
    sealed_receipt: bytes

    @property
    def flow(self) -> str:
        return self.kind if self.kind == SUGGEST else f"{self.kind}:{self.target}"

    def receipt(self) -> str | None:
        """The receipt code of the ballot cast through this link, if any (the random
        bytes a link starts with do not unseal)."""
        return unseal(self.token, self.sealed_receipt)


def _flow_parts(flow: str) -> tuple[str, str] | None:
    kind, _colon, target = flow.partition(":")
    if kind == SUGGEST and not target:
        return kind, ""
    if kind in (VOTE, PULSE, MEETING) and target and (kind != PULSE or target.isdigit()):
        return kind, target
    return None


def _ends(ctx: Context, member_id: str, kind: str, target: str) -> datetime | None:
    """When an open flow is due to close, or None when it is not open to this member."""
    if kind == VOTE:
        vote = load(ctx, target)
        if vote is None or vote.status != OPEN or vote.closes_at <= ctx.now():
            return None
        return vote.closes_at
    if kind == MEETING:
        return meeting_ends(ctx, target, member_id)
    round_row = pulses.get_round(ctx.db, int(target))
    if round_row is None or not is_open(ctx, round_row):
        return None
    if pulses.participant(ctx.db, round_row["id"], member_id) is None:
        return None
    return parse(round_row["closes_at"])


def meeting_ends(ctx: Context, meeting_id: str, member_id: str) -> datetime | None:
    """Until when the member may reply to the meeting's notice (its start; a proxy's
    deadline comes before it), or None: not on its roll, or the meeting has started."""
    if meetings.get(ctx.db, meeting_id) is None or not proxy_store.on_roll(
        ctx.db, meeting_id, member_id
    ):
        return None
    starts = proxies.load(ctx, meeting_id, i18n.translator("en")).meeting.starts
    return starts if ctx.now() < starts else None


def page_link(ctx: Context, member_id: str, flow: str) -> str | None:
    """A personal link to the member's page for `flow` ("vote:<vote id>", "pulse:<round
    id>", "suggest", "meeting:<meeting id>"), good for that flow only and expiring with it; None when the web
    server has no public address (`web.public_url`) or the flow is not open."""
    parts = _flow_parts(flow)
    row = members.get(ctx.db, member_id)
    if not ctx.page_url or parts is None or row is None or row["erased_at"]:
        return None
    kind, target = parts
    now = ctx.now()
    good_until = None
    if kind == SUGGEST:
        good_until = forget_at = now + SUGGEST_FOR
    else:
        closes = _ends(ctx, member_id, kind, target)
        if closes is None:
            return None
        forget_at = closes + AFTER_CLOSE
    token = secrets.token_urlsafe(24)
    store.add(
        ctx.db, token, member_id, flow, now, forget_at, secrets.token_bytes(SEALED), good_until
    )
    return f"{ctx.page_url.rstrip('/')}{PATH}{token}"


def opened(ctx: Context, token: str) -> Link | None:
    """The link this token is, or None: unknown, forgotten, run out, or its member erased."""
    if not token or len(token) > 64:
        return None
    now = ctx.now()
    row = store.find(ctx.db, token, now)
    if row is None or (row["good_until"] and parse(row["good_until"]) <= now):
        return None
    parts = _flow_parts(row["flow"])
    member_row = members.get(ctx.db, row["member_id"])
    if parts is None or member_row is None or member_row["erased_at"]:
        return None
    good_until = parse(row["good_until"]) if row["good_until"] else None
    return Link(token, as_member(member_row), *parts, good_until, row["receipt"])


def keep_receipt(ctx: Context, link: Link, receipt: str) -> None:
    store.keep_receipt(ctx.db, link.token, seal(link.token, receipt))


def forget_old(ctx: Context, now: datetime) -> int:
    """Housekeeping: links whose flow closed `AFTER_CLOSE` ago, or that ran out."""
    return store.forget_before(ctx.db, now)


def _key(token: str) -> bytes:
    return hmac.new(token.encode(), _SEAL, hashlib.sha256).digest()


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    out, counter = b"", 0
    while len(out) < length:
        out += hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return out[:length]


def seal(token: str, text: str) -> bytes:
    key, nonce, plain = _key(token), secrets.token_bytes(NONCE), text.encode()
    body = nonce + bytes(a ^ b for a, b in zip(plain, _stream(key, nonce, len(plain)), strict=True))
    return body + hmac.new(key, body, hashlib.sha256).digest()[:TAG]


def unseal(token: str, sealed: bytes) -> str | None:
    key, body, tag = _key(token), sealed[:-TAG], sealed[-TAG:]
    if len(sealed) < NONCE + TAG or not hmac.compare_digest(
        tag, hmac.new(key, body, hashlib.sha256).digest()[:TAG]
    ):
        return None
    nonce, cipher = body[:NONCE], body[NONCE:]
    plain = bytes(a ^ b for a, b in zip(cipher, _stream(key, nonce, len(cipher)), strict=True))
    return plain.decode(errors="replace")
