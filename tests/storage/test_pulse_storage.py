"""The pulse tables: migrations, answers without order or time, and closing a round."""

from __future__ import annotations

from datetime import timedelta

from storage import members, outbox
from storage.db import open_database
from storage.pulses import queries as pulses
from storage.pulses.schema import pulses_migrations
from tests.helpers import START, add_members, link, make_context

SECRET = b"s" * 32


def new_round(db, survey_id="staff-pulse", audience=("staff", "tenant"), **extra):
    return pulses.create_round(
        db,
        survey_id=survey_id,
        title="Pulse",
        anonymous=True,
        definition="{}",
        audience=audience,
        opened_by="test",
        opened_at=START,
        closes_at=START + timedelta(hours=72),
        remind_at=None,
        secret=SECRET,
        **extra,
    )


def test_migrations_apply_once_and_answers_keep_no_order(tmp_path):
    open_database(tmp_path / "mv.db").close()
    db = open_database(tmp_path / "mv.db")
    assert pulses_migrations.pending(db) == []
    for table in ("pulse_answers", "pulse_comments"):
        sql = db.execute("select sql from sqlite_master where name = ?", [table]).fetchone()[0]
        assert "without rowid" in sql.lower()
    plan = " ".join(
        row[3]
        for row in db.execute(
            "explain query plan select question_id, constituency, value, count(*) "
            "from pulse_answers where round_id = 1 group by question_id, constituency, value"
        )
    )
    assert "COVERING INDEX pulse_answers_counts" in plan and "TEMP B-TREE" not in plan


def test_rounds_number_per_survey_and_a_scheduled_time_opens_once():
    ctx = make_context()
    add_members(ctx)
    first = new_round(ctx.db)
    other = new_round(ctx.db, survey_id="tenant-pulse")
    assert (first["number"], other["number"]) == (1, 1)
    due = START - timedelta(hours=1)
    assert new_round(ctx.db, scheduled_for=due)["number"] == 2
    assert new_round(ctx.db, scheduled_for=due) is None
    assert [r["number"] for r in pulses.all_rounds(ctx.db, "staff-pulse")] == [1, 2]


def test_an_answer_is_replaced_not_added():
    ctx = make_context()
    add_members(ctx)
    round_id = new_round(ctx.db)["id"]
    pulses.save_answer(ctx.db, round_id, "k1", "voice", "staff", "4", None)
    pulses.save_answer(ctx.db, round_id, "k1", "voice", "staff", "2", None)
    pulses.save_answer(ctx.db, round_id, "k2", "voice", "staff", "2", None)
    live = pulses.answer_counts(ctx.db, pulses.get_round(ctx.db, round_id))
    assert live == {("voice", "staff", "2"): 2}
    assert pulses.answer_value(ctx.db, round_id, "k1", "voice") == "2"
    pulses.close_round(ctx.db, round_id, START)
    assert pulses.answer_counts(ctx.db, pulses.get_round(ctx.db, round_id)) == live
    assert ctx.db["pulse_counts"].count == 1  # kept at close


def test_invitations_skip_the_paused_the_erased_and_the_unreachable():
    ctx = make_context()
    add_members(ctx)  # t1, t2 (tenants), s1 (staff)
    for member_id in ("t1", "t2", "s1"):
        link(ctx, member_id)
    round_id = new_round(ctx.db)["id"]
    members.set_flag(ctx.db, "t2", "pulses_paused", True)
    members.mark_unreachable(ctx.db, "telegram", "u-s1", "blocked", START)
    assert [r["member_id"] for r in pulses.due_invitations(ctx.db, round_id)] == ["t1"]
    assert pulses.not_joined(ctx.db, round_id) == 1  # s1 can no longer be reached


def test_closing_round_1_leaves_round_12_alone(ctx):
    add_members(ctx)
    rounds = [new_round(ctx.db, survey_id=f"survey-{n}") for n in range(12)]
    assert (rounds[0]["id"], rounds[11]["id"]) == (1, 12)
    keys = ["pulse:1:invite:t1", "pulse:12:invite:t1", "pulse:1:tick:t1:0", "pulse:2:invite:t1"]
    outbox.enqueue(
        ctx.db,
        [
            {"key": k, "platform": "telegram", "chat_id": "c", "payload": {"text": "x"}}
            for k in keys
        ],
        START,
    )
    assert pulses.invitation_progress(ctx.db, 1) == {"pending": 1}
    assert pulses.close_round(ctx.db, 1, START)
    assert not pulses.close_round(ctx.db, 1, START)
    assert [r["key"] for r in outbox.rows_for(ctx.db)] == [
        "pulse:12:invite:t1",
        "pulse:2:invite:t1",
    ]
    assert pulses.turnout(ctx.db, pulses.get_round(ctx.db, 1)) == (
        {"staff": 0, "tenant": 0},
        {"staff": 1, "tenant": 2},
    )
