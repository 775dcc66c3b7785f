"""Composing an e-mail (bot/adapters/email/compose.py) read back with the standard
library: names that need quoting or encoding, the organisation's name in the reader's
language, and subjects that stay one line."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.utils import getaddresses

from bot.adapters.email.compose import Envelope, compose
from handlers.messages import Message, Recipient, quoted
from surveys.localised import Local
from tests.helpers import START

ORGANISATION = Local({"en": 'Gower Homes, "Ltd"', "cy": "Cartrefi Gŵyr, Cyf."})


def read_back(message: Message, **envelope: object):
    fields = {
        "to": "sian.llyr@example.org",
        "from_address": "voice@gower.example",
        "reply_to": "",
        "organisation": ORGANISATION,
        "now": START,
        **envelope,
    }
    raw = compose(message, Envelope(**fields)).as_bytes(policy=policy.SMTPUTF8)
    return message_from_bytes(raw, policy=policy.default)


def test_names_with_commas_quotes_and_welsh_letters_read_back_whole():
    mail = read_back(Message(Recipient.of("t1"), "Newyddion.", language="cy"))
    assert getaddresses([str(mail["From"])]) == [("Cartrefi Gŵyr, Cyf.", "voice@gower.example")]
    assert getaddresses([str(mail["Reply-To"])])[0][1] == "voice@gower.example"
    assert str(mail["To"]) == "sian.llyr@example.org"
    assert mail["Subject"] == "Cartrefi Gŵyr, Cyf.: neges i chi"
    english = read_back(Message(Recipient.of("t1"), "News."))
    assert getaddresses([str(english["From"])]) == [('Gower Homes, "Ltd"', "voice@gower.example")]


def test_a_long_title_over_several_lines_is_one_short_subject():
    title = "Results:\n" + quoted("a very long suggestion title " * 20)
    mail = read_back(Message(Recipient.of("t1"), "Text.", title=title))
    subject = str(mail["Subject"])
    assert (
        "\n" not in subject and subject.startswith("Results: a very long") and len(subject) <= 150
    )


def test_no_unsubscribe_header_without_a_link_and_no_page_link_without_one():
    mail = read_back(Message(Recipient.of("t1"), "Text.", flow="vote:agm"))
    assert mail["List-Unsubscribe"] is None
    assert "Vote now" not in mail.get_body(("plain",)).get_content()
    assert mail["Subject"] == 'Gower Homes, "Ltd": a vote'
