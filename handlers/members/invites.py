"""Invites: one-time, expiring tokens that let a roster member link a chat account."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers import i18n
from handlers.context import Context
from handlers.members.roster import address_lines
from handlers.messages import Sender
from storage import audit, members
from storage.invites import queries as invites
from storage.timestamps import parse
from surveys.wording import plural

# Tokens are typed from letters too, so they avoid look-alikes (0/o, 1/l/i): 22 of these
# 31 characters give about 109 random bits, and keep a t.me link inside a version 4 QR code.
TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
TOKEN_LENGTH = 22
GROUP = 4  # a printed code reads in groups of four: ABCD-EFGH-...
# What a member may type around a code: a word first ("JOIN", "YMUNO", "/start"), and
# spaces or dashes between the groups, in either case.
KEYWORD = re.compile(r"^/?[^\W\d_]{1,12}[\s:]+")
SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Invite:
    member_id: str
    name: str
    token: str
    expires_at: datetime
    links: dict[str, str]
    constituency: str = ""
    address: tuple[str, ...] = ()
    language: str = ""  # the language their letter is in (theirs, else the organisation's)
    issued_at: datetime | None = None
    replaces: datetime | None = None  # when the member's earlier invite was issued, if any
    platform: str = "telegram"  # the one their letter and QR code join by

    @property
    def code(self) -> str:
        """The token as printed for typing: ABCD-EFGH-JKMN-PQRS-TUVW-XY."""
        return grouped(self.token)

    @property
    def link(self) -> str | None:
        """The join link of `platform`, if known."""
        return self.links.get(self.platform)

    def to_dict(self) -> dict[str, object]:
        return {
            "member_id": self.member_id,
            "name": self.name,
            "constituency": self.constituency,
            "address": list(self.address),
            "token": self.token,
            "code": self.code,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "expires_at": self.expires_at.isoformat(),
            "replaces": self.replaces.isoformat() if self.replaces else None,
            "links": self.links,
            "language": self.language,
            "platform": self.platform,
        }


class InviteError(Exception):
    """An invite could not be issued; the message says why."""


@dataclass(frozen=True)
class Selection:
    """Whom to invite: these members, or the unconnected members of these constituencies.

    `not_joined` drops connected members from `member_ids` too; `invited_before` keeps
    only members whose latest invite was issued at or before that time (reminders).
    """

    member_ids: tuple[str, ...] = ()
    constituencies: tuple[str, ...] = ()
    not_joined: bool = False
    invited_before: datetime | None = None


def choose(ctx: Context, selection: Selection) -> list[str]:
    """The member ids a selection stands for, in member id order."""
    for member_id in selection.member_ids:
        row = members.get(ctx.db, member_id)
        if row is None or row["erased_at"]:
            raise InviteError(f"no member with id {member_id!r}")
    rows = invites.joining(ctx.db)
    if selection.member_ids:
        wanted = set(selection.member_ids)
        rows = [r for r in rows if r["member_id"] in wanted]
    else:
        groups = set(selection.constituencies)
        rows = [r for r in rows if r["constituency"] in groups and not r["joined_at"]]
    if selection.not_joined:
        rows = [r for r in rows if not r["joined_at"]]
    if selection.invited_before is not None:
        cutoff = selection.invited_before
        rows = [r for r in rows if r["invited_at"] and parse(r["invited_at"]) <= cutoff]
    return [r["member_id"] for r in rows]


def prepare(ctx: Context, member_ids: list[str]) -> list[Invite]:
    """New invites for these members, not yet stored (see `record`)."""
    now = ctx.now()
    expires = now + timedelta(days=ctx.policy.invites.expiry_days)
    rows = members.by_ids(ctx.db, member_ids)
    earlier = invites.latest_issued(ctx.db, member_ids)
    prepared = []
    for member_id in member_ids:
        row = rows.get(member_id)
        if row is None or row["erased_at"]:
            raise InviteError(f"no member with id {member_id!r}")
        token = new_token()
        prepared.append(
            Invite(
                member_id,
                row["name"] or "",
                token,
                expires,
                {p: template.format(token=token) for p, template in ctx.join_links.items()},
                row["constituency"],
                address_lines(row["address"] or ""),
                i18n.for_row(ctx, row).language,
                now.replace(microsecond=0),  # as stored: a later letter names this one
                parse(earlier[member_id]) if member_id in earlier else None,
            )
        )
    return prepared


def still_live(ctx: Context, member_ids: list[str]) -> int:
    """How many earlier invites of these members could still be used: new ones stop them."""
    return invites.live_unused(ctx.db, member_ids, ctx.now())


def replacing(count: int) -> str:
    """The officer's warning before new invites stop `count` earlier ones (see `still_live`)."""
    return (
        f"{plural(count, 'earlier invite')} not yet used (letters already posted, QR codes "
        "or links already sent) will stop working."
    )


def record(ctx: Context, prepared: list[Invite], actor: str) -> None:
    """Store prepared invites; each revokes its member's earlier unused links."""
    now = ctx.now()
    if not prepared:
        return
    with ctx.db.atomic():
        invites.replace_unused(
            ctx.db,
            [(i.token, i.member_id) for i in prepared],
            now,
            prepared[0].expires_at,
            prepared[0].issued_at,
        )
        audit.record_many(ctx.db, now, actor, "invite.issued", [i.member_id for i in prepared])


def issue(ctx: Context, member_ids: list[str] | None, actor: str) -> list[Invite]:
    """New invites for the given members, or for every active member not yet linked."""
    if not member_ids:
        everyone = Selection(constituencies=ctx.policy.organisation.constituencies)
        member_ids = choose(ctx, everyone)
    prepared = prepare(ctx, member_ids)
    record(ctx, prepared, actor)
    return prepared


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def grouped(token: str) -> str:
    """A token as printed for typing, in capitals and groups of four."""
    return "-".join(token[i : i + GROUP] for i in range(0, len(token), GROUP)).upper()


def typed_token(text: str) -> str | None:
    """The token in what a member typed ("JOIN abcd-efgh ...", "/start ABCD EFGH ..." or the
    code alone), or None when the text is not a code: so a sentence never counts as one."""
    text = text.strip()
    for candidate in (text, KEYWORD.sub("", text, count=1)):
        token = SEPARATORS.sub("", candidate).lower()
        if len(token) == TOKEN_LENGTH and set(token) <= set(TOKEN_ALPHABET):
            return token
    return None


UNKNOWN, USED, EXPIRED, REVOKED, ERASED = "unknown", "used", "expired", "revoked", "erased"


def find_token_owner(ctx: Context, token: str) -> str | None:
    """The member an invite token was issued to, if the token exists."""
    invite = invites.find(ctx.db, token)
    return invite["member_id"] if invite else None


def live_constituency(ctx: Context, token: str) -> str | None:
    """The constituency of the member whose invite `token` still works (unused, not
    replaced, not expired, member not erased), else None. Looks only: spends nothing."""
    invite = invites.find(ctx.db, token) if token else None
    if _refusal(ctx, invite, ctx.now()) is not None:
        return None
    assert invite is not None
    row = members.get(ctx.db, invite["member_id"])
    return row["constituency"] if row else None


def redeem(ctx: Context, token: str, sender: Sender) -> tuple[str | None, str | None]:
    """Link `sender` to the invite's member. Returns (member_id, None) or (None, reason)."""
    now = ctx.now()
    invite = invites.find(ctx.db, token) if token else None
    reason = _refusal(ctx, invite, now)
    if reason is None and not invites.mark_used(ctx.db, token, sender.platform, now):
        reason = USED
    if reason is not None:
        audit.record(
            ctx.db,
            now,
            f"{sender.platform}:{sender.platform_user_id}",
            "join.refused",
            invite["member_id"] if invite else "",
            reason=reason,
        )
        return None, reason
    assert invite is not None
    members.link_identity(
        ctx.db, sender.platform, sender.platform_user_id, sender.chat_id, invite["member_id"], now
    )
    audit.record(
        ctx.db, now, f"{sender.platform}:{sender.platform_user_id}", "join", invite["member_id"]
    )
    return invite["member_id"], None


def _refusal(ctx: Context, invite: dict | None, now: datetime) -> str | None:
    if invite is None:
        return UNKNOWN
    if invite["used_at"]:
        return USED
    if invite["revoked_at"]:
        return REVOKED
    if parse(invite["expires_at"]) <= now:
        return EXPIRED
    row = members.get(ctx.db, invite["member_id"])
    if row is None or row["erased_at"]:
        return ERASED
    return None
