"""Neutral messages as texts: short questions with "Reply 1 for ...", everything longer as
the member's page link, and invitations within two segments in English and Welsh."""

from __future__ import annotations

import dataclasses

import pytest

from bot.adapters.sms.render import OPEN_PAGE, render
from bot.adapters.sms.segments import count
from handlers import i18n
from handlers.messages import Message, Option, Recipient, quoted
from handlers.pulses.rounds import REMINDER
from handlers.votes.admin import create_vote
from handlers.votes.notices import _announcement
from handlers.votes.screens import RESOLUTION_CHOICES
from handlers.votes.state import load
from tests.handlers.votes.test_votes import definition

LINK = "https://voice.riverside-homes.org.uk/m/" + "x" * 43
TO = Recipient.of("t1")


def link(flow: str) -> str:
    return LINK


def resolution(language: str) -> Message:
    _ = i18n.translator(language)
    choices = tuple(
        Option(_(name), "vote.b", f"3.{n}") for n, name in enumerate(RESOLUTION_CHOICES)
    )
    return Message(TO, _("How do you vote?"), choices=choices, flow="vote:agm", language=language)


def test_a_resolution_is_answered_by_number_in_english_and_welsh():
    english = render(resolution("en"), link)
    assert english.texts == ["How do you vote?\n\nReply 1 for For, 2 for Against, 3 for Abstain."]
    assert english.menu == [("1", "vote.b|3.0"), ("2", "vote.b|3.1"), ("3", "vote.b|3.2")]
    welsh = render(resolution("cy"), link)
    assert welsh.texts[0].startswith("Sut ydych chi'n pleidleisio?\n\nAtebwch 1 ar gyfer ")
    assert welsh.menu == english.menu and not welsh.linked


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize(
    "title",
    [
        "Rent 2027",
        "Adopt the new rules of Riverside Homes Co-operative, as set out in the notice of "
        "the annual general meeting sent to every member on 1 March",
        "Mabwysiadu rheolau newydd y gymdeithas: ŵyl, ŷd a thŷ",
    ],
)
def test_invitations_fit_two_segments(language, title, ctx):
    explanation = "Resolution 1: that the rules in the notice are adopted. " * 3
    create_vote(ctx, definition(title=title, explanation=explanation), "test")
    vote = load(ctx, "agm")
    row = {"member_id": "t1", "timezone": None, "language": language}
    message = dataclasses.replace(_announcement(ctx, vote, row), flow="vote:agm")
    rendered = render(message, link)
    (text,) = rendered.texts
    assert count(text).segments <= 2, (text, count(text))
    assert text.endswith(LINK) or text.rstrip(".").endswith(i18n.translator(language)("Vote now"))


def test_member_words_stay_inert_and_typography_is_plain():
    message = Message(TO, f"The council\u2019s reply: {quoted('see www.example.com')}")
    (text,) = render(message, link).texts
    assert "council's reply" in text
    assert "www.example.com" not in text  # a word joiner keeps it from linking


def test_without_a_link_a_long_list_is_numbered():
    choices = tuple(Option(f"Candidate {c}", "vote.b", c) for c in "ABCDEFG")
    rendered = render(Message(TO, "Your 1st choice?", choices=choices), lambda flow: None)
    assert rendered.texts[0].endswith("7. Candidate G\n\nReply with a number from 1 to 7.")
    assert rendered.menu[6] == ("7", "vote.b|G")


def test_a_long_text_is_cut_at_twilios_1600_characters():
    rendered = render(Message(TO, ("A sentence of the newsletter. " * 40 + "\n\n") * 3), link)
    assert len(rendered.texts) == 3 and all(len(t) <= 1600 for t in rendered.texts)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_linked_reminder_says_it_is_a_reminder(language):
    _ = i18n.translator(language)
    nudge = _(REMINDER).format(title=_("Tenant check-in"), closes="10:00 on Fri 4 Dec")
    scale = tuple(Option(str(n), "pulse.a", f"7.0.{n}") for n in range(5))
    text = f"{nudge}\n\nQuestion 1 of 1: Repairs are done well and on time."
    message = Message(TO, text, title="Tenant check-in", choices=scale, flow="pulse:7",
                      quiet_hours=True, language=language)  # fmt: skip
    rendered = render(message, link)
    (body,) = rendered.texts
    assert rendered.linked and body == f"Tenant check-in\n{nudge}\n{_(OPEN_PAGE).format(link=LINK)}"
    assert count(body).segments <= 2, count(body)
    # A first paragraph too long to fit is left out whole, not cut mid-sentence.
    long = dataclasses.replace(message, text=f"{nudge * 4}\n\n{text}")
    assert render(long, link).texts == [f"Tenant check-in\n{_(OPEN_PAGE).format(link=LINK)}"]
