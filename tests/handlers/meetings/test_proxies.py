"""Proxies at a general meeting: appointed and revoked by the rules, each refusal in plain
words (English and Welsh); who holds whom; members present by proxy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.i18n import translator
from handlers.meetings import proxies
from handlers.meetings.admin import create_meeting, describe, show
from handlers.meetings.proxies import ProxyRefused, appoint, present_by_proxy, revoke
from handlers.settings import Organisation, Policy
from surveys.meetings.definitions import AgendaItem, Meeting
from tests.helpers import START, add_members, make_context

RULES = """
[eligibility]
constituencies = ["tenant", "staff"]
[notice]
clear_days = 14
[quorum]
members = 3
[proxies]
{proxies}
"""
PROXIES = """allowed = true
holders = ["member", "chair"]
most_per_holder = 2
deadline_hours = 48
instructions = true"""
ROSTER = "member_id,name,email,constituency,language\n" + "".join(
    f"t{n},Tenant {n},,tenant,{'cy' if n == 9 else 'en'}\n" for n in range(1, 10)
)
AGM = Meeting(
    id="agm-2027",
    title="Annual general meeting 2027",
    starts=START + timedelta(days=30),
    agenda=(AgendaItem("Minutes"),),
    place="Riverside Community Hall",
)
EN = translator("en")


def society(tmp_path, proxies: str = PROXIES):
    path = tmp_path / "rules.toml"
    path.write_text(RULES.format(proxies=proxies))
    organisation = Organisation(rules=str(path), constituencies=("staff", "tenant", "supporter"))
    ctx = make_context(policy=Policy(organisation=organisation))
    add_members(ctx, ROSTER)
    create_meeting(ctx, AGM, "test")
    # x1 joins after notice: never on the roll.
    add_members(ctx, "member_id,name,email,constituency\nx1,Late Joiner,,tenant\n")
    return ctx


@pytest.fixture
def ruled(tmp_path):
    ctx = society(tmp_path)
    yield ctx
    ctx.db.close()


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(ProxyRefused) as error:
        call(*args, **kwargs)
    return str(error.value)


def test_appoint_revoke_and_show_who_holds_whom(ruled):
    appoint(ruled, "agm-2027", "t1", "t2")
    appoint(ruled, "agm-2027", "t3", "chair")
    appoint(ruled, "agm-2027", "t4", "t2")
    shown = show(ruled, "agm-2027")["proxies"]
    assert shown == {
        "appointed": 3,
        "holders": [
            {"holder": "chair", "count": 1, "members": ["t3"]},
            {"holder": "t2", "count": 2, "members": ["t1", "t4"]},
        ],
    }
    assert "Proxies: 3 appointed (the chair holds 1, t2 holds 2)." in describe(
        show(ruled, "agm-2027")
    )
    # Changing one's mind: a new proxy replaces the old; revoking ends it.
    appoint(ruled, "agm-2027", "t1", "chair")
    revoke(ruled, "agm-2027", "t3")
    assert show(ruled, "agm-2027")["proxies"]["holders"] == [
        {"holder": "chair", "count": 1, "members": ["t1"]},
        {"holder": "t2", "count": 1, "members": ["t4"]},
    ]
    assert refused(revoke, ruled, "agm-2027", "t3", _=EN) == (
        "Tenant 3 has no proxy for this meeting."
    )


def test_a_holder_at_the_cap_is_refused_in_plain_words(ruled):
    appoint(ruled, "agm-2027", "t1", "t3")
    appoint(ruled, "agm-2027", "t2", "t3")
    assert refused(appoint, ruled, "agm-2027", "t4", "t3", _=EN) == (
        "No one may hold a proxy for more than 2 members: Tenant 3 holds 2."
    )
    appoint(ruled, "agm-2027", "t2", "t3")  # re-appointing one already held is no new one
    appoint(ruled, "agm-2027", "t4", "chair")
    appoint(ruled, "agm-2027", "t5", "chair")
    assert refused(appoint, ruled, "agm-2027", "t6", "chair", _=EN) == (
        "No one may hold a proxy for more than 2 members: the chair holds 2."
    )


def test_a_late_proxy_and_a_late_revocation_are_refused(ruled):
    appoint(ruled, "agm-2027", "t1", "t2")
    # The meeting starts on 23 December at 10:00 UTC; proxies close 48 hours before.
    ruled.clock.advance(days=28)
    late = "Too late: proxies had to be appointed by Monday 21 December at 10:00."
    assert refused(appoint, ruled, "agm-2027", "t3", "t2", _=EN) == late
    assert refused(revoke, ruled, "agm-2027", "t1", _=EN) == (
        "Too late: proxies could be revoked until Monday 21 December at 10:00."
    )
    ruled.clock.advance(seconds=-1)
    appoint(ruled, "agm-2027", "t3", "t2")  # a second before the deadline
    revoke(ruled, "agm-2027", "t1")


def test_every_rule_is_enforced_with_its_reason(ruled):
    reasons = {
        "x1": refused(appoint, ruled, "agm-2027", "x1", "t2", _=EN),
        "holder off roll": refused(appoint, ruled, "agm-2027", "t1", "x1", _=EN),
        "self": refused(appoint, ruled, "agm-2027", "t1", "t1", _=EN),
        "no meeting": refused(appoint, ruled, "agm-2030", "t1", "t2", _=EN),
    }
    assert reasons == {
        "x1": "Late Joiner is not on the roll of this meeting, so cannot appoint a proxy.",
        "holder off roll": "Late Joiner is not on the roll of this meeting, so cannot hold a proxy.",
        "self": "A member cannot be their own proxy.",
        "no meeting": "There is no meeting called agm-2030.",
    }
    # No chains, either way round.
    appoint(ruled, "agm-2027", "t1", "t2")
    assert refused(appoint, ruled, "agm-2027", "t3", "t1", _=EN) == (
        "Tenant 1 has appointed a proxy of their own, so cannot hold one: a proxy cannot be "
        "passed on."
    )
    assert refused(appoint, ruled, "agm-2027", "t2", "t4", _=EN) == (
        "Tenant 2 holds proxies for other members, so cannot appoint a proxy: a proxy cannot "
        "be passed on."
    )
    # Instructions name a vote of this meeting and a choice on its ballot.
    assert refused(appoint, ruled, "agm-2027", "t5", "chair", {"nope": "For"}, _=EN) == (
        "There is no vote called nope at this meeting."
    )


def test_rules_that_allow_no_proxies_or_only_the_chair(tmp_path):
    none = society(tmp_path, "allowed = false")
    assert refused(appoint, none, "agm-2027", "t1", "t2", _=EN) == (
        "The society's rules do not allow proxies at general meetings."
    )
    none.db.close()
    chair_only = society(tmp_path, 'allowed = true\nholders = ["chair"]\ninstructions = false')
    assert refused(appoint, chair_only, "agm-2027", "t1", "t2", _=EN) == (
        "The society's rules allow only the chair of the meeting to hold a proxy."
    )
    assert refused(appoint, chair_only, "agm-2027", "t1", "chair", {"a": "For"}, _=EN) == (
        "The society's rules do not allow instructions to a proxy."
    )
    chair_only.db.close()
    members_only = society(tmp_path, 'allowed = true\nholders = ["member"]')
    assert refused(appoint, members_only, "agm-2027", "t1", "chair", _=EN) == (
        "The society's rules allow only another member to hold a proxy, not the chair."
    )
    members_only.db.close()


def test_a_welsh_speaker_is_refused_in_welsh(ruled):
    appoint(ruled, "agm-2027", "t1", "t3")
    appoint(ruled, "agm-2027", "t2", "t3")
    # t9 reads Welsh (the roster says so): no translator passed, theirs is used.
    assert refused(appoint, ruled, "agm-2027", "t9", "t3") == (
        "Ni chaiff neb ddal dirprwy dros fwy na 2 aelod: mae Tenant 3 yn dal 2."
    )
    assert refused(appoint, ruled, "agm-2027", "t9", "t9") == (
        "Ni chaiff aelod fod yn ddirprwy iddo'i hun."
    )


def test_present_by_proxy_counts_members_whose_holder_is_there(ruled):
    appoint(ruled, "agm-2027", "t1", "t2")
    appoint(ruled, "agm-2027", "t3", "t2")
    appoint(ruled, "agm-2027", "t4", "chair")
    appoint(ruled, "agm-2027", "t5", "t6")
    assert present_by_proxy(ruled, "agm-2027", chair=False) == 0
    assert present_by_proxy(ruled, "agm-2027") == 1  # the chair's
    assert present_by_proxy(ruled, "agm-2027", ["t2"]) == 3
    # t3 came after all: present in person, so not by proxy as well.
    assert present_by_proxy(ruled, "agm-2027", ["t2", "t3", "t6"]) == 3
    assert present_by_proxy(ruled, "agm-2027", ["t6"], chair=False) == 1


def test_erasing_a_member_ends_the_proxies_they_gave_and_held(ruled):
    from storage.privacy import erase_member, export_member

    appoint(ruled, "agm-2027", "t1", "t2")
    appoint(ruled, "agm-2027", "t3", "t2")
    exported = export_member(ruled.db, "t2")["meeting_proxies"]
    assert sorted(p["member_id"] for p in exported) == ["t1", "t3"]
    erase_member(ruled.db, "t2", ruled.now())
    assert proxies.shown(ruled, "agm-2027")["appointed"] == 0


def test_an_officer_never_sees_how_a_member_instructed_their_proxy(ruled):
    from handlers.votes.admin import create_vote
    from storage.privacy import export_for_officer, export_member
    from tests.handlers.votes.test_votes import definition

    create_vote(ruled, definition(meeting="agm-2027", closes=START + timedelta(days=7)), "test")
    appoint(ruled, "agm-2027", "t1", "t2", {"agm": "against"})
    appoint(ruled, "agm-2027", "t3", "t2")
    assert (
        export_member(ruled.db, "t1")["meeting_proxies"][0]["instructions"] == '{"agm": "Against"}'
    )
    assert "Against" not in str(export_for_officer(ruled.db, "t1"))
    assert [p["member_id"] for p in export_for_officer(ruled.db, "t3")["meeting_proxies"]] == ["t3"]


def test_the_meetings_quorum_and_declaration_count_members_present_by_proxy(ruled):
    from handlers.meetings.attendance import recorded_quorum, summary

    assert summary(ruled, "agm-2027")["present"]["proxy"] == 0
    assert recorded_quorum(ruled, "agm-2027") is None  # nobody there: not recorded
    appoint(ruled, "agm-2027", "t4", "chair")
    appoint(ruled, "agm-2027", "t5", "t6")  # t6 has not checked in
    shown = summary(ruled, "agm-2027")
    assert shown["present"]["proxy"] == 1 and shown["quorum"]["present"] == 1
    assert recorded_quorum(ruled, "agm-2027") == shown["quorum"]


def test_the_notice_says_how_to_appoint_a_proxy_and_by_when(ruled):
    from handlers.meetings.notice import notices

    by = {m.to.member_id: m.text for m in notices(ruled, AGM.id)}
    assert "If you can't come, someone can vote for you: send /proxy to appoint a proxy, by " in (
        by["t1"]
    )
    assert by["t1"].endswith("Send /meeting to see this notice again.")
