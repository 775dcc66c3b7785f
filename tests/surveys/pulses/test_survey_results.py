import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.anonymity import SECONDARY_REASON
from surveys.pulses.questions import (
    ChoiceQuestion,
    CommentQuestion,
    EnpsQuestion,
    ScaleQuestion,
    SurveyDefinition,
)
from surveys.pulses.results import round_results

PULSE = SurveyDefinition(
    id="pulse",
    title="Pulse",
    intro="",
    audience=("staff", "tenant"),
    questions=(
        ScaleQuestion("voice", "I feel my voice is heard and acted on.", topic="Voice heard"),
        EnpsQuestion("enps", "How likely are you to recommend us?", topic="Employee NPS"),
        ChoiceQuestion("say", "How would you like to have your say?", ("Surveys", "Meetings")),
        CommentQuestion("comment", "Anything else?"),
    ),
)

HIDDEN_4 = "Hidden: only 4 people answered; results show from 5 to protect anonymity."


def scale_counts(constituency, **per_value):
    return {("voice", constituency, int(v[1:])): n for v, n in per_value.items()}


def results(counts, respondents=None, eligible=None, comments=(), **options):
    respondents = respondents or {"staff": 10}
    eligible = eligible or {"staff": 20}
    return round_results(PULSE, counts, respondents, eligible, comments, **options)


def test_four_answers_show_no_figures_and_say_why():
    voice = results(scale_counts("staff", v4=3, v5=1)).question("voice")
    assert voice.answered == 4
    assert (voice.mean, voice.distribution, voice.enps, voice.change) == (None,) * 4
    assert voice.suppressed_reason == HIDDEN_4
    assert voice.headline() is None
    assert all(group.mean is None and group.distribution is None for group in voice.breakdown)


def test_six_answers_show_figures():
    voice = results(scale_counts("staff", v2=1, v4=3, v5=2)).question("voice")
    assert voice.answered == 6
    assert voice.mean == 4.0
    assert voice.distribution == {1: 0, 2: 1, 3: 0, 4: 3, 5: 2}
    assert voice.suppressed_reason is None
    assert voice.headline() == "Voice heard: 4.0/5"


def test_enps_and_choice_figures():
    counts = {
        ("enps", "staff", 10): 3,
        ("enps", "staff", 9): 3,
        ("enps", "staff", 8): 1,
        ("enps", "staff", 7): 1,
        ("enps", "staff", 6): 1,
        ("enps", "staff", 0): 1,
        ("say", "staff", "Surveys"): 4,
        ("say", "staff", "Meetings"): 2,
    }
    outcome = results(counts)
    enps = outcome.question("enps")
    assert (enps.answered, enps.enps, enps.mean) == (10, 40, None)
    assert sum(enps.distribution.values()) == 10
    assert enps.headline() == "Employee NPS: +40"
    say = outcome.question("say")
    assert say.distribution == {"Surveys": 4, "Meetings": 2}
    assert say.headline() == 'How would you like to have your say: most chose "Surveys" (67%)'


def test_values_may_arrive_as_text_from_storage():
    counts = {("voice", "staff", "4"): 5, ("voice", "staff", 4): 1, ("enps", "staff", "10"): 5}
    outcome = results(counts)
    assert outcome.question("voice").distribution[4] == 6
    assert outcome.question("enps").enps == 100


def test_answers_that_do_not_fit_the_definition_are_refused():
    with pytest.raises(ValueError, match="'voice'"):
        results({("voice", "staff", 7): 5})
    with pytest.raises(ValueError, match="'mood'"):
        results({("mood", "staff", 3): 5})


def test_counts_for_comment_questions_are_ignored_and_not_reported():
    outcome = results({("comment", "staff", "hello"): 6})
    assert [q.id for q in outcome.questions] == ["voice", "enps", "say"]


def test_turnout_per_constituency_and_in_total():
    outcome = results({}, {"staff": 30, "tenant": 10}, {"staff": 40, "tenant": 160})
    assert (outcome.respondents, outcome.eligible, outcome.response_rate) == (40, 200, 20.0)
    assert [
        (t.constituency, t.respondents, t.eligible, t.response_rate) for t in outcome.turnout
    ] == [
        ("staff", 30, 40, 75.0),
        ("tenant", 10, 160, 6.2),
    ]


def test_breakdown_shows_groups_large_enough():
    counts = scale_counts("staff", v4=6) | scale_counts("tenant", v2=5)
    voice = results(counts).question("voice")
    assert voice.mean == 3.09
    staff, tenant = voice.breakdown
    assert (staff.constituency, staff.answered, staff.mean) == ("staff", 6, 4.0)
    assert (tenant.constituency, tenant.answered, tenant.mean) == ("tenant", 5, 2.0)
    assert tenant.distribution == {1: 0, 2: 5, 3: 0, 4: 0, 5: 0}


def test_one_small_group_is_not_left_derivable_from_the_total():
    counts = scale_counts("staff", v4=20) | scale_counts("tenant", v1=2)
    voice = results(counts).question("voice")
    assert voice.mean is not None
    staff, tenant = voice.breakdown
    assert tenant.mean is None
    assert tenant.suppressed_reason.startswith("Hidden: only 2 people answered")
    assert staff.mean is None and staff.distribution is None
    assert staff.suppressed_reason == SECONDARY_REASON


def test_groups_outside_the_audience_are_reported_too():
    counts = scale_counts("staff", v4=6) | scale_counts("board", v5=6)
    voice = results(counts).question("voice")
    assert [g.constituency for g in voice.breakdown] == ["staff", "tenant", "board"]
    assert voice.breakdown[1].suppressed_reason == "Hidden: nobody answered."
    assert voice.breakdown[2].mean == 5.0


def test_change_versus_previous_round():
    before = results(
        scale_counts("staff", v3=4, v4=1) | {("enps", "staff", 10): 5, ("enps", "staff", 0): 5}
    )
    now = results(
        scale_counts("staff", v4=4, v3=1) | {("enps", "staff", 10): 6, ("enps", "staff", 0): 4},
        previous=before,
    )
    assert now.question("voice").change == 0.6
    assert now.question("enps").change == 20
    assert now.question("say").change is None
    assert now.headline() == "Voice heard: 3.8/5 (up 0.6)"
    assert now.headline("enps") == "Employee NPS: +20 (up 20)"
    again = results(scale_counts("staff", v4=4, v3=1), previous=now)
    assert again.headline() == "Voice heard: 3.8/5 (no change)"
    worse = results(scale_counts("staff", v3=5), previous=now)
    assert worse.headline() == "Voice heard: 3.0/5 (down 0.8)"


def test_no_change_is_shown_against_a_hidden_round():
    before = results(scale_counts("staff", v3=4))
    now = results(scale_counts("staff", v4=5), previous=before)
    assert now.question("voice").change is None
    assert now.headline() == "Voice heard: 4.0/5"


def test_no_change_is_shown_when_the_current_round_is_hidden():
    before = results(scale_counts("staff", v4=5))
    now = results(scale_counts("staff", v3=4), previous=before)
    assert now.question("voice").change is None


STAFF_COMMENTS = [
    ("staff", "I love the new flexible hours"),
    ("staff", "Great team, thank you"),
    ("staff", "The rota is terrible"),
    ("staff", "Parking is awful"),
    ("staff", "The meeting is on Tuesday"),
    ("staff", "Canteen opens at nine"),
    ("staff", "Brilliant support from my manager"),
    ("staff", "Bad communication about the restructure"),
    ("staff", "We need more training days"),
    ("staff", "Thanks for listening, it is good to be asked"),
]


def test_comments_grouped_by_sentiment_sorted_and_unattributed():
    outcome = results({}, comments=STAFF_COMMENTS + [("staff", "   ")])
    assert outcome.comments_suppressed_reason is None
    assert list(outcome.comments) == ["positive", "neutral", "negative"]
    shown = [c for group in outcome.comments.values() for c in group]
    assert len(shown) == 10
    for mood, group in outcome.comments.items():
        texts = [c.text for c in group]
        assert texts == sorted(texts, key=str.casefold)
        assert all(c.sentiment == mood for c in group)
    assert "The rota is terrible" in [c.text for c in outcome.comments["negative"]]
    assert "Great team, thank you" in [c.text for c in outcome.comments["positive"]]
    assert "Canteen opens at nine" in [c.text for c in outcome.comments["neutral"]]
    as_json = json.dumps(outcome.to_dict()["comments"])
    assert "staff" not in as_json


def test_comment_order_does_not_depend_on_answer_order():
    forwards = results({}, comments=STAFF_COMMENTS)
    backwards = results({}, comments=list(reversed(STAFF_COMMENTS)))
    assert forwards.comments == backwards.comments


def test_fewer_comments_than_the_threshold_are_all_hidden():
    outcome = results({}, comments=STAFF_COMMENTS[:9])
    assert outcome.comments is None
    assert outcome.comments_suppressed_reason == (
        "Hidden: only 9 comments; comments show from 10 to protect anonymity."
    )
    assert results({}, comments=STAFF_COMMENTS[:5], comment_threshold=5).comments is not None


def test_comments_from_a_small_constituency_are_hidden_even_when_the_total_is_enough():
    outcome = results({}, comments=STAFF_COMMENTS + [("tenant", "My repair took months")])
    texts = [c.text for group in outcome.comments.values() for c in group]
    assert len(texts) == 10
    assert "My repair took months" not in texts
    assert outcome.comments_suppressed_reason == (
        "Hidden: 1 comment from a group with fewer than 10 comments, to protect anonymity."
    )


def test_no_comments_hides_nothing_and_says_so():
    outcome = results({})
    assert outcome.comments == {"positive": (), "neutral": (), "negative": ()}
    assert outcome.comments_suppressed_reason == "No comments."


def test_to_dict_is_plain_json():
    counts = scale_counts("staff", v4=6) | {("say", "staff", "Surveys"): 6}
    data = results(counts, comments=STAFF_COMMENTS).to_dict()
    assert json.loads(json.dumps(data)) == data
    voice = data["questions"][0]
    assert voice["id"] == "voice"
    assert voice["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 6, "5": 0}
    assert voice["breakdown"][1]["suppressed_reason"] == "Hidden: nobody answered."
    assert data["questions"][2]["distribution"] == {"Surveys": 6, "Meetings": 0}


def test_headline_skips_to_the_first_scored_question():
    survey = SurveyDefinition(
        id="s",
        title="S",
        intro="",
        audience=("staff",),
        questions=(
            ChoiceQuestion("say", "Say?", ("A", "B"), topic="Say"),
            EnpsQuestion("enps", "Recommend?", topic="eNPS"),
        ),
    )
    counts = {("say", "staff", "A"): 3, ("say", "staff", "B"): 3, ("enps", "staff", 5): 5}
    outcome = round_results(survey, counts, {"staff": 6}, {"staff": 6}, [])
    assert outcome.headline() == "eNPS: -100"
    assert outcome.headline("say") == 'Say: most chose "A" and "B" (50% each)'


def test_thresholds_must_be_positive():
    with pytest.raises(ValueError):
        results({}, threshold=0)
    with pytest.raises(ValueError):
        results({}, comment_threshold=0)


answers = st.dictionaries(
    st.tuples(st.just("voice"), st.sampled_from(["staff", "tenant", "board"]), st.integers(1, 5)),
    st.integers(0, 50),
)


@given(answers, st.integers(1, 10))
def test_every_shown_figure_covers_at_least_threshold_people(counts, threshold):
    voice = results(counts, threshold=threshold).question("voice")
    assert voice.answered == sum(counts.values())
    groups = [voice, *voice.breakdown]
    for group in groups:
        if group.answered < threshold:
            assert group.mean is None and group.distribution is None
            assert group.suppressed_reason
        if group.mean is not None:
            assert 1 <= group.mean <= 5
            assert sum(group.distribution.values()) == group.answered
    hidden = [g.answered for g in voice.breakdown if g.suppressed_reason]
    if voice.mean is not None:
        assert sum(hidden) == 0 or sum(hidden) >= threshold
