"""Members' own data for the officer: the roster listing, export and erasure, audited.

The CLI and the web console share these, so both record the same audit entries.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from storage import audit, members, privacy


class NoSuchMember(LookupError):
    """The member asked for is not on the roster; the message says so in one line."""


def existing(ctx: Context, member_id: str) -> dict[str, Any]:
    row = members.get(ctx.db, member_id)
    if row is None:
        raise NoSuchMember(f"no member with id {member_id!r} (see: mutual-voice members list)")
    return row


def listing(ctx: Context) -> list[dict[str, Any]]:
    """Every active member with the platforms they are connected on (the console lists
    them a page at a time instead: handlers/members/listing.py)."""
    platforms = members.platforms_by_member(ctx.db)  # one query, not one per member
    rows = members.all_members(ctx.db)
    for row in rows:
        row["platforms"] = platforms.get(row["member_id"], "")
    return rows


def export(ctx: Context, member_id: str, actor: str) -> dict[str, Any]:
    existing(ctx, member_id)
    """What an officer may see of a member; it says what it leaves out, and why."""
    audit.record(ctx.db, ctx.now(), actor, "member.export", member_id)
    return privacy.export_for_officer(ctx.db, member_id)


def erase(ctx: Context, member_id: str, actor: str) -> bool:
    """Erase personal data and connections (anonymous results stay); False if already erased."""
    if existing(ctx, member_id)["erased_at"]:
        return False
    with ctx.db.atomic():
        privacy.erase_member(ctx.db, member_id, ctx.now())
        audit.record(ctx.db, ctx.now(), actor, "member.erase", member_id)
    return True
