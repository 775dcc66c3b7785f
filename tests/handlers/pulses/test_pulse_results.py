"""Results from stored answers: hidden below the threshold with the reason, shown above it."""

from __future__ import annotations

from dataclasses import replace

from handlers.messages import unquoted
from handlers.pulses import rounds as pulse_rounds
from handlers.pulses.results import find_round, render, results_of
from handlers.router import NOT_ALLOWED
from storage.pulses import queries as pulses
from surveys.pulses.results import STILL_OPEN
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round


def closed(ctx, round_row: dict) -> dict:
    """Close the round now; its row as it is after close."""
    assert pulse_rounds.close(ctx, round_row)
    return pulses.get_round(ctx.db, round_row["id"])


HIDDEN_4 = "Hidden: only 4 people answered; results show from 5 to protect anonymity."
FULL = ["Agree", "Strongly agree", "Agree", "Neither", "9"]


def test_a_round_sent_to_twelve_where_four_answer_shows_no_figures_and_says_why(ctx):
    staff = join(ctx, staff=12)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    assert chat.tick() == 12
    for member in staff[:4]:
        chat.answer(member, FULL)
    round_row = closed(ctx, round_row)
    found = results_of(ctx, round_row)
    assert (found.respondents, found.eligible, found.response_rate) == (4, 12, 33.3)
    for question in found.questions:
        assert question.answered == 4
        assert (question.mean, question.distribution, question.enps) == (None, None, None)
        assert question.suppressed_reason == HIDDEN_4
    text = render(ctx, round_row, found)
    assert text.count(HIDDEN_4) == 5 and "average" not in text and "eNPS" not in text
    assert "Answered: 4 of 12 (33.3%)" in text


def test_with_six_answers_the_figures_show(ctx):
    staff = join(ctx, staff=12)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    for member in staff[:5]:
        chat.answer(member, FULL)
    chat.answer(staff[5], ["Disagree", "Agree", "Agree", "Agree", "3"])
    round_row = closed(ctx, round_row)
    found = results_of(ctx, round_row)
    voice = found.question("voice")
    assert voice.suppressed_reason is None and voice.answered == 6
    assert voice.distribution == {1: 0, 2: 1, 3: 0, 4: 5, 5: 0}
    assert voice.mean == round((2 + 4 * 5) / 6, 2)
    assert found.question("enps").enps == round(100 * (5 - 1) / 6)
    text = render(ctx, round_row, found)
    assert "average 3.67 out of 5" in text and "Disagree 1 (17%)" in text
    assert "eNPS +67" in text and "Hidden" not in text.split("Comments")[0]


def test_the_text_has_the_spread_breakdown_and_turnout_the_json_has(ctx):
    staff = join(ctx, staff=12)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    for member in staff[:5]:
        chat.answer(member, FULL)
    chat.answer(staff[5], ["Disagree", "Agree", "Agree", "Agree", "3"])
    round_row = closed(ctx, round_row)
    found = results_of(ctx, round_row)
    assert [t.constituency for t in found.turnout] == ["staff"]  # one group asked
    text = render(ctx, round_row, found)
    assert "Answered: 6 of 12 (50%)\n  staff: 6 of 12 (50%)\n" in text
    assert (
        "   eNPS +67 (% scoring 9-10 minus % scoring 0-6); "
        "scored 0-6: 1 (17%), 7-8: 0 (0%), 9-10: 5 (83%)\n"
        "   staff: eNPS +67" in text
    )
    assert "   staff: average 3.67 out of 5; Strongly disagree 0 (0%), Disagree 1 (17%)" in text


def test_small_groups_and_few_comments_are_hidden_and_comments_are_grouped_by_mood(ctx):
    ctx.policy = replace(
        ctx.policy, organisation=replace(ctx.policy.organisation, constituencies=("staff",))
    )
    join(ctx, staff=12)
    chat = PulseChat(ctx)
    words = ["Great team, brilliant support.", "Terrible rota, awful.", "The rota."]
    for answering in (9, 12):
        round_row = open_round(ctx)
        for n, member in enumerate([f"staff-{i:02d}" for i in range(1, answering + 1)]):
            chat.answer(member, FULL + [f"text:{words[n % 3]} From {member}."])
        round_row = closed(ctx, round_row)
        found = results_of(ctx, round_row)
        if answering == 9:
            assert found.comments is None
            assert found.comments_suppressed_reason == (
                "Hidden: only 9 comments; comments show from 10 to protect anonymity."
            )
    assert {mood: len(items) for mood, items in found.comments.items()} == {
        "positive": 4,
        "neutral": 4,
        "negative": 4,
    }
    text = unquoted(render(ctx, round_row, found))
    assert "Positive:" in text and "- Great team, brilliant support. From staff-01." in text


def test_breakdown_by_constituency_hides_the_small_group(ctx):
    join(ctx, staff=6, tenants=3)
    from handlers.pulses import definitions as pulse_definitions
    from handlers.pulses import rounds as pulse_rounds

    both = replace(pulse_definitions.load(ctx)["staff-pulse"], audience=("staff", "tenant"))
    round_row = pulse_rounds.open_round(ctx, both, "test")
    chat = PulseChat(ctx)
    for member in [f"staff-0{i}" for i in range(1, 7)] + ["tenant-01", "tenant-02"]:
        chat.answer(member, FULL)
    voice = results_of(ctx, closed(ctx, round_row)).question("voice")
    assert voice.mean == 4.0  # all eight together
    groups = {g.constituency: g for g in voice.breakdown}
    assert groups["staff"].mean is None and groups["tenant"].mean is None
    assert groups["tenant"].suppressed_reason.startswith("Hidden: only 2 people answered")
    assert "cannot be worked out" in groups["staff"].suppressed_reason


def test_change_against_the_previous_round(ctx, clock):
    staff = join(ctx, staff=5)
    chat = PulseChat(ctx)
    first = open_round(ctx)
    for member in staff:
        chat.answer(member, ["Neither"])
    clock.advance(hours=72)
    chat.tick()
    second = open_round(ctx)
    for member in staff:
        chat.answer(member, ["Agree"])
    assert find_round(ctx, "staff-pulse")["id"] == second["id"]
    assert find_round(ctx, "staff-pulse", 1)["id"] == first["id"]
    second = closed(ctx, second)
    voice = results_of(ctx, second).question("voice")
    assert (voice.mean, voice.change) == (4.0, 1.0)
    assert "(change since last round: +1)" in render(ctx, second, results_of(ctx, second))


def test_results_command_is_for_officers(ctx):
    staff = join(ctx, staff=5)
    ctx.policy = replace(ctx.policy, admin=replace(ctx.policy.admin, officers=(staff[0],)))
    chat = PulseChat(ctx)
    [none] = chat.command(staff[0], "results")
    assert none["payload"]["text"].startswith("No pulse rounds yet")
    round_row = open_round(ctx)
    for member in staff:
        chat.answer(member, FULL)
    [so_far] = chat.command(staff[0], "results", "staff-pulse")
    assert "Answered so far: 5 of 5" in so_far["payload"]["text"]
    assert "eNPS" not in so_far["payload"]["text"] and STILL_OPEN in so_far["payload"]["text"]
    closed(ctx, round_row)
    [shown] = chat.command(staff[0], "results", "staff-pulse")
    assert "Staff pulse, round 1" in shown["payload"]["text"] and "eNPS" in shown["payload"]["text"]
    [refused] = chat.command(staff[1], "results")
    assert refused["payload"]["text"] == NOT_ALLOWED


def test_two_looks_at_an_open_round_differ_only_in_how_many_answered(ctx):
    """The audit's subtraction: results after six answers minus after five gave the sixth."""
    ctx.policy = replace(
        ctx.policy, organisation=replace(ctx.policy.organisation, constituencies=("staff",))
    )
    staff = join(ctx, staff=12)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    for member in staff[:5]:
        chat.answer(member, FULL + ["text:Fine."])
    before = results_of(ctx, round_row).to_dict()
    chat.answer(
        staff[5], ["Strongly disagree", "Disagree", "Disagree", "Disagree", "0", "text:Bad"]
    )
    after = results_of(ctx, round_row).to_dict()
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"respondents", "response_rate", "turnout"}
    assert after["questions"] == [] and after["comments"] is None and after["still_open"]
    assert render(ctx, round_row, results_of(ctx, round_row)).splitlines()[1:] == [
        "Answered so far: 6 of 12 (50%)",
        "  staff: 6 of 12 (50%)",
        "",
        STILL_OPEN,
    ]


def test_results_for_an_unknown_survey_names_the_surveys_there_are(ctx):
    staff = join(ctx, staff=5, tenants=5)
    ctx.policy = replace(ctx.policy, admin=replace(ctx.policy.admin, officers=(staff[0],)))
    chat = PulseChat(ctx)
    [answer] = chat.command(staff[0], "results", "nosuch")
    text = answer["payload"]["text"]
    assert "survey send nosuch" not in text
    assert text == "There is no survey 'nosuch'. Surveys: staff-pulse, tenant-pulse."


def test_results_without_an_id_shows_every_open_round(ctx):
    staff = join(ctx, staff=5, tenants=5)
    ctx.policy = replace(ctx.policy, admin=replace(ctx.policy.admin, officers=(staff[0],)))
    open_round(ctx, "staff-pulse")
    open_round(ctx, "tenant-pulse")
    chat = PulseChat(ctx)
    [shown] = chat.command(staff[0], "results")
    text = shown["payload"]["text"]
    assert "Staff pulse, round 1" in text and "Tenant pulse, round 1" in text
