"""Property: a count with proxies (some instructed, some capped, some overridden by the
member, either way round) equals an independent count written here; and proxy ballots
leave nothing in the file that says which slot is a proxy's, while open or after."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.i18n import translator
from handlers.meetings.admin import create_meeting
from handlers.meetings.proxies import ProxyRefused, appoint, cast_for
from handlers.messages import Command, Member, Sender
from handlers.settings import Organisation, Policy
from handlers.votes import ballots
from handlers.votes.admin import close_vote, create_vote, open_vote, published_result
from handlers.votes.state import load
from storage.meetings.proxies import all_proxies
from tests.handlers.meetings.test_proxies import AGM, PROXIES, RULES
from tests.handlers.votes.test_votes import definition
from tests.helpers import START, add_members, make_context

EN = translator("en")
CHOICES = ("for", "against", "abstain")
HOLDERS = ("t1", "t2", "chair")
APPOINTERS = tuple(f"t{n}" for n in range(3, 9))
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"t{n},Tenant {n},,tenant\n" for n in range(1, 9)
)
pick = st.none() | st.integers(0, 2)
appointer = st.fixed_dictionaries(
    {
        "holder": st.none() | st.sampled_from(HOLDERS),
        "instructed": pick,
        "proxy_pick": pick,
        "own_pick": pick,
        "own_first": st.booleans(),
    }
)


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("proxy-count") / "rules.toml"
    path.write_text(RULES.format(proxies=PROXIES))  # at most 2 proxies per holder
    return path


def meeting_with_a_vote(rules_file, allow_change: bool):
    organisation = Organisation(rules=str(rules_file), constituencies=("staff", "tenant"))
    ctx = make_context(policy=Policy(organisation=organisation))
    add_members(ctx, ROSTER)
    create_meeting(ctx, AGM, "test")
    fields = {"meeting": "agm-2027", "constituencies": ("tenant",), "allow_change": allow_change}
    create_vote(ctx, definition(closes=START + timedelta(days=7), **fields), "test")
    list(open_vote(ctx, "agm", "test"))
    return ctx


def own_ballot(ctx, member_id: str, index: int) -> str:
    member = Member(member_id=member_id, name=f"Tenant {member_id[1:]}", constituency="tenant")
    event = Command(Sender("telegram", f"u-{member_id}", f"u-{member_id}"), member, "e")
    text, _receipt = ballots.fill_in(ctx, event, load(ctx, "agm"), [index])
    return text


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plans=st.lists(appointer, min_size=len(APPOINTERS), max_size=len(APPOINTERS)),
    holders_own=st.lists(pick, min_size=2, max_size=2),
    allow_change=st.booleans(),
)
def test_a_count_with_proxies_matches_an_independent_count(
    rules_file, plans, holders_own, allow_change
):
    ctx = meeting_with_a_vote(rules_file, allow_change)
    try:
        held: Counter[str] = Counter()
        final: dict[str, int] = {}
        for member_id, plan in zip(APPOINTERS, plans, strict=True):
            holder = plan["holder"]
            told = {} if plan["instructed"] is None else {"agm": CHOICES[plan["instructed"]]}
            plan["appointed"] = holder is not None and held[holder] < 2
            if holder is None:
                continue
            if plan["appointed"]:
                held[holder] += 1
                appoint(ctx, "agm-2027", member_id, holder, told, "test", EN)
            else:
                with pytest.raises(ProxyRefused, match="^No one may hold a proxy for more than 2"):
                    appoint(ctx, "agm-2027", member_id, holder, told, "test", EN)
        for member_id, index in zip(("t1", "t2"), holders_own, strict=True):
            if index is not None:
                assert own_ballot(ctx, member_id, index).startswith("Thank you")
                final[member_id] = index
        vote = load(ctx, "agm")
        for member_id, plan in zip(APPOINTERS, plans, strict=True):
            own, by_proxy = plan["own_pick"], plan["proxy_pick"]
            steps = ["own", "proxy"] if plan["own_first"] else ["proxy", "own"]
            for step in steps:
                if step == "own" and own is not None:
                    thanks = own_ballot(ctx, member_id, own)
                    replaced = member_id in final
                    assert thanks.startswith(
                        "Thank you: your own vote replaces" if replaced else "Thank you"
                    ), thanks
                    final[member_id] = own
                if step == "proxy" and by_proxy is not None:
                    holder = plan["holder"]
                    accepted = (
                        plan["appointed"]
                        and plan["instructed"] in (None, by_proxy)
                        and member_id not in final
                    )
                    holder_id = None if holder in (None, "chair") else holder
                    if accepted:
                        cast_for(ctx, vote, holder_id, member_id, [by_proxy], EN)
                        final[member_id] = by_proxy
                    else:
                        with pytest.raises(ProxyRefused):
                            cast_for(ctx, vote, holder_id, member_id, [by_proxy], EN)
        # While open, no ballot slot stands out as a proxy's: every one has a key, or none.
        keyed = {row[0] for row in ctx.db.execute("select ballot_key is null from vote_ballots")}
        assert len(keyed) == 1
        close_vote(ctx, "agm", "test")
        result = published_result(ctx, "agm")
        expected = Counter(CHOICES[index] for index in final.values())
        assert {c: result["count"][c] for c in CHOICES} == {c: expected[c] for c in CHOICES}
        assert result["voted"] == len(final)
        # Closed: no instruction for it kept, nothing keyed, no channel left on the roll.
        assert all(not p["instructions"] for p in all_proxies(ctx.db, "agm-2027"))
        assert (
            ctx.db.execute(
                "select count(*) from vote_ballots where ballot_key is not null"
            ).fetchone()[0]
            == 0
        )
        assert (
            ctx.db.execute("select count(*) from vote_voters where channel is not null").fetchone()[
                0
            ]
            == 0
        )
    finally:
        ctx.db.close()
