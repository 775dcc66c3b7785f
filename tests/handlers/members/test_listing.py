"""Every member with their platforms (the `members list` command), in one query."""

from __future__ import annotations

from handlers.members import data as member_data
from tests.helpers import add_members, link

ROSTER = (
    "member_id,name,email,constituency\n"
    "a1,Ada,,staff\nb2,Bo,,tenant\nc3,Cy,,tenant\nd4,Di,,tenant\n"
)


def test_each_member_is_listed_once_with_their_platforms_in_order(ctx) -> None:
    add_members(ctx, ROSTER)
    link(ctx, "a1", "telegram")
    link(ctx, "a1", "slack")
    link(ctx, "a1", "telegram", user_id="second-phone")
    link(ctx, "c3", "telegram")
    link(ctx, "d4", "slack")
    member_data.erase(ctx, "d4", actor="test")
    listed = {row["member_id"]: row["platforms"] for row in member_data.listing(ctx)}
    assert listed == {"a1": "slack, telegram", "b2": "", "c3": "telegram"}
