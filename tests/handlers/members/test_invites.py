from datetime import timedelta

from handlers.members import invites
from handlers.messages import Sender
from storage import audit, members
from tests.helpers import add_members

PAT = Sender("telegram", "1001", "1001", "Pat")
STRANGER = Sender("telegram", "2002", "2002", "Someone")


def issue_one(ctx, member_id="t1"):
    [invite] = invites.issue(ctx, [member_id], actor="officer")
    return invite


def test_token_is_url_safe_short_and_not_stored(ctx):
    add_members(ctx)
    invite = issue_one(ctx)
    assert len(invite.token) <= 64 and invite.token.replace("-", "").replace("_", "").isalnum()
    assert invite.token not in str(list(ctx.db["invites"].rows))


def test_redeem_links_the_platform_account(ctx):
    add_members(ctx)
    invite = issue_one(ctx)
    assert invites.redeem(ctx, invite.token, PAT) == ("t1", None)
    assert members.identity(ctx.db, "telegram", "1001")["member_id"] == "t1"
    assert audit.entries(ctx.db, "join")[0]["subject"] == "t1"


def test_reuse_is_refused_and_audited(ctx):
    add_members(ctx)
    invite = issue_one(ctx)
    invites.redeem(ctx, invite.token, PAT)
    assert invites.redeem(ctx, invite.token, STRANGER) == (None, invites.USED)
    assert members.identity(ctx.db, "telegram", "2002") is None
    [refusal] = audit.entries(ctx.db, "join.refused")
    assert refusal["actor"] == "telegram:2002" and '"used"' in refusal["detail"]


def test_expiry_follows_the_injected_clock(ctx, clock):
    add_members(ctx)
    invite = issue_one(ctx)
    clock.advance(timedelta(days=ctx.policy.invites.expiry_days).total_seconds() - 1)
    second = issue_one(ctx, "t2")
    clock.advance(1)
    assert invites.redeem(ctx, invite.token, PAT) == (None, invites.EXPIRED)
    assert invites.redeem(ctx, second.token, STRANGER) == ("t2", None)


def test_unknown_token_is_refused_and_audited(ctx):
    add_members(ctx)
    assert invites.redeem(ctx, "NOT-A-TOKEN", STRANGER) == (None, invites.UNKNOWN)
    assert audit.entries(ctx.db, "join.refused")[0]["detail"] == '{"reason": "unknown"}'


def test_issue_without_ids_invites_only_the_unconnected(ctx):
    add_members(ctx)
    invites.redeem(ctx, issue_one(ctx).token, PAT)
    assert sorted(i.member_id for i in invites.issue(ctx, [], actor="officer")) == ["s1", "t2"]


def test_join_links_use_the_platform_template(ctx):
    add_members(ctx)
    ctx.join_links = {"telegram": "https://t.me/voice_bot?start={token}"}
    invite = issue_one(ctx)
    assert invite.links == {"telegram": f"https://t.me/voice_bot?start={invite.token}"}


def live_invites(ctx) -> int:
    return ctx.db.execute(
        "select count(*) from invites where used_at is null and revoked_at is null "
        "and expires_at > ?",
        [ctx.now().isoformat()],
    ).fetchone()[0]


def test_a_new_invite_revokes_the_unused_one_before(ctx):
    add_members(ctx)
    first = issue_one(ctx)
    second = issue_one(ctx)
    invites.issue(ctx, [], actor="officer")  # everyone again: still one live link each
    assert live_invites(ctx) == 3
    assert invites.redeem(ctx, first.token, PAT) == (None, invites.REVOKED)
    assert invites.redeem(ctx, second.token, PAT) == (None, invites.REVOKED)
    [latest] = [i for i in invites.issue(ctx, ["t1"], actor="officer")]
    assert invites.redeem(ctx, latest.token, PAT) == ("t1", None)


def test_a_used_invite_is_not_revoked_by_a_later_one(ctx):
    add_members(ctx)
    invites.redeem(ctx, issue_one(ctx).token, PAT)
    issue_one(ctx)
    used = ctx.db.execute("select revoked_at from invites where used_at is not null").fetchone()
    assert used == (None,)


def test_by_default_only_unconnected_members_of_the_chosen_groups(ctx):
    add_members(ctx)
    invites.redeem(ctx, issue_one(ctx).token, PAT)
    tenants = invites.Selection(constituencies=("tenant",))
    assert invites.choose(ctx, tenants) == ["t2"]
    assert invites.choose(ctx, invites.Selection(member_ids=("t1", "s1"))) == ["s1", "t1"]
    chosen_not_joined = invites.Selection(member_ids=("t1", "s1"), not_joined=True)
    assert invites.choose(ctx, chosen_not_joined) == ["s1"]


def test_reminders_go_to_members_not_joined_whose_link_is_old_enough(ctx, clock):
    add_members(ctx)
    issue_one(ctx, "t1")
    clock.advance(days=15)
    issue_one(ctx, "t2")
    reminder = invites.Selection(
        constituencies=("tenant", "staff"),
        not_joined=True,
        invited_before=clock() - timedelta(days=14),
    )
    assert invites.choose(ctx, reminder) == ["t1"]  # s1 was never invited; t2 only today


def test_prepared_invites_change_nothing_until_recorded(ctx):
    add_members(ctx)
    earlier = issue_one(ctx)
    prepared = invites.prepare(ctx, ["t1"])
    assert live_invites(ctx) == 1 and invites.find_token_owner(ctx, prepared[0].token) is None
    invites.record(ctx, prepared, actor="officer")
    assert invites.redeem(ctx, earlier.token, PAT) == (None, invites.REVOKED)
    assert invites.redeem(ctx, prepared[0].token, PAT) == ("t1", None)
