"""What a member reads by e-mail, through the real adapter and aiosmtplib against FakeSMTP:
well-formed headers, a plain-text and an HTML part, members' words as text, the link to
the member's page, the words the adapter adds in the reader's language, and one-click
unsubscribe only on what the member did not ask for."""

from __future__ import annotations

import re
from email.utils import parseaddr, parsedate_to_datetime

from handlers.messages import Message, Option, Recipient, quoted
from tests.e2e.email.harness import ADDRESS, FROM, PUBLIC, REPLY_TO, Running

ANNOUNCEMENT = Message(
    Recipient.of("e1"),
    "The annual meeting decides the new rules.\n\nVoting is open until Friday.",
    title="New vote: New rules",
    choices=(Option("Vote now", "vote.go", "7"),),
    quiet_hours=True,
    flow="vote:agm-2026",
)


async def test_an_announcement_is_a_well_formed_multipart_email(bot: Running) -> None:
    bot.post(ANNOUNCEMENT)
    await bot.sent()

    (received,) = bot.to("e1")
    mail = received.message
    assert received.sender == FROM and received.recipients == [ADDRESS["e1"]]
    assert received.tls and received.authenticated
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Subject"] == "New vote: New rules"
    assert parseaddr(str(mail["From"])) == ("Our Mutual", FROM)
    assert parseaddr(str(mail["To"]))[1] == ADDRESS["e1"]
    assert parseaddr(str(mail["Reply-To"]))[1] == REPLY_TO
    sent_at = parsedate_to_datetime(str(mail["Date"]))
    assert received.at is not None and abs((received.at - sent_at).total_seconds()) < 5
    assert re.fullmatch(r"<[0-9a-f]{32}@riverside\.example>", str(mail["Message-ID"]))
    assert mail["Content-Language"] == "en"
    assert mail["Auto-Submitted"] == "auto-generated"
    # Both parts carry the whole message, and the member's own link for this vote.
    link = "https://voice.riverside.example/m/TOKEN-e1-vote-agm-2026"
    plain, page = received.part("plain"), received.part("html")
    for part in (plain, page):
        assert "The annual meeting decides the new rules." in part
        assert "Voting is open until Friday." in part
        assert link in part and "Vote now" in part
        assert "Our Mutual sent you this e-mail because you are a member." in part
    assert f'<a href="{link}"><strong>Vote now</strong></a>' in page
    assert '<html lang="en">' in page and "<h1>New vote: New rules</h1>" in page


async def test_a_message_the_member_did_not_ask_for_carries_one_click_unsubscribe(
    bot: Running,
) -> None:
    bot.post(ANNOUNCEMENT)
    await bot.sent()

    mail = bot.to("e1")[0].message
    found = re.fullmatch(
        rf"<({re.escape(PUBLIC)}/u/[A-Za-z0-9_-]{{20,}})>", mail["List-Unsubscribe"].strip()
    )
    assert found, mail["List-Unsubscribe"].strip()
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = found.group(1)
    assert url in bot.to("e1")[0].part("plain") and f'href="{url}"' in bot.to("e1")[0].part("html")
    # The token itself is nowhere in the database: only its hash.
    token = url.rsplit("/", 1)[1]
    dump = "\n".join(bot.app.db.conn.iterdump())
    assert token not in dump


async def test_a_direct_reply_has_no_unsubscribe_header(bot: Running) -> None:
    bot.post(
        Message(Recipient(member_id="e2", platform="email", chat_id=ADDRESS["e2"]), "Thank you.")
    )
    await bot.sent()

    mail = bot.to("e2")[0].message
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None
    assert "Unsubscribe" not in bot.to("e2")[0].part("plain")


async def test_members_words_show_as_text_never_as_markup(bot: Running) -> None:
    suggestion = '<script>alert("x")</script> <a href="https://evil.example">win</a> & more'
    bot.post(
        Message(
            Recipient.of("e1"),
            "The council answered your suggestion:\n\n" + quoted(suggestion),
            title="Re: " + quoted("<b>Bins</b>\r\nBcc: everyone@example.org"),
            quiet_hours=True,
        )
    )
    await bot.sent()

    (received,) = bot.to("e1")
    page = received.part("html")
    assert "<script>" not in page and 'href="https://evil' not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&amp; more" in page
    assert "&lt;/\u2060script&gt;" in page  # inert, as in chat: no link a mail client would make
    assert "evil\u2060.example" in received.part("plain")
    # A header cannot be broken into two by what a member wrote.
    mail = received.message
    assert mail["Bcc"] is None and received.recipients == [ADDRESS["e1"]]
    assert mail["Subject"].replace("\u2060", "") == "Re: <b>Bins</b> Bcc: everyone@example.org"


async def test_a_question_lists_its_choices_and_links_to_the_page(bot: Running) -> None:
    scale = tuple(
        Option(label, "pulse.answer", str(n))
        for n, label in enumerate(["Not at all", "A little", "Mostly", "Completely"])
    )
    bot.post(
        Message(
            Recipient.of("e2"),
            "Do you feel listened to?",
            choices=scale,
            quiet_hours=True,
            flow="pulse:12",
        )
    )
    await bot.sent()

    received = bot.to("e2")[0]
    assert received.message["Subject"] == "Our Mutual: a quick question"
    plain = received.part("plain")
    assert "Your choices:\n- Not at all\n- A little\n- Mostly\n- Completely" in plain
    assert "Answer on your page:\nhttps://voice.riverside.example/m/TOKEN-e2-pulse-12" in plain
    assert "<li>Mostly</li>" in received.part("html")


async def test_chat_menus_are_left_out_when_there_is_no_flow(bot: Running) -> None:
    bot.post(
        Message(
            Recipient.of("e2"),
            "News from the council.",
            choices=(Option("Settings", "home.settings"),),
            quiet_hours=True,
        )
    )
    await bot.sent()

    received = bot.to("e2")[0]
    assert received.message["Subject"] == "Our Mutual: a message for you"
    assert "Settings" not in received.part("plain") and "/m/" not in received.part("plain")


async def test_a_welsh_reader_gets_the_adapters_words_in_welsh(bot: Running) -> None:
    bot.post(
        Message(
            Recipient.of("e3"),
            "Mae pleidlais newydd ar agor.",
            choices=ANNOUNCEMENT.choices,
            quiet_hours=True,
            flow="vote:agm-2026",
            language="cy",
        )
    )
    await bot.sent()

    received = bot.to("e3")[0]
    mail = received.message
    assert mail["Content-Language"] == "cy"
    assert mail["Subject"] == "Our Mutual: pleidlais"
    for part in (received.part("plain"), received.part("html")):
        assert "Anfonodd Our Mutual yr e-bost hwn atoch chi am eich bod chi'n aelod." in part
        assert "Dad-danysgrifio o'r e-byst hyn" in part
        assert "Mae'r ddolen hon i chi yn unig" in part
    assert '<html lang="cy">' in received.part("html")
