"""A neutral message as an e-mail: a plain-text part and an HTML part, and its headers.

Members' words are data in both parts: made inert as in chat (no address or link a mail
client would make live) and, in the HTML part, escaped. E-mail carries no buttons: a
message that asks about a flow links to the member's page for it instead, its choices
listed in the text; other choices (chat menus) are left out. Messages the member did not
ask for (announcements, reminders, newsletters: those that wait out quiet hours) carry
`List-Unsubscribe` with RFC 8058's one-click POST.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from bot.adapters.email import words
from bot.adapters.inert_text import inert
from handlers import i18n
from handlers.messages import Message, each_part

SUBJECT_MAX = 150  # characters; mail clients show far fewer


@dataclass(frozen=True)
class Envelope:
    """What an e-mail needs besides the message: who from and to, and its links."""

    to: str
    from_address: str
    reply_to: str
    organisation: str
    now: datetime
    page_link: str | None = None  # the member's page for `message.flow`
    unsubscribe: str | None = None  # the one-click unsubscribe URL


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def message_id(from_address: str) -> str:
    """A Message-ID on the sender's domain; random, so it tells nothing of when or who."""
    return f"<{secrets.token_hex(16)}@{domain_of(from_address)}>"


def compose(message: Message, envelope: Envelope) -> EmailMessage:
    _ = i18n.translator(message.language)
    organisation = one_line(_.pick(envelope.organisation))
    title = one_line(each_part(message.title, inert))
    text = each_part(message.text, inert).strip()
    labels = [one_line(each_part(o.label, inert)) for o in message.choices]
    link, link_label, listed = envelope.page_link, "", []
    if link:
        if len(labels) == 1:
            link_label = labels[0]  # "Vote now": the page is where it is done
        else:
            link_label, listed = _(words.ANSWER_ON_YOUR_PAGE), labels
    footer = [_(words.SENT_BY).format(organisation=organisation)]

    mail = EmailMessage()
    mail["Subject"] = (title or _subject(message.flow, organisation, _))[:SUBJECT_MAX]
    mail["From"] = Address(organisation, addr_spec=envelope.from_address)
    mail["To"] = Address(addr_spec=envelope.to)
    mail["Reply-To"] = Address(organisation, addr_spec=envelope.reply_to or envelope.from_address)
    mail["Date"] = format_datetime(envelope.now)
    mail["Message-ID"] = message_id(envelope.from_address)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    if envelope.unsubscribe:
        mail["List-Unsubscribe"] = f"<{envelope.unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(
        _plain(title, text, listed, link, link_label, footer, envelope.unsubscribe, _),
        cte="quoted-printable",
    )
    mail.add_alternative(
        _html(title, text, listed, link, link_label, footer, envelope.unsubscribe, _),
        subtype="html",
        cte="quoted-printable",
    )
    # After the parts are made: making them moves Content-* headers into the first part.
    mail["Content-Language"] = _.language
    return mail


def escape(text: str) -> str:
    """Text as HTML text (attributes use html.escape, which also escapes quotes)."""
    return html.escape(text, quote=False)


def one_line(text: str) -> str:
    return " ".join(text.split())


def _subject(flow: str, organisation: str, _: i18n.Translator) -> str:
    kind = flow.partition(":")[0]
    wording = {"vote": words.SUBJECT_VOTE, "pulse": words.SUBJECT_PULSE}.get(
        kind, words.SUBJECT_OTHER
    )
    return _(wording).format(organisation=organisation)


def _plain(
    title: str,
    text: str,
    listed: list[str],
    link: str | None,
    link_label: str,
    footer: list[str],
    unsubscribe: str | None,
    _: i18n.Translator,
) -> str:
    parts = [p for p in (title, text) if p]
    if listed:
        parts.append("\n".join([_(words.YOUR_CHOICES), *(f"- {label}" for label in listed)]))
    if link:
        parts.append(f"{link_label}:\n{link}\n\n{_(words.PERSONAL_LINK)}")
    tail = list(footer)
    if unsubscribe:
        tail.append(f"{_(words.UNSUBSCRIBE)}: {unsubscribe}")
    parts.append("-- \n" + "\n".join(tail))  # the signature separator mail clients know
    return "\n\n".join(parts) + "\n"


def _paragraphs(text: str) -> str:
    return "\n".join(
        "<p>" + "<br>\n".join(escape(line) for line in block.split("\n")) + "</p>"
        for block in text.split("\n\n")
        if block.strip()
    )


def _html(
    title: str,
    text: str,
    listed: list[str],
    link: str | None,
    link_label: str,
    footer: list[str],
    unsubscribe: str | None,
    _: i18n.Translator,
) -> str:
    body = []
    if title:
        body.append(f"<h1>{escape(title)}</h1>")
    body.append(_paragraphs(text))
    if listed:
        items = "".join(f"<li>{escape(label)}</li>" for label in listed)
        body.append(f"<p>{escape(_(words.YOUR_CHOICES))}</p>\n<ul>{items}</ul>")
    if link:
        body.append(
            f'<p><a href="{html.escape(link)}"><strong>{escape(link_label)}</strong></a></p>'
            f"\n<p><small>{escape(_(words.PERSONAL_LINK))}</small></p>"
        )
    tail = "<br>\n".join(escape(line) for line in footer)
    if unsubscribe:
        tail += (
            f'<br>\n<a href="{html.escape(unsubscribe)}">{escape(_(words.UNSUBSCRIBE))}</a>'
        )
    body.append(f"<hr>\n<p><small>{tail}</small></p>")
    language = html.escape(_.language)
    heading = escape(title or "")
    return (
        f'<!doctype html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{heading}</title>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
