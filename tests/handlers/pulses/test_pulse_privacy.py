"""Anonymity as DESIGN.md promises it: after close, nothing links an answer to a member."""

from __future__ import annotations

import re
from dataclasses import replace

from storage.privacy import erase_member, export_member
from storage.pulses import queries as pulses
from surveys.anonymity import respondent_key
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round

ANSWER_TABLES = {"pulse_answers", "pulse_comments"}
TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def every_row(db):
    """(table, {column: value}) for every row of every table in sqlite_master."""
    tables = [
        name
        for (name,) in db.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
        )
    ]
    for table in tables:
        columns = [row[1] for row in db.execute(f"pragma table_info([{table}])")]
        for values in db.execute(f"select * from [{table}]"):
            yield table, dict(zip(columns, values, strict=True))


def mentions(value, words) -> bool:
    if isinstance(value, bytes):
        value = value.hex()
    return isinstance(value, str) and any(word in value for word in words)


def answer_a_round(ctx, clock):
    staff = join(ctx, staff=8)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    chat.tick()
    chat.answer(staff[0], ["Agree", "Agree", "Neither", "Agree", "9", "text:More training."])
    chat.answer(staff[1], ["Disagree", "Skip", "Agree"])  # stops after three
    chat.answer(staff[2], ["Strongly agree"])
    chat.answer(staff[3], ["Skip", "Skip", "Skip", "Skip", "3", "text:Less paperwork."])
    clock.advance(hours=48)
    chat.tick()  # reminders to those who have not finished
    return staff, round_row, chat


def test_after_close_no_table_or_column_links_an_answer_to_a_member(ctx, clock):
    staff, round_row, chat = answer_a_round(ctx, clock)
    round_id = round_row["id"]
    secret = pulses.secret(ctx.db, round_id)
    answered = staff[:4]
    respondents = {r["respondent"] for r in ctx.db.query("select respondent from pulse_answers")}
    # While the round is open, the secret is exactly what links answers to members...
    assert respondents == {respondent_key(secret, round_id, m) for m in answered}
    clock.advance(hours=24)
    chat.tick()  # ...and closing destroys it.
    assert pulses.get_round(ctx.db, round_id)["closed_at"]

    round_marks = (f"pulse:{round_id}:", f"pulse.c:{round_id}.")
    for table, row in every_row(ctx.db):
        values = list(row.values())
        assert not any(v == secret or mentions(v, [secret.hex()]) for v in values), table
        about_member = any(v in staff or mentions(v, staff) for v in values)
        if table in ANSWER_TABLES:
            # No member id, no time, nothing but the group and the answer itself.
            assert not about_member and row["member_id"] is None, (table, row)
            assert not any(isinstance(v, str) and TIME.search(v) for v in values), (table, row)
        elif table == "pulse_participation" and row["round_id"] == round_id:
            # Who took part stays (the ladder counts it), but not how far they got,
            # which could be matched to how many questions a respondent key answered.
            assert row["member_id"] in answered
            assert (row["step"], row["finished"]) == (None, None)
        elif about_member:
            assert not any(mentions(v, round_marks) for v in values), (table, row)
            assert "round_id" not in row or row["round_id"] != round_id, (table, row)
    # Nothing is left to recompute the keys with, and no order or time to line them up with.
    assert ctx.db["pulse_secrets"].count == 0
    for table in ANSWER_TABLES:
        sql = ctx.db.execute("select sql from sqlite_master where name = ?", [table]).fetchone()[0]
        assert sql.rstrip().lower().endswith("without rowid")
        assert set(ctx.db[table].columns_dict) <= {
            "round_id",
            "respondent",
            "question_id",
            "constituency",
            "value",
            "text",
            "member_id",
            "language",  # a comment's, only where enough read it: see PRIVACY.md
        }
    assert ctx.db["pulse_answers"].count == 9 and ctx.db["pulse_comments"].count == 2
    # Everyone here reads the organisation's language: no language is kept at all.
    assert {r["language"] for r in ctx.db.query("select language from pulse_comments")} == {None}


def test_erasing_a_member_keeps_their_anonymous_answers(ctx, clock):
    staff, round_row, chat = answer_a_round(ctx, clock)
    exported = export_member(ctx.db, staff[0])
    assert exported["pulse_participation"][0]["round_id"] == round_row["id"]
    assert exported["pulse_answers"] == []  # anonymous answers are nobody's to export
    erase_member(ctx.db, staff[0], ctx.now())
    assert pulses.participant(ctx.db, round_row["id"], staff[0]) is None
    assert ctx.db["pulse_answers"].count == 9 and ctx.db["pulse_comments"].count == 2


def test_erasing_a_member_removes_their_name_from_a_named_survey(ctx, tmp_path):
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "named.toml").write_text(
        'id = "named"\ntitle = "Named"\naudience = ["staff"]\nanonymous = false\n'
        'thanks = "Thanks."\n[[questions]]\nid = "q"\nkind = "scale"\ntext = "Good?"\n'
        '[[questions]]\nid = "c"\nkind = "comment"\ntext = "Why?"\n'
    )
    ctx.policy = replace(ctx.policy, surveys=replace(ctx.policy.surveys, folder=str(folder)))
    [member] = join(ctx, staff=1)
    open_round(ctx, "named")
    PulseChat(ctx).answer(member, ["Agree", "text:Because."])
    assert export_member(ctx.db, member)["pulse_answers"][0]["value"] == "4"
    erase_member(ctx.db, member, ctx.now())
    [kept] = ctx.db.query("select * from pulse_answers")
    [comment] = ctx.db.query("select * from pulse_comments")
    assert (kept["value"], kept["member_id"]) == ("4", None)
    assert (comment["text"], comment["member_id"]) == ("Because.", None)


def test_closing_leaves_no_trace_of_the_secret_in_the_database_files(tmp_path, clock):
    from tests.helpers import make_context

    path = tmp_path / "mv.db"
    ctx = make_context(clock, path)
    staff, round_row, chat = answer_a_round(ctx, clock)
    secret = pulses.secret(ctx.db, round_row["id"])
    tick_key = f"pulse:{round_row['id']}:tick:{staff[0]}".encode()

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("mv.db"))

    assert tick_key in on_disk()
    clock.advance(hours=24)
    chat.tick()
    assert secret not in on_disk() and tick_key not in on_disk()
    ctx.db.close()


def test_closing_a_round_forgets_every_handled_event(ctx, clock):
    from storage import conversations

    staff, round_row, chat = answer_a_round(ctx, clock)
    assert conversations.first_time(ctx.db, "slack", "action:1000001.T1.ab", ctx.now())
    clock.advance(hours=24)
    chat.tick()
    assert pulses.get_round(ctx.db, round_row["id"])["closed_at"]
    assert ctx.db["processed_events"].count == 0


def test_at_close_a_group_below_the_threshold_keeps_its_answers_only_as_other(ctx, clock):
    from handlers.pulses import definitions as pulse_definitions
    from handlers.pulses import rounds as pulse_rounds
    from handlers.pulses.results import results_of

    join(ctx, staff=6, tenants=3)
    both = replace(pulse_definitions.load(ctx)["staff-pulse"], audience=("staff", "tenant"))
    round_row = pulse_rounds.open_round(ctx, both, "test")
    chat = PulseChat(ctx)
    full = ["Agree", "Strongly agree", "Agree", "Neither", "9", "text:Fine by me."]
    for member in [f"staff-0{i}" for i in range(1, 7)]:
        chat.answer(member, full)
    chat.answer("tenant-01", ["Disagree", "Disagree", "Disagree", "Disagree", "2", "text:Lone."])
    while_open = {c for (c,) in ctx.db.execute("select constituency from pulse_answers")}
    assert while_open == {"staff", "tenant"}
    clock.advance(days=30)
    chat.tick()
    row = pulses.get_round(ctx.db, round_row["id"])
    assert row["closed_at"]
    for table in ("pulse_answers", "pulse_comments", "pulse_counts"):
        kept = {c for (c,) in ctx.db.execute(f"select distinct constituency from {table}")}
        assert kept == {"staff", "other"}, table  # the lone tenant is not singled out
    lone = ctx.db.execute(
        "select answers from pulse_counts where constituency = 'other' and question_id = 'enps'"
    ).fetchall()
    assert lone == [(1,)]  # counted all the same
    voice = results_of(ctx, row).question("voice")
    groups = {g.constituency: g for g in voice.breakdown}
    assert set(groups) == {"staff", "tenant"}  # no "other" row for the council
    assert groups["tenant"].suppressed_reason.startswith("Hidden: only 1")
    assert voice.answered == 7
