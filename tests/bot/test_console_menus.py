"""Numbered menus in the console: a typed number picks the numbered choice, and a wrong
answer to a waiting question asks again instead of turning into a suggestion."""

from __future__ import annotations

import io

import pytest

from bot.app import App
from bot.config import load_settings
from bot.runner import run_console
from storage.db import open_database
from tests.helpers import FakeClock


@pytest.fixture
def app(tmp_path):
    app = App(load_settings(None), clock=FakeClock(), db=open_database(tmp_path / "demo.db"))
    assert app.seed_demo()
    yield app
    app.db.close()


async def talk(app: App, member_id: str, *lines: str) -> str:
    out = io.StringIO()
    await run_console(app, member_id, io.StringIO("".join(f"{line}\n" for line in lines)), out)
    return out.getvalue()


async def test_a_typed_number_picks_the_numbered_choice_on_the_enps_scale(app):
    # Questions 1-4 are 1-5 scales; question 5 is eNPS, offered as 1) 0 ... 11) 10.
    transcript = await talk(app, "demo-staff-2", "/pulse", "4", "4", "4", "4", "11")
    assert "  1) 0\n" in transcript and "  11) 10\n" in transcript
    assert "✓ 10" in transcript
    transcript = await talk(app, "demo-staff-3", "/pulse", "4", "4", "4", "4", "1")
    assert "✓ 0" in transcript and "✓ 1\n" not in transcript
    transcript = await talk(app, "demo-staff-4", "/pulse", "4", "4", "4", "4", "4")
    assert "✓ 3" in transcript and "✓ 4\n" not in transcript.split("Question 5")[1]


@pytest.mark.parametrize("wrong", ["9", "For ever", "7", "abc", "-1", "3.5", "0"])
async def test_a_wrong_answer_at_a_ballot_asks_again_and_keeps_the_question(app, wrong):
    transcript = await talk(app, "demo-tenant-2", "/vote", wrong, "1")
    assert "Please type a number from 1 to 3." in transcript
    assert "make a suggestion" not in transcript
    assert "You are voting: For." in transcript


async def test_a_wrong_answer_at_a_pulse_question_asks_again(app):
    transcript = await talk(app, "demo-staff-2", "/pulse", "Agree-ish", "12", "4")
    assert transcript.count("Please type a number from 1 to 6.") == 2
    assert "Question 1 of 6: I feel my voice is heard and acted on.\n✓ Agree" in transcript


async def test_settings_menu_numbers_and_wrong_answers(app):
    transcript = await talk(app, "demo-tenant-3", "/settings", "3", "1")
    assert "Please type a number from 1 to 2." in transcript
    assert "Check-ins: paused" in transcript or "paused" in transcript.split("> 1")[1]


async def test_free_text_is_offered_as_a_suggestion_only_when_no_question_waits(app):
    transcript = await talk(app, "demo-tenant-4", "Broken lift")
    assert "Please type a number from 1 to 6." in transcript  # the check-in invitation waits
    # The question still waits after /privacy (and in this new session): only /suggest leaves it.
    transcript = await talk(app, "demo-tenant-4", "/privacy", "The lift at Oak House is broken")
    assert "Please type a number from 1 to 6." in transcript.split("> The lift")[1]
    transcript = await talk(app, "demo-tenant-4", "/suggest", "The lift at Oak House is broken")
    assert "What is it about?" in transcript.split("> The lift")[1]


async def test_free_text_answers_a_question_that_asks_for_words(app):
    transcript = await talk(
        app, "demo-staff-5", "/pulse", "4", "4", "4", "4", "11", "More training, please"
    )
    assert "✓ Comment saved, without your name." in transcript
    assert "Please type a number" not in transcript


async def test_the_demo_has_a_closed_check_in_so_the_council_chart_has_a_line(app):
    from handlers.digests import chart as charts
    from handlers.pulses import results as pulse_results
    from storage.pulses import queries as pulses

    first, current = pulses.all_rounds(app.db, "staff-pulse")
    assert first["closed_at"] and not current["closed_at"]
    results = pulse_results.results_of(app.ctx, first)
    assert results.respondents >= app.ctx.policy.privacy.anonymity_threshold
    assert results.question("voice").mean is not None  # shown, not hidden
    data = charts.chart_data(app.ctx, [first, current], app.ctx.now(), "Council digest")
    assert any(mean is not None for trend in data.trends for mean in trend.means)
    labels = [bar.label for bar in data.bars]
    assert labels[:2] == ["Staff pulse, round 1: staff", "Staff pulse, round 2: staff"]


async def test_the_nudge_is_in_the_members_language(app):
    transcript = await talk(app, "demo-tenant-2", "/language", "2", "/vote", "9", "1")
    assert "Teipiwch rif o 1 i 3. (I anfon syniad yn lle hynny" in transcript
    assert "Please type a number" not in transcript
