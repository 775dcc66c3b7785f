"""The staff council's digest, built from real rows the features write (real SQLite, FakeClock).

`busy_fortnight` (used by the other digest tests too) plays two weeks of an organisation:
a pulse round closed before the digest's period and one inside it, suggestions (one
overdue, one adopted), a vote closed and one open, and a member who asked to do more.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from handlers.digests import council as digest_council
from handlers.digests import scheduled as digests
from handlers.digests.chart import chart_data
from handlers.members.roster import import_roster
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import rounds as pulse_rounds
from handlers.votes.admin import close_vote, create_vote, open_vote
from handlers.votes.state import new_receipt
from storage.digests import queries as store
from storage.pulses import queries as pulses
from storage.suggestions import queries as suggestions
from storage.tiers import queries as tiers
from storage.votes import queries as vote_store
from surveys.votes.definitions import VoteDefinition
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.helpers import FakeClock, link, make_context

FORTNIGHT_START = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)  # a Monday
DUE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 09:00 in London: the council cron
FULL = ["Agree", "Strongly agree", "Agree", "Neither", "9"]
ALSO_FULL = ["Strongly agree", "Strongly agree", "Agree", "Agree", "10"]
QUIET_LINE = "A quiet week: no check-ins, suggestions or votes since Mon 16 Nov."


def suggest(ctx, member_id, text, topic="services", sentiment="positive", named=False) -> int:
    return suggestions.create(
        ctx.db,
        member_id=member_id,
        text=text,
        topic=topic,
        named=named,
        sentiment=sentiment,
        polarity=0.5 if sentiment == "positive" else -0.5,
        words=text.lower().split(),
        similar=[],
        now=ctx.now(),
    )


def resolution(ctx, vote_id, title, days=2, quorum=0.0, constituencies=()) -> None:
    now = ctx.now()
    definition = VoteDefinition(
        id=vote_id,
        title=title,
        explanation=f"Resolution: {title}.",
        method="resolution",
        opens=now,
        closes=now + timedelta(days=days),
        quorum=quorum,
        constituencies=constituencies,
        reminder_hours=(),
    )
    create_vote(ctx, definition, "test")
    open_vote(ctx, vote_id, "test")


def cast(ctx, vote_id, member_ids, choice="for") -> None:
    for member_id in member_ids:
        outcome, _ = vote_store.cast(
            ctx.db, vote_id, member_id, choice, new_receipt, f"{ctx.now():%Y-%m-%d}", ctx.now()
        )
        assert outcome == vote_store.CAST


def busy_fortnight(ctx, clock) -> list[str]:
    """Two weeks from Mon 9 Nov; the clock ends at the digest's due time, Mon 30 Nov 09:00."""
    people = join(ctx, staff=12, tenants=6)
    staff = [p for p in people if p.startswith("staff")]
    chat = PulseChat(ctx)
    open_round(ctx)
    for member in staff[:6]:
        chat.answer(member, FULL)
    old = suggest(ctx, "tenant-01", "Fix the lift in block C", topic="my home")
    clock.advance(days=3, minutes=1)
    chat.tick()  # closes round 1 after its 72 hours, on Thu 12 Nov
    clock.advance(days=11, minutes=-1)  # Mon 23 Nov 10:00: the week the digest covers
    suggestions.mark_overdue(ctx.db, ctx.now() - timedelta(days=13), ctx.now())
    second = open_round(ctx)
    open_round(ctx, "tenant-pulse")  # open all week; nobody answers
    for member in staff[:7]:
        chat.answer(member, ALSO_FULL)
    suggest(ctx, "tenant-02", "More bike racks by the office")
    suggest(ctx, "staff-01", "The rota is confusing", topic="workplace", sentiment="negative")
    adopted = suggest(ctx, "staff-02", "Share minutes online", topic="workplace")
    suggestions.set_status(ctx.db, adopted, "adopted", ctx.now(), note="Minutes are online now.")
    resolution(ctx, "budget", "Approve the 2027 budget")
    resolution(ctx, "rules", "Adopt the new rules", days=10, quorum=50)
    cast(ctx, "budget", people[:10])
    cast(ctx, "rules", people[:3])
    tiers.consent(ctx.db, "tenant-03", "contributor", ctx.now())
    clock.advance(days=3, hours=1)  # Thu 26 Nov: round 2 and the budget vote close
    chat.tick()
    close_vote(ctx, "budget", "test")
    assert pulses.get_round(ctx.db, second["id"])["closed_at"] and old == 1
    clock.now = DUE
    return people


def test_a_busy_week_in_one_screen(tmp_path):
    clock = FakeClock(FORTNIGHT_START)
    ctx = make_context(clock)
    busy_fortnight(ctx, clock)
    built = digests.council(ctx, DUE, tmp_path)
    [message] = built.messages
    assert message.to.council and message.key == "digest:council:2026-11-30T09:00:00+00:00"
    assert message.title == "Council digest: the week to Mon 30 Nov"
    text = message.text
    print(text)
    assert text.startswith("Since Mon 23 Nov.")
    # Round 1 closed before the period; round 2 closed in it, compared with round 1.
    assert "Staff pulse, round 2, closed Thu 26 Nov: 7 of 12 answered (58%)." in text
    assert "round 1" not in text.split("Tenant pulse")[0]
    assert "  Voice heard and acted on: 5.0/5 (up 1.0)" in text
    assert "  Kept well informed: 4.0/5 (up 1.0)" in text
    assert "  Employee NPS: +100 (no change)" in text
    assert (
        "Tenant pulse, round 1, open until 10:00 on Mon 30 Nov: none of 6 answered so far." in text
    )
    assert "SUGGESTIONS\n3 new suggestions:\n  workplace 2 (1 negative, 1 positive)" in text
    assert "  services 1 (1 positive)" in text
    assert "Still waiting for a first answer after 14 days: #1 (my home, sent Mon 9 Nov)." in text
    assert "Open: Adopt the new rules: 3 of 18 voted (17%); quorum 50% (9): 6 more needed." in text
    assert (
        "Closed: Approve the 2027 budget: The resolution is passed. 10 of 18 voted (56%)." in text
    )
    assert "ASKED TO DO MORE (happy to be contacted)\nTenant Person 3 (tenant): Contributor" in text
    assert "ON THE LADDER" in text
    assert len(text) < 3000  # one screen in Slack; Telegram splits after 4096 anyway
    assert message.image and (tmp_path / "council-20261130-090000.png").exists()


def test_an_organisation_with_no_activity_gets_one_line(ctx):
    join(ctx, staff=6, tenants=6)
    built = digests.council(ctx, ctx.now())
    [message] = built.messages
    assert message.text == QUIET_LINE
    assert message.image is None and built.image is None


def test_a_quiet_week_still_names_overdue_suggestions(ctx, clock):
    join(ctx, tenants=1)
    suggest(ctx, "tenant-01", "Fix the lift")
    clock.advance(days=20)
    suggestions.mark_overdue(ctx.db, ctx.now() - timedelta(days=14), ctx.now())
    [message] = digests.council(ctx, ctx.now()).messages
    first, second = message.text.split("\n\n")
    assert first.startswith("A quiet week: no check-ins, suggestions or votes since")
    assert (
        second == "Still waiting for a first answer after 14 days: #1 (services, sent Mon 23 Nov)."
    )


def three_groups(ctx) -> dict:
    """Staff 10, tenant 4, volunteer 6 asked one round; 8, 2 and 6 of them answer."""
    ctx.policy = replace(
        ctx.policy,
        organisation=replace(
            ctx.policy.organisation, constituencies=("staff", "tenant", "volunteer")
        ),
    )
    lines = ["member_id,name,email,constituency"]
    for group, size in (("staff", 10), ("tenant", 4), ("volunteer", 6)):
        lines += [f"{group}-{n:02d},{group.title()} {n},,{group}" for n in range(1, size + 1)]
    assert import_roster(ctx, io.StringIO("\n".join(lines) + "\n"), skip_bad=False, actor="t")
    for group, size in (("staff", 10), ("tenant", 4), ("volunteer", 6)):
        for n in range(1, size + 1):
            link(ctx, f"{group}-{n:02d}")
    everyone = ("staff", "tenant", "volunteer")
    definition = replace(pulse_definitions.load(ctx)["staff-pulse"], audience=everyone)
    round_row = pulse_rounds.open_round(ctx, definition, "test")
    chat = PulseChat(ctx)
    for group, answering in (("staff", 8), ("tenant", 2), ("volunteer", 6)):
        for n in range(1, answering + 1):
            chat.answer(f"{group}-{n:02d}", FULL)
    return round_row


def test_no_figure_is_shown_for_a_group_below_the_threshold(ctx, clock, tmp_path):
    round_row = three_groups(ctx)
    clock.advance(days=4)
    PulseChat(ctx).tick()  # closes the round
    built = digests.council(ctx, ctx.now(), tmp_path)
    text = built.messages[0].text
    print(text)
    assert "16 of 20 answered (80%)" in text
    # Tenants (2 answered) are hidden; volunteers too, or 16 - 8 - 6 would give them away.
    assert (
        "By group: staff 8 of 10 (80%); tenant and volunteer together 8 of 10 "
        "(merged: small groups are hidden)" in text
    )
    for leak in ("tenant 2", "2 of 4", "volunteer 6", "6 of 6", "(50%)", "(100%)"):
        assert leak not in text
    assert "tenant: not shown (fewer than 5 members)" in text  # the ladder: 4 tenants
    chart = digest_council.build(ctx, built.since, built.until).chart
    bars = {bar.label: bar.rate for bar in chart.bars}
    assert bars == {
        "Staff pulse: staff": 80.0,
        "Staff pulse: tenant": None,
        "Staff pulse: volunteer": None,
    }
    data = chart_data(ctx, [pulses.get_round(ctx.db, round_row["id"])], ctx.now(), "t")
    assert data.bars == chart.bars


def test_a_round_with_too_few_answers_shows_no_figures(ctx, clock):
    staff = join(ctx, staff=12)
    open_round(ctx)
    chat = PulseChat(ctx)
    for member in staff[:4]:
        chat.answer(member, FULL)
    clock.advance(days=4)
    chat.tick()
    built = digests.council(ctx, ctx.now())
    text = built.messages[0].text
    assert "Staff pulse, round 1, closed Fri 27 Nov: fewer than 5 of 12 answered." in text
    assert "  Figures hidden: they show from 5 answers, to protect anonymity." in text
    assert "/5" not in text and "4 of 12" not in text
    chart = digest_council.build(ctx, built.since, built.until).chart
    [trend] = chart.trends
    assert trend.means == (None,)  # the chart leaves a gap, too
    [bar] = chart.bars
    assert bar.rate is None


def test_the_next_digest_starts_where_the_last_one_ended(ctx, clock):
    join(ctx, staff=6)
    due = clock.now
    first = digests.council(ctx, due)
    digests.remember(ctx, first, due, "test")
    clock.advance(days=7)
    suggest(ctx, "staff-01", "A new idea")
    second = digests.council(ctx, clock.now)
    assert second.since == first.until and "1 new suggestion:" in second.messages[0].text
    assert [r["kind"] for r in store.runs(ctx.db)] == ["council"]


def test_names_of_people_who_asked_stay_with_officers_when_they_are_told_instead(ctx):
    join(ctx, tenants=2)
    tiers.consent(ctx.db, "tenant-01", "voice", ctx.now())
    ctx.policy = replace(
        ctx.policy,
        tiers=replace(ctx.policy.tiers, notify="officers"),
        admin=replace(ctx.policy.admin, officers=("tenant-02",)),
    )
    text = digests.council(ctx, ctx.now()).messages[0].text
    assert "1 member asked to do more; the membership officer has their names." in text
    assert "Tenant Person 1" not in text


def test_a_section_that_fails_does_not_stop_the_digest(ctx, monkeypatch, caplog):
    join(ctx, staff=6)
    resolution(ctx, "agm", "AGM minutes")

    def broken(ctx):
        raise ValueError("the ladder file is unreadable")

    monkeypatch.setattr(digest_council, "ladder_report", broken)
    text = digests.council(ctx, ctx.now()).messages[0].text
    assert "ON THE LADDER\nCould not be put together this time (the bot's log says why)." in text
    assert "VOTES\nOpen: AGM minutes: 0 of 6 voted (0%)." in text
    assert "the ladder file is unreadable" in caplog.text
