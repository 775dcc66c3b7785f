"""A big round opens and closes in parts, run by the real scheduler on an event loop:
between parts members are answered, work cut short is finished by the next tick, and
the file a close leaves pairs members with answers no better than chance (#13's attacks)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.postman import Postman
from bot.scheduler import Scheduler
from handlers.messages import Message, Recipient
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import rounds as pulse_rounds
from handlers.schedule import CHECKPOINT, PAUSE, Job
from storage import outbox, secrecy
from storage.db import open_reader
from storage.pulses import queries as pulses
from tests.handlers.pulses.test_pulse_chat import PulseChat, join
from tests.handlers.test_secrecy_attacks import _six_answers, attack_closed_rounds
from tests.helpers import FakeClock, make_context


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of two rows (or respondents), so that six members' close takes many."""
    monkeypatch.setattr(secrecy, "PART", 2)
    monkeypatch.setattr(pulses, "REKEY_PART", 2)


def scheduler_of(ctx) -> Scheduler:
    return Scheduler(ctx, Postman(ctx.db, ctx.clock, None, "Europe/London"))


def counted_parts(scheduler: Scheduler) -> list[str]:
    """Record each part the scheduler commits (a spy on its `_continue`)."""
    parts: list[str] = []
    go_on = scheduler._continue

    def spy(fanout):
        parts.append(fanout.job.id)
        return go_on(fanout)

    scheduler._continue = spy  # type: ignore[method-assign]
    return parts


def test_a_pause_commits_what_came_before_it_and_a_checkpoint_empties_the_log(tmp_path):
    path = tmp_path / "mv.db"
    ctx = make_context(None, path)
    seen_by_another_connection = []

    def run(ctx, due):
        yield Message(Recipient(platform="slack", chat_id="C1"), "first")
        yield PAUSE
        reader = open_reader(path)
        seen_by_another_connection.append(reader.execute("select count(*) from outbox").fetchone())
        reader.close()
        yield Message(Recipient(platform="slack", chat_id="C1"), "second")
        yield CHECKPOINT

    scheduler = scheduler_of(ctx)
    scheduler.jobs = [Job("parts", run)]
    assert asyncio.run(scheduler.fire()) == ["parts"]
    assert seen_by_another_connection == [(1,)]
    assert ctx.db["outbox"].count == 2
    assert (tmp_path / "mv.db-wal").stat().st_size == 0


def test_members_are_answered_between_the_parts_of_a_close(tmp_path, small_parts):
    ctx, _, _, round_row = _six_answers(tmp_path, 0)
    ctx.clock.advance(days=30)  # long past its closing time
    scheduler = scheduler_of(ctx)
    parts = counted_parts(scheduler)
    answered_during_close: list[bool] = []

    async def member_taps_while_it_closes() -> None:
        await asyncio.sleep(0.002)  # the close has begun (its first part is done)
        row = pulses.get_round(ctx.db, round_row["id"])
        answered_during_close.append(bool(row["closing_at"]) and not row["closed_at"])

    async def both() -> list[str]:
        tap = asyncio.create_task(member_taps_while_it_closes())
        ran = await scheduler.fire(("pulses:tick",))
        await tap
        return ran

    assert asyncio.run(both()) == ["pulses:tick"]
    assert parts.count("pulses:tick") >= 10
    assert answered_during_close == [True]
    assert pulses.get_round(ctx.db, round_row["id"])["closed_at"]


def test_a_close_in_parts_pairs_members_and_answers_no_better_than_chance(tmp_path, small_parts):
    def by_the_scheduler(ctx, round_row) -> None:
        ctx.clock.advance(days=30)
        assert asyncio.run(scheduler_of(ctx).fire(("pulses:tick",))) == ["pulses:tick"]

    attack_closed_rounds(tmp_path, by_the_scheduler)


def test_a_close_cut_short_anywhere_is_finished_by_the_next_tick(tmp_path, small_parts):
    ctx, _, _, round_row = _six_answers(tmp_path, 99)
    ctx.clock.advance(days=30)
    total = sum(1 for _ in pulses.close_in_parts(ctx.db, round_row["id"], ctx.now()))
    assert total >= 20
    for cut in range(1, total, 3):
        ctx, path, _, round_row = _six_answers(tmp_path, cut)
        answers_before = pulses.answer_counts(ctx.db, round_row)
        comments_before = sorted(pulses.comments(ctx.db, round_row["id"]))
        ctx.clock.advance(days=30)
        parts = pulses.close_in_parts(ctx.db, round_row["id"], ctx.now())
        for _ in range(cut):  # the bot stops here: every part so far is committed
            next(parts)
        parts.close()
        row = pulses.get_round(ctx.db, round_row["id"])
        assert row["closing_at"] and not row["closed_at"]
        assert pulses.secret(ctx.db, round_row["id"]) is None
        ctx.db.close()

        restarted = make_context(ctx.clock, path)
        chat = PulseChat(restarted)
        member = _first_member(restarted)
        assert pulses.rounds_of_member(restarted.db, member, restarted.now()) == []
        replies = chat.command(member, "pulse")  # too late: no question is asked
        assert replies and not any(r["payload"]["choices"] for r in replies), replies
        assert chat.tick() == 0
        closed = pulses.get_round(restarted.db, round_row["id"])
        assert closed["closed_at"] == closed["closing_at"], cut
        assert pulses.answer_counts(restarted.db, closed) == answers_before
        assert sorted(pulses.comments(restarted.db, round_row["id"])) == comments_before
        answers = list(
            restarted.db.execute("select respondent, count(*) from pulse_answers group by 1")
        )
        assert len(answers) == 6 and all(k.startswith(pulses.SEALED) for k, _ in answers), cut
        assert not list(restarted.db.execute("select 1 from outbox where key like 'pulse:%'"))
        steps = set(restarted.db.execute("select step, finished from pulse_participation"))
        assert steps == {(None, None)} and restarted.db["pulse_participation"].count == 6
        assert not [t for t in restarted.db.table_names() if t.startswith("sealing_pulse")]
        restarted.db.close()


def _first_member(ctx) -> str:
    return next(iter(ctx.db.execute("select member_id from members order by member_id")))[0]


def test_a_scheduled_round_replacing_an_open_one_stops_it_in_the_same_transaction(
    tmp_path, small_parts
):
    ctx, _, _, round_row = _six_answers(tmp_path, 0)
    stopped = pulses.stop_answers(ctx.db, round_row["id"], ctx.now())
    assert stopped and not pulses.stop_answers(ctx.db, round_row["id"], ctx.now())
    assert pulses.rounds_of_member(ctx.db, _first_member(ctx), ctx.now()) == []
    assert pulses.open_rounds(ctx.db, ctx.now() - timedelta(days=1)) == []


def weekly_survey(tmp_path, clock, staff: int):
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "weekly.toml").write_text(
        'id = "weekly"\ntitle = "Weekly check-in"\naudience = ["staff"]\n'
        'schedule = "0 10 * * mon"\nopen_hours = 48\nreminder_hours = 0\n'
        'thanks = "Thanks."\n[[questions]]\nid = "week"\nkind = "scale"\n'
        'text = "This week went well."\n'
    )
    ctx = make_context(clock, tmp_path / "mv.db")
    ctx.policy = replace(ctx.policy, surveys=replace(ctx.policy.surveys, folder=str(folder)))
    return ctx, join(ctx, staff=staff)


def invited(ctx) -> list[str]:
    return sorted(r["member_id"] for r in outbox.rows_for(ctx.db) if ":invite:" in r["key"])


def test_a_scheduled_round_takes_its_roll_in_parts_and_invites_everyone(tmp_path, monkeypatch):
    monkeypatch.setattr(pulses, "ENROL_PART", 2)
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # a Sunday
    ctx, staff = weekly_survey(tmp_path, clock, staff=7)
    scheduler = scheduler_of(ctx)
    parts = counted_parts(scheduler)
    asyncio.run(scheduler.fire())  # the first start only sets the baseline
    clock.advance(days=1)  # Monday 12:00: due at 10:00
    assert "survey:weekly" in asyncio.run(scheduler.fire())
    assert parts.count("survey:weekly") == 3  # after the first part: seven, two at a time
    [round_row] = pulses.all_rounds(ctx.db, "weekly")
    assert round_row["enrolling"] is None
    assert ctx.db["pulse_participation"].count == 7
    assert invited(ctx) == sorted(staff)


def test_a_roll_cut_short_is_finished_by_the_tick(tmp_path, monkeypatch):
    monkeypatch.setattr(pulses, "ENROL_PART", 2)
    clock = FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    ctx, staff = weekly_survey(tmp_path, clock, staff=7)
    definition = pulse_definitions.load(ctx)["weekly"]
    round_row = pulse_rounds.open_round(ctx, definition, "schedule", whole=False)
    assert not pulses.enrol_more(ctx.db, round_row["id"])  # two enrolled; the bot stops
    assert ctx.db["pulse_participation"].count == 2
    assert PulseChat(ctx).tick() == 7
    assert ctx.db["pulse_participation"].count == 7 and invited(ctx) == sorted(staff)
    assert pulses.get_round(ctx.db, round_row["id"])["enrolling"] is None


def test_a_close_under_way_elsewhere_is_left_alone_until_it_goes_quiet(tmp_path, small_parts):
    from handlers.pulses.admin import PulseError, close_now

    ctx, path, _, round_row = _six_answers(tmp_path, 0)
    ctx.clock.advance(days=30)
    bot = make_context(ctx.clock, path)  # the running bot, closing the round in parts
    closing = pulse_rounds.closing(bot, round_row)
    for _ in range(5):
        next(closing)
    with pytest.raises(PulseError, match="being closed by the running bot"):
        close_now(ctx, "staff-pulse", "officer")  # the command line, meanwhile
    assert PulseChat(ctx).tick() == 0
    assert not pulses.get_round(ctx.db, round_row["id"])["closed_at"]
    closing.close()  # the bot stopped half way
    ctx.clock.advance(minutes=3)
    PulseChat(ctx).tick()
    closed = pulses.get_round(ctx.db, round_row["id"])
    assert closed["closed_at"] and ctx.db["pulse_participation"].count == 6


def test_a_member_erased_while_a_round_closes_does_not_come_back(tmp_path, small_parts):
    from storage.privacy import erase_member

    ctx, _, _, round_row = _six_answers(tmp_path, 0)
    member = _first_member(ctx)
    ctx.clock.advance(days=30)
    parts = pulses.close_in_parts(ctx.db, round_row["id"], ctx.now())
    staged = []
    for _ in parts:  # stop while the participation rows wait in their staging table
        staged = [t for t in ctx.db.table_names() if t.startswith("sealing_pulse_participation")]
        if staged and ctx.db[staged[0]].count == 6:
            break
    assert staged
    erase_member(ctx.db, member, ctx.now())
    for _ in parts:
        pass
    took_part = {m for (m,) in ctx.db.execute("select member_id from pulse_participation")}
    assert len(took_part) == 5 and member not in took_part
