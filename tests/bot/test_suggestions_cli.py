"""`mutual-voice suggestions list/show`, run through click on a real database file."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.handlers.suggestions.test_suggestions import COUNCILLOR, FORBIDDEN, LEE, PAT, Chat
from tests.helpers import FakeClock, make_context

ROOT = Path(__file__).parents[2]
DOCS = (ROOT / "docs" / "officer-guide" / "suggestions.md",)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    ctx = make_context(FakeClock(), path=tmp_path / "mutual-voice.db")
    chat = Chat(ctx)
    card, _ = chat.suggest(PAT, "Please fix the lift at Oak House <!channel>")
    chat.suggest(LEE, "More benches in the garden", topic="Community fund", how="With my name")
    chat.press(COUNCILLOR, card, "Reply")
    chat.say(COUNCILLOR, "Which floor?")
    chat.press(COUNCILLOR, card, "Not adopted")
    chat.say(COUNCILLOR, "The lift is being replaced in March.")
    ctx.db.close()
    return tmp_path


def mv(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_list_shows_status_and_never_who_sent_an_anonymous_one(folder):
    result = mv("suggestions", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "anonymous" in lines[2] and "not_adopted" in lines[2]
    assert "Lee Chen" in lines[3] and "community fund" in lines[3]
    for secret in FORBIDDEN:
        assert secret not in result.output


def test_list_filters_by_status_and_prints_json(folder):
    result = mv("suggestions", "list", "--status", "open", "--json")
    [row] = json.loads(result.output)
    assert row["id"] == 2 and row["name"] == "Lee Chen" and "member_id" not in row
    result = mv("suggestions", "list", "--status", "adopted")
    assert result.output.strip() == "No suggestions with status adopted."
    result = mv("suggestions", "list", "--status", "nonsense")
    assert result.exit_code == 2 and "nonsense" in result.output


def test_show_gives_the_text_reason_and_history(folder):
    result = mv("suggestions", "show", "1")
    assert result.exit_code == 0
    out = result.output
    assert "Suggestion #1 · my home · not_adopted" in out and "from: anonymous" in out
    assert "Please fix the lift at Oak House <!channel>" in out
    assert "reason: The lift is being replaced in March." in out
    assert "council replied: Which floor?" in out
    for secret in FORBIDDEN:
        assert secret not in out
    data = json.loads(mv("suggestions", "show", "1", "--json").output)
    assert data["status"] == "not_adopted" and data["named"] is False
    assert [h["kind"] for h in data["history"]] == ["status", "council", "status"]
    for secret in FORBIDDEN:
        assert secret not in json.dumps(data)


def test_show_of_a_missing_suggestion_says_so(folder):
    result = CliRunner().invoke(cli, ["suggestions", "show", "99"])
    assert result.exit_code == 1 and "no suggestion #99" in result.output


def test_the_docs_section_exists_and_covers_the_commands():
    needles = ("/suggest", "/suggestions", "suggestions list", "suggestions show", "Not adopted")
    texts = [path.read_text(encoding="utf-8") for path in DOCS]
    assert any(all(needle in text for needle in needles) for text in texts)
