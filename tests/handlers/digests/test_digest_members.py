"""The members' monthly newsletter: who gets it, what it says, and that it fits a phone screen."""

from __future__ import annotations

from datetime import timedelta

from handlers.digests import scheduled as digests
from handlers.digests.newsletter import LIMIT
from handlers.messages import unquoted
from handlers.votes.admin import close_vote
from storage import members
from storage.suggestions import queries as suggestions
from tests.handlers.digests.test_digest_council import FULL, cast, resolution, suggest
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round


def newsletters(ctx) -> dict[str, str]:
    built = digests.members(ctx, ctx.now())
    for message in built.messages:
        assert message.quiet_hours and message.to.member_id
        assert message.key == f"digest:members:{ctx.now().isoformat()}:{message.to.member_id}"
        assert message.title == "News from Our Mutual"
    return {message.to.member_id: message.text for message in built.messages}


def adopt(ctx, text="Share the minutes online", note="The minutes are on the website now.") -> None:
    number = suggest(ctx, "staff-01", text, topic="workplace")
    suggestions.set_status(ctx.db, number, "adopted", ctx.now(), note=note)


def test_opted_out_and_unreachable_members_get_none(ctx):
    join(ctx, staff=3, tenants=2)
    members.upsert_many(
        ctx.db,
        [{"member_id": "tenant-09", "name": "Not Joined", "constituency": "tenant"}],
        ctx.now(),
    )
    adopt(ctx)
    PulseChat(ctx).press("tenant-02", "settings.news", "off")  # through /settings
    members.set_flag(ctx.db, "staff-03", "newsletter_opt_out", True)
    got = newsletters(ctx)
    assert sorted(got) == ["staff-01", "staff-02", "tenant-01"]
    text = unquoted(got["tenant-01"])
    assert text.startswith("You said, we did\n• An idea about workplace: adopted. The minutes")
    assert "The minutes are on the website now." in text
    assert text.endswith("Type /settings to stop these newsletters.")


def test_nothing_new_means_no_newsletter(ctx):
    join(ctx, staff=2, tenants=2)
    assert digests.members(ctx, ctx.now()).messages == []


def test_votes_follow_the_members_constituency(ctx, clock):
    join(ctx, staff=3, tenants=2)
    resolution(ctx, "staff-rules", "Staff rules", constituencies=("staff",))
    resolution(ctx, "garden", "A community garden", days=20)
    cast(ctx, "staff-rules", ["staff-01", "staff-02"])
    cast(ctx, "garden", ["tenant-01"])
    clock.advance(days=3)
    close_vote(ctx, "staff-rules", "test")
    got = newsletters(ctx)
    staff, tenant = got["staff-01"], got["tenant-01"]
    assert "Vote results\n• Staff rules: The resolution is passed. (2 of 3 voted)" in staff
    assert "Coming up\n• A community garden: open until Sun 13 Dec." in staff
    assert "Staff rules" not in tenant
    assert "• A community garden: open until Sun 13 Dec. You've voted, thank you." in tenant


def test_one_headline_figure_with_the_threshold_applied(ctx, clock):
    staff = join(ctx, staff=8, tenants=2)[:8]
    chat = PulseChat(ctx)
    open_round(ctx)
    for member in staff[:4]:
        chat.answer(member, FULL)
    clock.advance(days=4)
    chat.tick()
    got = newsletters(ctx)
    assert (
        "How we're doing\nToo few answered the last Staff pulse to share figures (we need 5)."
        in got["staff-01"]
    )
    assert "/5" not in got["staff-01"] and "tenant-01" not in got  # tenants were not asked

    open_round(ctx)
    for member in staff[:6]:
        chat.answer(member, FULL)
    clock.advance(days=4)
    chat.tick()
    text = newsletters(ctx)["staff-07"]
    assert (
        "How we're doing\nFrom the last Staff pulse (6 answered): Voice heard and acted on: 4.0/5"
        in text
    )


def test_the_next_rung_is_named(ctx):
    join(ctx, staff=2)
    adopt(ctx)
    resolution(ctx, "agm", "AGM minutes")  # voting moves a member up a rung
    cast(ctx, "agm", ["staff-02"])
    # once the vote is closed: counted while open, it would tell officers who voted
    close_vote(ctx, "agm", "test")
    got = newsletters(ctx)
    assert (
        "Your next step\nYou're a Member. Next: Voice. Answer the next check-in or vote when "
        "it arrives here. Type /me." in got["staff-01"]
    )  # the way up, when it is short; else a pointer to /me
    assert (
        "Your next step\nYou're a Voice. Next: Contributor. Type /me to see how to get there."
        in got["staff-02"]
    )


def test_a_busy_month_still_fits_one_phone_screen(ctx, clock):
    people = join(ctx, staff=6, tenants=1)
    staff = people[:6]
    long_words = "word " * 400
    for n in range(5):
        adopt(ctx, f"Idea {n}: {long_words}", note=f"Outcome {n}: {long_words}")
    for n in range(4):
        resolution(ctx, f"past-{n}", f"A resolution with a very long title number {n} " + "x" * 50)
        cast(ctx, f"past-{n}", staff)
    for n in range(3):
        resolution(
            ctx, f"next-{n}", f"Another long title for an upcoming vote {n} " + "y" * 50, days=30
        )
    chat = PulseChat(ctx)
    open_round(ctx)
    for member in staff:
        chat.answer(member, FULL)
    clock.advance(days=4)
    chat.tick()
    for n in range(4):
        close_vote(ctx, f"past-{n}", "test")
    got = newsletters(ctx)
    assert sorted(got) == people
    for member_id, text in got.items():
        assert len(text) <= LIMIT, (member_id, len(text), text)
        assert text.count("\n\n") >= 3 and "Your next step" in text
    text = got["staff-01"]
    print(text)
    assert "• and 4 more. Type /suggest." in text or "• and 3 more. Type /suggest." in text
    assert "How we're doing" in text and "Vote results" in text and "Coming up" in text
    assert clock.now - timedelta(days=4) < clock.now  # the period covered the whole month


def test_only_named_suggestions_are_quoted_to_everyone(ctx):
    join(ctx, staff=2, tenants=1)
    adopt(ctx, text="Fix the boiler in flat 3B, my flat")
    named = suggest(ctx, "staff-02", "Share the minutes online", topic="workplace", named=True)
    suggestions.set_status(ctx.db, named, "adopted", ctx.now(), note="Done.")
    text = unquoted(newsletters(ctx)["tenant-01"])
    assert "flat 3B" not in text and "An idea about workplace: adopted." in text
    assert "“Share the minutes online”: adopted. Done." in text


def test_the_figure_and_vote_results_are_in_the_readers_language(ctx, clock):
    staff = join(ctx, staff=8)
    members.set_language(ctx.db, "staff-07", "cy")
    chat = PulseChat(ctx)
    for _round in range(2):
        open_round(ctx)
        for member in staff[:6]:
            chat.answer(member, FULL)
        clock.advance(days=4)
        chat.tick()
    resolution(ctx, "staff-rules", "Staff rules", constituencies=("staff",))
    cast(ctx, "staff-rules", ["staff-01", "staff-02"])
    clock.advance(days=3)
    close_vote(ctx, "staff-rules", "test")
    got = newsletters_by_member(ctx)
    welsh, english = got["staff-07"], got["staff-06"]
    assert (
        "Sut mae pethau'n mynd\nY tro diwethaf (Holiadur staff, 6 wedi ateb): "
        "Clywed ein llais a gweithredu arno: 4.0/5 (dim newid)" in welsh
    )
    assert "Staff rules: Mae'r cynnig wedi'i basio. (2 o 8 wedi pleidleisio)" in welsh
    assert (
        "From the last Staff pulse (6 answered): Voice heard and acted on: 4.0/5 (no change)"
        in (english)
    )
    assert "Staff rules: The resolution is passed. (2 of 8 voted)" in english


def newsletters_by_member(ctx) -> dict[str, str]:
    return {m.to.member_id: m.text for m in digests.members(ctx, ctx.now()).messages}
