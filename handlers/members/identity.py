"""Who is this sender? Resolving platform accounts to roster members."""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from handlers.messages import Member
from storage import members
from surveys.bidi import isolate


def as_member(row: dict[str, Any]) -> Member:
    return Member(
        member_id=row["member_id"],
        name=row["name"] or "",
        constituency=row["constituency"],
        timezone=row["timezone"],
        language=row.get("language_chosen") or row["language"],
        email=row["email"],
    )


def member_for(ctx: Context, platform: str, platform_user_id: str) -> Member | None:
    """The member linked to this platform account, if any (erased members are strangers)."""
    link = members.identity(ctx.db, platform, platform_user_id)
    if link is None:
        return None
    row = members.get(ctx.db, link["member_id"])
    if row is None or row["erased_at"]:
        return None
    return as_member(row)


def match_by_directory(
    ctx: Context, platform: str, platform_user_id: str, chat_id: str, email: str | None
) -> Member | None:
    """Link a workspace account (e.g. Slack) to the roster by its user id or email address."""
    row = members.find_by_slack(ctx.db, platform_user_id, email)
    if row is None:
        return None
    members.link_identity(ctx.db, platform, platform_user_id, chat_id, row["member_id"], ctx.now())
    return as_member(row)


def first_name(member: Member) -> str:
    """For a greeting: isolated, so a name's bidirectional controls move no other word."""
    return isolate(member.name.split()[0]) if member.name.strip() else "there"
