"""`vote cancel`: a vote created by mistake is removed; those who were told hear so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.votes.admin import VoteError, published_result
from handlers.votes.cancel import cancel_vote
from handlers.votes.chat import tick
from handlers.votes.state import load
from storage import outbox
from storage.votes import queries as store
from tests.handlers.votes.test_votes import Kit
from tests.helpers import START

ROSTER = """member_id,name,email,constituency,timezone,language
t1,Pat Murphy,,tenant,,
t2,Siân Llŷr,,tenant,,cy
t3,Ruth Adeyemi,,tenant,,
s1,Sam Okafor,,staff,,
s2,Priya Shah,,staff,,
"""
REASON = "it was created by mistake"


def pending_keys(ctx) -> set[str]:
    return {row["key"] for row in outbox.rows_for(ctx.db) if row["status"] == "pending"}


def deliver(ctx, *member_ids: str) -> None:
    """The announcements to these members reach them; the rest wait (quiet hours, say)."""
    for row in outbox.claim_due(ctx.db, "telegram", ctx.now() + timedelta(days=1), 1000):
        if row.member_id in member_ids:
            outbox.mark_sent(ctx.db, row, ctx.now())
        else:
            outbox.postpone(ctx.db, row, ctx.now(), "held")


def test_an_open_vote_cancelled_tells_those_told_counts_nothing_and_sends_nothing_more(ctx, clock):
    kit = Kit(ctx, roster=ROSTER)
    kit.create(opens=START)
    kit.tick()
    deliver(ctx, "t1", "t2", "s1")
    kit.vote("t1", "agm", "For")
    assert store.count_voters(ctx.db, "agm") == 1

    messages = cancel_vote(ctx, "agm", REASON, "test")
    kit.postman.post(messages)

    told = {m.to.member_id: m for m in messages if m.to.member_id}
    assert set(told) == {"t1", "t2", "s1"}  # t3 and s2 were never told it was open
    assert told["t1"].title == "Cancelled: Adopt the new rules"
    assert told["t1"].text == (
        "This vote has been cancelled, so no votes will be counted. "
        "The reason given: it was created by mistake"
    )
    assert told["t2"].title.startswith("Wedi'i chanslo: ")  # in Welsh, for Siân
    assert "ni fydd unrhyw bleidlais yn cael ei chyfrif" in told["t2"].text
    assert [m.text for m in messages if m.to.council] == [
        "Vote cancelled: Adopt the new rules (agm). The reason given: it was created by "
        "mistake. 1 ballot was cast; none is counted, and the ballots are deleted."
    ]
    waiting = pending_keys(ctx)
    assert not {k for k in waiting if k.startswith("vote:agm:open:")}  # never delivered now
    assert {k for k in waiting if k.startswith("vote:agm:cancelled:")} == {
        f"vote:agm:cancelled:{m}" for m in ("t1", "t2", "s1")
    }

    vote = load(ctx, "agm")
    assert vote.status == "cancelled"
    assert store.count_voters(ctx.db, "agm") == 0 and store.choice_counts(ctx.db, "agm") == []
    with pytest.raises(VoteError, match=f"agm was cancelled, so nothing was counted: {REASON}"):
        published_result(ctx, "agm")
    clock.advance(days=8)  # past its closing time: nothing is counted or announced
    assert list(tick(ctx, ctx.now())) == []
    [refused] = kit.command("t3", "vote", "agm")
    assert "cancelled" in refused.text


def test_a_scheduled_vote_cancelled_tells_nobody_and_never_opens(ctx, clock):
    kit = Kit(ctx, roster=ROSTER)
    kit.create(opens=START + timedelta(days=1))
    messages = cancel_vote(ctx, "agm", REASON, "test")
    assert [m.to.council for m in messages] == [True]
    clock.advance(days=2)
    assert kit.tick() == []
    assert load(ctx, "agm").status == "cancelled"


def test_announcements_not_yet_posted_stop_when_the_vote_is_cancelled(ctx):
    from handlers.votes.admin import open_vote

    Kit(ctx, roster=ROSTER).create(opens=None)
    waiting = open_vote(ctx, "agm", "test")  # posted a page at a time, as the tick does
    cancel_vote(ctx, "agm", REASON, "test")
    assert list(waiting) == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "give a reason"), ("   ", "give a reason"), ("x" * 301, "keep the reason to 300")],
)
def test_a_cancel_needs_a_reason(ctx, reason, message):
    kit = Kit(ctx, roster=ROSTER)
    kit.create(opens=START + timedelta(days=1))
    with pytest.raises(VoteError, match=message):
        cancel_vote(ctx, "agm", reason, "test")
    assert load(ctx, "agm").status == "scheduled"


def test_a_closed_vote_cannot_be_cancelled(ctx):
    from handlers.votes.admin import close_vote

    kit = Kit(ctx, roster=ROSTER)
    kit.create(opens=START)
    kit.tick()
    close_vote(ctx, "agm", "test")
    with pytest.raises(VoteError, match="agm is closed: only a scheduled or open vote"):
        cancel_vote(ctx, "agm", REASON, "test")
    with pytest.raises(VoteError, match="no vote with id 'nope'"):
        cancel_vote(ctx, "nope", REASON, "test")
