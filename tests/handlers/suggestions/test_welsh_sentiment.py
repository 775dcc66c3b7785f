"""TextBlob reads English only: Welsh comments and suggestions say "not scored (Welsh)"
wherever sentiment is shown, instead of a wrong "neutral". The language is the writer's
setting, never a guess from the words."""

from __future__ import annotations

from datetime import timedelta

from handlers.digests.council import _suggestions
from handlers.pulses import results as pulse_results
from handlers.pulses import rounds as pulse_rounds
from handlers.pulses.rounds import definition_of
from storage import members
from storage.pulses import queries as pulses
from storage.suggestions import queries as suggestions
from surveys.pulses.results import round_results
from surveys.pulses.sentiment import not_scored, reads
from tests.handlers.pulses.test_pulse_chat import join, open_round
from tests.handlers.suggestions.test_suggestions import LEE, PAT, PAT_ID, Chat
from tests.helpers import add_members
from tests.surveys.pulses.test_survey_results import PULSE

ANGRY_WELSH = "Mae'r gwres wedi torri ers wythnos ac mae'n ofnadwy, rydyn ni'n flin iawn."


def test_the_scorer_reads_english_only():
    assert reads("en") and reads("en-GB") and reads(None)
    assert not reads("cy") and not reads("pl")
    assert not_scored("cy") == "not scored (Welsh)" and not_scored("pl") == "not scored (Polish)"


def test_comments_in_the_organisations_welsh_are_not_scored():
    comments = [("staff", f"Sylw {i}: mae'r tîm yn wych") for i in range(10)]
    outcome = round_results(PULSE, {}, {"staff": 10}, {"staff": 20}, comments, language="cy")
    assert list(outcome.comments) == ["positive", "neutral", "negative", "not scored (Welsh)"]
    unscored = outcome.comments["not scored (Welsh)"]
    assert len(unscored) == 10 and all(c.polarity is None for c in unscored)
    assert not outcome.comments["neutral"]


def test_a_noted_welsh_comment_is_not_scored_and_english_ones_still_are():
    comments = [("staff", "Great team, thank you", None)] * 5 + [
        ("staff", f"Diolch {i}, tîm gwych", "cy") for i in range(5)
    ]
    outcome = round_results(
        PULSE, {}, {"staff": 10}, {"staff": 20}, comments, noted=frozenset({"cy"})
    )
    assert len(outcome.comments["positive"]) == 5
    assert len(outcome.comments["not scored (Welsh)"]) == 5
    # Not noted (too few wrote Welsh to say so): scored as the organisation's English,
    # so that "not scored" never tells the council more than the note would.
    hidden = round_results(PULSE, {}, {"staff": 10}, {"staff": 20}, comments)
    assert "not scored (Welsh)" not in hidden.comments


def test_a_welsh_suggestion_is_not_scored_on_the_card_the_digest_and_the_record(ctx):
    chat = Chat(ctx)
    members.set_language(ctx.db, PAT_ID, "cy")
    chat.suggest(PAT, ANGRY_WELSH, topic="Fy nghartref", how="Gyda fy enw")
    chat.suggest(LEE, "The heating is broken again and it is terrible.")
    welsh, english = suggestions.get(ctx.db, 1), suggestions.get(ctx.db, 2)
    assert (welsh["sentiment"], welsh["polarity"]) == ("not scored (Welsh)", None)
    assert english["sentiment"] == "negative"
    cards = [r["payload"]["text"] for r in chat.council_rows()]
    assert any("Sentiment: not scored (Welsh)" in text for text in cards)
    counts = suggestions.counts_since(ctx.db, ctx.now() - timedelta(days=1))
    digest = "\n".join(_suggestions(counts))
    assert "1 not scored (Welsh)" in digest and "1 negative" in digest
    assert "neutral" not in digest


def test_the_results_text_heads_unscored_comments_with_their_language(ctx):
    join(ctx, staff=6)
    assert pulse_rounds.close(ctx, open_round(ctx))
    round_row = pulses.latest_round(ctx.db, "staff-pulse")
    comments = [("staff", f"Sylw rhif {i}") for i in range(10)]
    results = round_results(
        definition_of(round_row), {}, {"staff": 10}, {"staff": 20}, comments, language="cy"
    )
    text = pulse_results.render(ctx, round_row, results)
    assert "  Not scored (Welsh):\n  - \ue000Sylw rhif 0\ue001" in text  # quoted member text
    assert "Neutral:" not in text


def test_an_anonymous_writers_language_is_told_only_when_enough_members_read_it(ctx):
    chat = Chat(ctx)
    members.set_language(ctx.db, PAT_ID, "cy")  # the only Welsh reader
    chat.suggest(PAT, ANGRY_WELSH, topic="Fy nghartref", how="Dienw")
    assert suggestions.get(ctx.db, 1)["sentiment"] in ("positive", "neutral", "negative")
    add_members(ctx, "member_id,name,email,constituency,language\n" + "".join(
        f"cy-{i},Aelod {i},,tenant,cy\n" for i in range(4)
    ))  # now five read Welsh: saying so points to nobody
    chat.suggest(PAT, ANGRY_WELSH, topic="Fy nghartref", how="Dienw")
    assert suggestions.get(ctx.db, 2)["sentiment"] == "not scored (Welsh)"
