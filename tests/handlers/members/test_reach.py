"""How each member is reached, as the officer sees it (issue 27)."""

from handlers.members.reach import of_members
from handlers.settings import Policy, Routing
from storage import members
from tests.helpers import add_members, link

ROSTER = """member_id,name,email,constituency,phone,prefers
t1,Pat Murphy,pat@example.org,tenant,07700 900001,
t2,Lee Chen,lee@example.org,tenant,07700 900002,email
t3,Ann Novak,,tenant,07700 900003,
t4,Jo Evans,,tenant,,
"""


def test_reach_lists_the_channel_used_first_then_the_others_and_what_stopped(ctx, clock):
    ctx.policy = Policy(routing=Routing(enabled=("sms", "email")))
    add_members(ctx, ROSTER)
    link(ctx, "t1")  # Telegram as well
    members.mark_unreachable(ctx.db, "sms", "+447700900003", "STOP", clock())
    reach = {member_id: str(r) for member_id, r in of_members(ctx).items()}
    assert reach == {
        "t1": "Telegram, SMS, e-mail",
        "t2": "e-mail, SMS",  # their own preference first
        "t3": "letter only (SMS unreachable: STOP)",
    }
    assert "t4" not in reach  # no identity at all: NOWHERE
    assert of_members(ctx)["t3"].letter_only and not of_members(ctx)["t2"].letter_only
    ctx.policy = Policy(routing=Routing(enabled=("email",)))  # SMS switched off
    assert str(of_members(ctx, ["t1", "t3"])["t3"]) == "letter only (SMS unreachable: STOP)"
    assert str(of_members(ctx, ["t1"])["t1"]) == "Telegram, e-mail"
