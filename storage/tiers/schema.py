"""The ladder of involvement's tables, as their own migration set.

Formal roles and groups are recorded by the officer. Interest in stepping up keeps
the member's name only with their consent (`tier_interest`); without it, only a count
per rung and month (`tier_interest_counts`). Nothing here can be lined up with
anonymous answers or ballots: nudges remember only *that* a member's first of each
kind was handled, never when (their row order, which would say, is shuffled whenever
a round or vote closes: storage/secrecy.py), and the monthly snapshots hold counts per
constituency and rung, never members.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

tiers_migrations = Migrations("mutual_voice.tiers")


@tiers_migrations()
def m001_tiers(db: Database) -> None:
    member = [("member_id", "members", "member_id")]
    db["member_roles"].create(
        {"member_id": str, "role": str, "assigned_at": str, "assigned_by": str},
        pk=("member_id", "role"),
        not_null={"assigned_at"},
        foreign_keys=member,
    )
    db["member_groups"].create(
        {"member_id": str, "group_name": str, "joined_at": str, "added_by": str},
        pk=("member_id", "group_name"),
        not_null={"joined_at"},
        foreign_keys=member,
    )
    # consent: null while we wait for the answer, 1 once given (a "no" deletes the row).
    db["tier_interest"].create(
        {
            "member_id": str,
            "tier": str,
            "asked_at": str,
            "consent": int,
            "answered_at": str,
            "notified_at": str,
        },
        pk=("member_id", "tier"),
        not_null={"asked_at"},
        foreign_keys=member,
    )
    db["tier_interest_counts"].create(
        {"tier": str, "month": str, "asked": int},
        pk=("tier", "month"),
        defaults={"asked": 0},
    )
    # That a member's first activity of a kind was handled: no date, no outcome.
    db["tier_nudges"].create(
        {"member_id": str, "kind": str}, pk=("member_id", "kind"), foreign_keys=member
    )
    # The day of each member's latest nudge, whatever prompted it (one per nudge_days).
    db["tier_last_nudge"].create(
        {"member_id": str, "nudged_on": str},
        pk="member_id",
        not_null={"nudged_on"},
        foreign_keys=member,
    )
    # Per activity kind: when we last looked for firsts (none yet: start watching).
    db["tier_watch"].create({"kind": str, "checked_at": str}, pk="kind", not_null={"checked_at"})
    # Members per constituency and rung on the 1st of each month (no member ids).
    db["tier_snapshots"].create(
        {"month": str, "constituency": str, "tier": str, "members": int, "taken_at": str},
        pk=("month", "constituency", "tier"),
        not_null={"members", "taken_at"},
    )
