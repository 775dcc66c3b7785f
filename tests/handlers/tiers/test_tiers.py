"""`/tiers`, `/me` and "I'd like to do more", through the router as the engine calls it."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from handlers import build_router
from handlers.members.identity import member_for
from handlers.messages import Choice, Command, Message, Sender
from handlers.tiers.standing import current_ladder, placements
from storage import privacy
from storage.tiers import queries as records
from tests.handlers.tiers.test_tier_activity import answer_pulse, close_vote, suggest, vote
from tests.helpers import add_members, link


class Chat:
    """Members talking to the bot: commands and button presses, replies back."""

    def __init__(self, ctx) -> None:
        self.ctx, self.router = ctx, build_router()

    def sender(self, member_id: str) -> Sender:
        return Sender("telegram", f"u-{member_id}", f"u-{member_id}")

    def _event(self, member_id: str, kind: type, **fields):
        who = self.sender(member_id)
        member = member_for(self.ctx, who.platform, who.platform_user_id)
        return kind(who, member, uuid.uuid4().hex, **fields)

    def command(self, member_id: str, name: str, args: str = "") -> list[Message]:
        return self.router.dispatch(self.ctx, self._event(member_id, Command, name=name, args=args))

    def press(self, member_id: str, message: Message, label: str) -> list[Message]:
        [option] = [o for o in message.choices if o.label == label]
        event = self._event(
            member_id, Choice, action=option.action, value=option.value, message_ref="m1"
        )
        return self.router.dispatch(self.ctx, event)


@pytest.fixture
def chat(ctx):
    add_members(ctx)
    for member_id in ("t1", "t2", "s1"):
        link(ctx, member_id)
    return Chat(ctx)


def labels(message: Message) -> list[str]:
    return [o.label for o in message.choices]


def to_member(messages: list[Message]) -> list[Message]:
    return [m for m in messages if not m.to.council and m.to.chat_id]


def elsewhere(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.to.council or not m.to.chat_id]


def test_tiers_shows_every_rung_in_a_few_lines_and_marks_yours(chat):
    [answer] = chat.command("t1", "tiers")
    lines = answer.text.splitlines()
    assert len(lines) <= 8 and all(len(line) <= 110 for line in lines)
    assert "• Member (you're here): You own a share" in answer.text
    assert "• Representative: You speak for members" in answer.text
    assert labels(answer) == [
        "Member",
        "Voice",
        "Contributor",
        "Volunteer / Champion",
        "Representative",
    ]


def test_reading_about_a_rung_says_what_it_asks_gives_and_how_to_get_there(chat):
    [ladder] = chat.command("t1", "tiers")
    [about] = chat.press("t1", ladder, "Contributor")
    assert about.title == "Contributor"
    for start in ("What it asks: ", "What it gives: ", "How to get here: Send an idea"):
        assert start in about.text
    assert "You're a Member now." in about.text
    assert labels(about) == ["I'd like to do more", "Back to all the rungs"]
    [member] = chat.press("t1", ladder, "Member")
    assert "You're here now." in member.text and "I'd like to do more" not in labels(member)
    [back] = chat.press("t1", about, "Back to all the rungs")
    assert back.title == "The ways to get involved"


def test_me_keeps_who_you_are_and_adds_your_rung_what_counts_and_one_next_step(chat, ctx, clock):
    [before] = chat.command("t1", "me")
    assert before.text.startswith("You are Pat Murphy (member t1), a tenant member of Our Mutual.")
    assert "Connected through: telegram." in before.text
    assert "Your rung: Member." in before.text
    assert "Nothing counted yet in the last year." in before.text
    assert "Next step, to become a Voice: Answer the next check-in" in before.text
    assert labels(before) == ["I'd like to do more", "The ways to get involved"]

    answer_pulse(ctx, "t1")
    clock.advance(days=3)
    answer_pulse(ctx, "t1")
    vote(ctx, "t1")
    [after] = chat.command("t1", "me")
    assert "Your rung: Voice." in after.text
    assert "You answered 2 check-ins and voted once in the last year." in after.text
    assert after.text.count("Next step") == 1
    assert "Next step, to become a Contributor: Send an idea" in after.text


def test_me_names_groups_roles_and_the_top_rung(chat, ctx, clock):
    suggest(ctx, "s1")
    records.add_group(ctx.db, "s1", "Repairs panel", clock(), "test")
    [champion] = chat.command("s1", "me")
    assert "Your rung: Volunteer / Champion." in champion.text
    assert "You sent 1 idea with your name in the last year." in champion.text
    assert "You're in Repairs panel (a group)." in champion.text
    records.add_role(ctx.db, "s1", "council", clock(), "test")
    [top] = chat.command("s1", "me")
    assert "Your rung: Representative." in top.text and "Your role: council." in top.text
    assert "top rung" in top.text and labels(top) == ["The ways to get involved"]


def test_do_more_with_consent_tells_the_council_who_and_what(chat, ctx):
    [me] = chat.command("t1", "me")
    [question] = chat.press("t1", me, "I'd like to do more")
    assert "May the membership officer contact you about becoming a Voice?" in question.text
    assert "not anonymous" in question.text and "your name" in question.text
    assert records.interest(ctx.db, "t1", "voice")["consent"] is None

    replies = chat.press("t1", question, "Yes, contact me")
    [thanks] = to_member(replies)
    assert thanks.edit_ref == "m1" and "passed your name to the membership officer" in thanks.text
    [told] = elsewhere(replies)
    assert told.to.council and told.quiet_hours and told.key
    assert "Pat Murphy (tenant member, id t1)" in told.text and "Voice" in told.text
    assert records.named_pipeline(ctx.db)[0]["member_id"] == "t1"

    # Asking again tells nobody twice.
    [again] = chat.press("t1", me, "I'd like to do more")
    assert "already asked" in again.text and not again.choices
    assert elsewhere(chat.press("t1", question, "Yes, contact me")) == []


def test_do_more_without_consent_reaches_nobody_and_is_only_counted(chat, ctx):
    [me] = chat.command("t2", "me")
    [question] = chat.press("t2", me, "I'd like to do more")
    replies = chat.press("t2", question, "No, just count me")
    [reply] = replies
    assert "without your name" in reply.text
    assert elsewhere(replies) == []
    assert records.interest(ctx.db, "t2", "voice") is None
    assert records.named_pipeline(ctx.db) == []
    assert records.anonymous_pipeline(ctx.db) == {"voice": {"declined": 1, "waiting": 0}}
    exported = privacy.export_member(ctx.db, "t2")
    assert exported["tier_interest"] == []
    # A second "No" on the same question counts nothing more.
    chat.press("t2", question, "No, just count me")
    assert records.anonymous_pipeline(ctx.db)["voice"]["declined"] == 1


def test_officers_mode_tells_each_officer_instead_of_the_council(chat, ctx):
    ctx.policy = dataclasses.replace(
        ctx.policy,
        tiers=dataclasses.replace(ctx.policy.tiers, notify="officers"),
        admin=dataclasses.replace(ctx.policy.admin, officers=("s1",)),
    )
    [ladder] = chat.command("t1", "tiers")
    [about] = chat.press("t1", ladder, "Volunteer / Champion")
    [question] = chat.press("t1", about, "I'd like to do more")
    told = elsewhere(chat.press("t1", question, "Yes, contact me"))
    assert [m.to.member_id for m in told] == ["s1"] and not told[0].to.council
    assert "interested in becoming a Volunteer / Champion" in told[0].text


def test_someone_already_on_a_rung_is_thanked_not_asked(chat, ctx, clock):
    records.add_role(ctx.db, "t1", "board", clock(), "test")
    [ladder] = chat.command("t1", "tiers")
    [about] = chat.press("t1", ladder, "Voice")
    assert "already past this rung" in about.text and "I'd like to do more" not in labels(about)


def test_an_unanswered_request_becomes_an_anonymous_count_after_a_week(chat, ctx, clock):
    from handlers.tiers import nudges as tier_nudges

    [me] = chat.command("t1", "me")
    chat.press("t1", me, "I'd like to do more")
    clock.advance(days=6)
    list(tier_nudges.tick(ctx, ctx.now()))
    assert records.interest(ctx.db, "t1", "voice") is not None
    assert records.anonymous_pipeline(ctx.db) == {"voice": {"declined": 0, "waiting": 1}}
    clock.advance(days=2)
    list(tier_nudges.tick(ctx, ctx.now()))
    assert records.interest(ctx.db, "t1", "voice") is None
    assert records.anonymous_pipeline(ctx.db) == {"voice": {"declined": 1, "waiting": 0}}


def test_erasing_a_member_removes_their_roles_groups_and_interest(chat, ctx, clock):
    records.add_role(ctx.db, "t1", "champion", clock(), "test")
    records.add_group(ctx.db, "t1", "Panel", clock(), "test")
    [me] = chat.command("t1", "me")
    chat.press("t1", me, "I'd like to do more")
    exported = privacy.export_member(ctx.db, "t1")
    assert exported["member_roles"][0]["role"] == "champion"
    assert exported["member_groups"][0]["group_name"] == "Panel"
    assert exported["tier_interest"][0]["tier"] == "representative"
    privacy.erase_member(ctx.db, "t1", clock())
    for table in ("member_roles", "member_groups", "tier_interest"):
        count = ctx.db.execute(f"select count(*) from {table} where member_id = 't1'").fetchone()
        assert count == (0,), table


def test_a_members_own_rung_counts_a_vote_once_it_is_sealed_too(chat, ctx, clock):
    """Counted in their own view while open, a ballot would reach officers all the same:
    "I'd like to do more" from /me records the rung /me named next (tier_interest)."""
    ladder = current_ladder(ctx)
    vote_id = vote(ctx, "t1", close=False)
    [me] = chat.command("t1", "me")
    assert "Your rung: Member." in me.text
    chat.press("t1", me, "I'd like to do more")
    assert [r["tier"] for r in ctx.db["tier_interest"].rows] == ["voice"]
    placed = {p["member_id"]: p["tier"] for p in placements(ctx, ladder, ctx.now())}
    assert placed["t1"] == "member"
    close_vote(ctx, vote_id)
    [me] = chat.command("t1", "me")
    assert "Your rung: Voice." in me.text and "voted once" in me.text
