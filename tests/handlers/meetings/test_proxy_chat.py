"""`/proxy` in chat, and a proxy holder casting from `/vote ID`: as instructed only; a
member who votes themselves overrides their proxy, either way round."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.i18n import translator
from handlers.meetings.proxies import ProxyRefused, cast_for
from handlers.votes.admin import close_vote, create_vote, published_result
from handlers.votes.state import load
from storage.votes import queries as votes
from tests.handlers.meetings.test_proxies import society
from tests.handlers.votes.test_votes import Kit, definition, labels
from tests.helpers import START

MEMBERS = tuple(f"t{n}" for n in range(1, 10))


@pytest.fixture
def kit(tmp_path):
    ctx = society(tmp_path)
    kit = Kit(ctx, roster="", linked=MEMBERS)
    yield kit
    ctx.db.close()


def text(messages) -> str:
    return "\n".join(m.text for m in messages)


def open_agm(kit: Kit, **fields) -> None:
    create_vote(
        kit.ctx,
        definition(
            meeting="agm-2027",
            constituencies=("tenant",),
            closes=START + timedelta(days=7),
            **fields,
        ),
        "test",
    )
    kit.tick()


def test_appoint_see_and_revoke_a_proxy_in_chat(kit):
    [shown] = kit.command("t1", "proxy")
    assert "Annual general meeting 2027: you have no proxy." in shown.text
    assert "until Monday 21 December at 10:00" in shown.text
    assert labels(shown) == ["The chair as my proxy"]
    [done] = kit.command("t1", "proxy", "tenant 2")
    assert done.text.startswith("Done: Tenant 2 is your proxy at Annual general meeting 2027.")
    [shown] = kit.command("t1", "proxy")
    assert "your proxy is Tenant 2." in shown.text
    assert labels(shown) == ["The chair as my proxy", "Revoke my proxy"]
    [holder] = kit.command("t2", "proxy")
    assert "You hold proxies for Tenant 1." in holder.text
    [revoked] = kit.press("t1", "Revoke my proxy")
    assert revoked.text == "Your proxy is revoked. Send /proxy to appoint another."
    kit.command("t1", "proxy")
    [chair] = kit.press("t1", "The chair")
    assert chair.text.startswith("Done: the chair is your proxy")
    assert text(kit.command("t3", "proxy", "Nobody Here")) == (
        "I can't find a member called Nobody Here on the roll of Annual general meeting 2027."
    )
    # Refusals in the member's language: t9 reads Welsh.
    assert text(kit.command("t9", "proxy", "t9")) == "Ni chaiff aelod fod yn ddirprwy iddo'i hun."
    kit.ctx.clock.advance(days=29)
    assert text(kit.command("t3", "proxy", "chair")).startswith("Too late: proxies had to be")


def test_a_holder_casts_as_instructed_and_the_member_overrides(kit):
    open_agm(kit)  # the vote is put to the meeting; instructions may name it
    kit.command("t1", "proxy", "Tenant 2")
    [told] = kit.command("t3", "proxy", "t2, agm=against")
    assert "They can vote only as you asked." in told.text
    [status] = kit.command("t3", "proxy")
    assert "You told them how to vote in agm." in status.text and "gainst" not in status.text
    kit.command("t4", "proxy", "chair")
    mine, offers = kit.command("t2", "vote", "agm")
    assert labels(mine) == ["For", "Against", "Abstain"]
    assert labels(offers) == ["For Tenant 1 (proxy)", "For Tenant 3 (proxy)"]
    [screen] = kit.press("t2", "For Tenant 3")
    assert "They asked you to vote Against." in screen.text
    assert labels(screen) == ["Against"]  # instructed: nothing else to press
    kit.press("t2", "Against")
    [thanks] = kit.press("t2", "Confirm")
    assert thanks.text.startswith("Thank you: Tenant 3's vote in Adopt the new rules is cast")
    kit.command("t2", "vote", "agm")
    kit.press("t2", "For Tenant 1")
    kit.press("t2", "For")
    kit.press("t2", "Confirm")
    assert votes.voters_by_channel(kit.ctx.db, "agm") == {"proxy": 2}
    # /vote alone offers the proxies too; and t1, whose proxy voted, may still vote.
    assert labels(kit.command("t2", "vote")[-1])[0] == "For Tenant 1 (proxy)"
    [ballot] = kit.command("t1", "vote")
    assert labels(ballot) == ["For", "Against", "Abstain"]
    # t1 votes themselves: theirs replaces the ballot their proxy cast.
    own = kit.vote("t1", "agm", "Against")
    assert own.startswith("Thank you: your own vote replaces the one your proxy cast for you.")
    assert votes.voters_by_channel(kit.ctx.db, "agm") == {"proxy": 1, "telegram": 1}
    # And the proxy's second try is refused kindly.
    kit.command("t2", "vote", "agm")
    kit.press("t2", "For Tenant 1")
    kit.press("t2", "For")
    [refused] = kit.press("t2", "Confirm")
    assert refused.text == (
        "Tenant 1 has voted in Adopt the new rules themselves. Their own vote counts, so no "
        "proxy vote is needed."
    )
    # t4 voted first; a later proxy ballot (the chair's) is refused as well.
    kit.vote("t4", "agm", "For")
    vote = load(kit.ctx, "agm")
    with pytest.raises(ProxyRefused, match="^Tenant 4 has voted in Adopt the new rules them"):
        cast_for(kit.ctx, vote, None, "t4", [1], translator("en"))
    close_vote(kit.ctx, "agm", "test")
    result = published_result(kit.ctx, "agm")
    assert (result["count"]["for"], result["count"]["against"], result["voted"]) == (1, 2, 3)


def test_a_lost_secret_never_lets_a_member_vote_twice(kit):
    from storage import flow_keys

    open_agm(kit)
    kit.command("t1", "proxy", "t2")
    vote = load(kit.ctx, "agm")
    cast_for(kit.ctx, vote, "t2", "t1", [0], translator("en"))
    flow_keys.drop(kit.ctx.db, [votes.key_label("agm")])  # the keys file lost while open
    [refused] = kit.command("t1", "vote", "agm")
    assert refused.text.startswith("You've already voted in Adopt the new rules")
    assert not refused.choices
    assert votes.count_voters(kit.ctx.db, "agm") == 1
    close_vote(kit.ctx, "agm", "test")
    assert published_result(kit.ctx, "agm")["count"]["for"] == 1
