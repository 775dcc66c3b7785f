"""Invites: one-time, expiring tokens that let a roster member link a chat account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.context import Context
from handlers.messages import Sender
from storage import audit, invites, members
from storage.timestamps import parse

# 24 random bytes give 32 URL-safe characters, well inside Telegram's 64 for deep links.
TOKEN_BYTES = 24


@dataclass(frozen=True)
class Invite:
    member_id: str
    name: str
    token: str
    expires_at: datetime
    links: dict[str, str]

    def to_dict(self) -> dict[str, object]:
        return {
            "member_id": self.member_id,
            "name": self.name,
            "token": self.token,
            "expires_at": self.expires_at.isoformat(),
            "links": self.links,
        }


class InviteError(Exception):
    """An invite could not be issued; the message says why."""


def issue(ctx: Context, member_ids: list[str] | None, actor: str) -> list[Invite]:
    """New invites for the given members, or for every active member not yet linked."""
    now = ctx.now()
    expires = now + timedelta(days=ctx.policy.invites.expiry_days)
    if member_ids:
        rows = []
        for member_id in member_ids:
            row = members.get(ctx.db, member_id)
            if row is None or row["erased_at"]:
                raise InviteError(f"no member with id {member_id!r}")
            rows.append(row)
    else:
        rows = [
            r
            for r in members.all_members(ctx.db)
            if not members.identities_of(ctx.db, r["member_id"])
        ]
    issued = []
    with ctx.db.atomic():
        for row in rows:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            invites.create(ctx.db, token, row["member_id"], now, expires)
            links = {p: template.format(token=token) for p, template in ctx.join_links.items()}
            issued.append(Invite(row["member_id"], row["name"] or "", token, expires, links))
            audit.record(ctx.db, now, actor, "invite.issued", row["member_id"])
    return issued


UNKNOWN, USED, EXPIRED, ERASED = "unknown", "used", "expired", "erased"


def find_token_owner(ctx: Context, token: str) -> str | None:
    """The member an invite token was issued to, if the token exists."""
    invite = invites.find(ctx.db, token)
    return invite["member_id"] if invite else None


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
    if parse(invite["expires_at"]) <= now:
        return EXPIRED
    row = members.get(ctx.db, invite["member_id"])
    if row is None or row["erased_at"]:
        return ERASED
    return None
