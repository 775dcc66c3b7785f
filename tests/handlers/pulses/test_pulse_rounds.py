"""Rounds: who is asked, invitations and reminders (never twice, never at night), closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.outbox import Outcome, Pace, Sender
from bot.postman import Postman
from bot.scheduler import Scheduler
from handlers.pulses import rounds as pulse_rounds
from storage import members, outbox
from storage.privacy import erase_member
from storage.pulses import queries as pulses
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.helpers import FakeClock, link, make_context


def keys(ctx, kind: str) -> set[str]:
    return {r["key"].rsplit(":", 1)[1] for r in outbox.rows_for(ctx.db) if f":{kind}:" in r["key"]}


def test_the_round_asks_active_unpaused_members_of_its_audience_as_they_were_at_open(ctx):
    staff = join(ctx, staff=4, tenants=2)
    members.set_flag(ctx.db, "staff-02", "pulses_paused", True)
    erase_member(ctx.db, "staff-03", ctx.now())
    round_row = open_round(ctx)
    asked = [r[0] for r in ctx.db.execute("select member_id from pulse_participation")]
    assert asked == ["staff-01", "staff-04"]
    assert staff and pulses.turnout(ctx.db, round_row) == ({"staff": 0}, {"staff": 2})
    assert pulses.secret(ctx.db, round_row["id"]) is not None


def test_invitations_go_once_and_reach_members_who_join_later(ctx, clock):
    join(ctx, staff=3, linked=False)
    link(ctx, "staff-01")
    link(ctx, "staff-02")
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    assert chat.tick() == 2
    assert chat.tick() == 0
    assert keys(ctx, "invite") == {"staff-01", "staff-02"}
    assert pulses.not_joined(ctx.db, round_row["id"]) == 1
    link(ctx, "staff-03")  # joins while the round is open
    assert chat.tick() == 0  # ticks look again every ten minutes
    clock.advance(minutes=10)
    assert chat.tick() == 1 and keys(ctx, "invite") == {"staff-01", "staff-02", "staff-03"}
    assert {r["quiet"] for r in outbox.rows_for(ctx.db)} == {1}


def test_the_reminder_reaches_only_those_who_have_not_finished(ctx, clock):
    join(ctx, staff=4)
    open_round(ctx)  # staff pulse: reminder after 48 hours
    chat = PulseChat(ctx)
    chat.tick()
    chat.answer("staff-01", ["Agree", "Agree", "Agree", "Agree", "8", "text:Fine."])
    chat.answer("staff-02", ["Agree", "Skip", "Skip", "Skip", "Skip", "Skip"])  # finished too
    chat.answer("staff-03", ["Agree"])  # started, not finished
    clock.advance(hours=47)
    chat.tick()
    assert keys(ctx, "remind") == set()
    clock.advance(hours=1)
    assert chat.tick() == 2
    assert keys(ctx, "remind") == {"staff-03", "staff-04"}
    assert chat.tick() == 0  # however often the tick runs
    clock.advance(minutes=10)
    assert chat.tick() == 0
    reminder = chat.last("staff-03")
    assert reminder["quiet"] == 1
    assert reminder["payload"]["text"].startswith("A gentle reminder: the Staff pulse is open")
    assert "Question 2 of 6" in reminder["payload"]["text"]  # where they left off
    chat.tap("staff-03", "Agree", reminder)
    assert pulses.participant(ctx.db, 1, "staff-03")["step"] == 2


def test_paused_members_get_no_reminder(ctx, clock):
    join(ctx, staff=2)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.tick()
    members.set_flag(ctx.db, "staff-02", "pulses_paused", True)
    clock.advance(hours=48)
    chat.tick()
    assert keys(ctx, "remind") == {"staff-01"}


async def test_nobody_gets_a_question_during_quiet_hours():
    clock = FakeClock(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 22:30 in London
    ctx = make_context(clock)
    join(ctx, staff=3)
    open_round(ctx)
    PulseChat(ctx).tick()
    rows = outbox.rows_for(ctx.db)
    assert len(rows) == 3 and {r["quiet"] for r in rows} == {1}
    delivered = []

    async def deliver(row, message):
        delivered.append((clock(), row.key))
        return Outcome(ref=row.key)

    sender = Sender(
        ctx.db,
        "telegram",
        deliver,
        clock,
        Pace(rate_per_second=1000, per_chat_seconds=0),
        sleep=clock.sleep,
    )
    assert await sender.drain() == 0
    assert {r["not_before"] for r in outbox.rows_for(ctx.db)} == {"2026-11-24T08:00:00+00:00"}
    clock.advance(hours=9, minutes=30)  # 08:00
    assert await sender.drain() == 3
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert all(morning <= at < morning.replace(minute=1) for at, _ in delivered)


def test_the_tick_closes_a_due_round_once_and_forgets_who_had_what(ctx, clock):
    join(ctx, staff=3)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    chat.tick()
    chat.answer("staff-01", ["Agree", "Agree"])
    clock.advance(hours=72)
    assert chat.tick() == 0
    closed = pulses.get_round(ctx.db, round_row["id"])
    assert closed["closed_at"] == clock().isoformat(timespec="seconds")
    assert pulses.secret(ctx.db, round_row["id"]) is None
    assert outbox.rows_for(ctx.db) == []
    assert pulses.turnout(ctx.db, closed) == ({"staff": 1}, {"staff": 3})
    remaining = list(ctx.db.query("select * from pulse_participation"))
    assert [(r["member_id"], r["step"], r["finished"]) for r in remaining] == [
        ("staff-01", None, None)
    ]
    assert not pulses.close_round(ctx.db, round_row["id"], clock())
    assert ctx.db["pulse_answers"].count == 2


def test_a_scheduled_survey_opens_once_per_due_time_and_replaces_the_open_round(tmp_path):
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # a Sunday
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "weekly.toml").write_text(
        'id = "weekly"\ntitle = "Weekly check-in"\naudience = ["staff"]\n'
        'schedule = "0 10 * * mon"\nopen_hours = 200\nreminder_hours = 0\n'
        'thanks = "Thanks."\n[[questions]]\nid = "week"\nkind = "scale"\n'
        'text = "This week went well."\n'
    )
    ctx = make_context(clock, tmp_path / "mv.db")
    ctx.policy = replace(ctx.policy, surveys=replace(ctx.policy.surveys, folder=str(folder)))
    join(ctx, staff=2)
    scheduler = Scheduler(ctx, Postman(ctx.db, clock, None, "Europe/London"))
    assert {job.id for job in scheduler.jobs} >= {"pulses:tick", "survey:weekly"}
    scheduler.run_due()  # the first start only sets the baseline
    clock.advance(days=1)  # Monday 12:00: due at 10:00
    assert "survey:weekly" in scheduler.run_due()
    assert "survey:weekly" not in scheduler.run_due()
    [first] = pulses.all_rounds(ctx.db, "weekly")
    assert len([r for r in outbox.rows_for(ctx.db) if ":invite:" in r["key"]]) == 2
    clock.advance(days=7)  # the next Monday; the first round is still open (200 hours)
    scheduler.run_due()
    [old, new] = pulses.all_rounds(ctx.db, "weekly")
    assert old["closed_at"] and not new["closed_at"] and new["number"] == 2
    assert first["id"] == old["id"]
    assert pulse_rounds.jobs(ctx)[1].description == "open a round of Weekly check-in"
    chat = PulseChat(ctx)
    chat.answer("staff-01", ["Agree"])
    [done] = chat.command("staff-01", "pulse")
    assert "You've answered the Weekly check-in" in done["payload"]["text"]
    clock.advance(days=8, hours=10)  # round 2 has closed; round 3 is not due yet
    scheduler.jobs = [job for job in scheduler.jobs if job.id == "pulses:tick"]
    scheduler.run_due()
    [later] = chat.command("staff-01", "pulse")
    assert later["payload"]["text"] == (
        "There's no check-in open for you right now. The next Weekly check-in starts on "
        "Mon 14 Dec; it will come to you here."
    )


def test_someone_who_joins_after_the_reminder_time_gets_the_invitation_not_a_reminder(ctx, clock):
    join(ctx, staff=2, linked=False)
    link(ctx, "staff-01")
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.tick()
    clock.advance(hours=49)
    link(ctx, "staff-02")
    assert chat.tick() == 2
    assert keys(ctx, "invite") == {"staff-01", "staff-02"} and keys(ctx, "remind") == {"staff-01"}
    clock.advance(minutes=10)
    assert chat.tick() == 0
