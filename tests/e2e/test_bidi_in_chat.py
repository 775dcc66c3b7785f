"""Members' words in chat cards are isolated from the bot's own words around them."""

from __future__ import annotations

from bot.adapters.slack.render import shown
from bot.adapters.telegram.render import render
from handlers.messages import Message, Recipient, quoted

RLO, FSI, PDF, PDI = "\u202e", "\u2068", "\u202c", "\u2069"


def test_a_quoted_suggestion_keeps_its_override_to_itself():
    message = Message(
        Recipient.staff_council(), f"{quoted('fix it' + RLO + ' now')}\n\nFrom: Anonymous"
    )
    [part] = render(message)
    assert f"{FSI}fix it{RLO} now{PDF}{PDI}" in part.html
    assert shown(message).text.startswith(f"{FSI}fix it{RLO} now{PDF}{PDI}")


def test_a_named_suggesters_name_on_the_card_is_isolated():
    from handlers.suggestions.card import card_text
    from tests.helpers import make_context

    row = {
        "text": "Benches",
        "named": True,
        "name": f"Pat{RLO}",
        "sentiment": "neutral",
        "similar": [],
        "status": "new",
        "note": None,
        "overdue_at": None,
        "responded_at": None,
    }
    assert f"From: {FSI}Pat{RLO}{PDF}{PDI}" in card_text(make_context(), row)
