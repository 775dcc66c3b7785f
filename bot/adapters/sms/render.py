"""A neutral message as one text message, written to fit.

A question with a short list of choices goes whole, ending "Reply 1 for For, 2 for
Against, 3 for Abstain."; the numbers are kept for the chat (`Rendered.menu`) and a reply
with one is read back as that choice, once. Anything longer goes as a short text with the
member's personal page link for the flow it asks about: a whole pulse round, a ballot of
several picks (ranked, approval, budget: it has a Done button), a scale or list with more
than `MENU_MAX` choices or long labels, or a message over its budget of segments (two for
what the member did not ask for, such as an invitation; three for a reply). A long message
with no flow to link to goes whole, its choices numbered as WhatsApp numbers them, and so
does a meeting's notice: it is the notice the society's rules require, so its text is
never swapped for a link, and its answers are typed as numbers.

Typographic marks are made plain (segments.gsm_friendly) so that English stays GSM-7.
Members' words are made inert as on the other platforms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.adapters.inert_text import inert
from bot.adapters.sms.segments import gsm_friendly, segments
from bot.adapters.typed_numbers import consecutive_numbers, keys, option_id
from handlers import i18n
from handlers.i18n import N_
from handlers.messages import Message, each_part

BODY_MAX = 1600  # Twilio's limit for one message's body
MENU_MAX = 5
LABEL_MAX = 30
INVITATION_SEGMENTS = 2
REPLY_SEGMENTS = 3
# A ballot made of several picks has a button to finish it: the page does that better.
SEVERAL_PICKS = frozenset({"vote.done"})
# A meeting's notice (and /meeting): its text goes whole, with typed numbers, never a link.
WHOLE = frozenset({"meeting.rsvp"})
REPLY = N_("Reply {choices}.")
REPLY_CHOICE = N_("{number} for {choice}")
OPEN_PAGE = N_("Answer on your own page: {link}")
TYPE_A_NUMBER = N_("Reply with a number from {first} to {last}.")


@dataclass(frozen=True)
class Rendered:
    """The texts to send, in order, and the typed-number menu they leave."""

    texts: list[str]
    menu: list[tuple[str, str]] = field(default_factory=list)
    linked: bool = False  # sent as the page link


def render(message: Message, link: Callable[[str], str | None]) -> Rendered:
    """`link(flow)` gives the member's page link for a flow, or None."""
    _ = i18n.translator(message.language)
    title = gsm_friendly(each_part(message.title, inert).strip())
    text = gsm_friendly(each_part(message.text, inert).strip())
    head = "\n".join(part for part in (title, text) if part) or "..."
    budget = INVITATION_SEGMENTS if message.quiet_hours else REPLY_SEGMENTS
    choices = message.choices
    labels = [gsm_friendly(each_part(o.label, inert).strip()) or "..." for o in choices]
    ids = [option_id(o) for o in choices]
    typed = keys(labels)
    if choices and _short_list(message, labels):
        asked = [
            _(REPLY_CHOICE).format(number=n, choice=label)
            for n, label in zip(typed, labels, strict=True)
        ]
        whole = f"{head}\n\n{_(REPLY).format(choices=', '.join(asked))}"
        if segments(whole) <= budget:
            return Rendered([whole], list(zip(typed, ids, strict=True)))
    elif not choices and segments(head) <= budget:
        return Rendered([head])
    whole_text = any(o.action in WHOLE for o in choices)
    url = link(message.flow) if message.flow and not whole_text else None
    if url:
        # The text's first paragraph says why this text came (a reminder's words, when a
        # round closes): without it a reminder reads as the invitation again.
        lead = text.split("\n\n")[0].strip() if title else ""
        body = linked(title or text.split("\n")[0], url, _, lead=lead)
        return Rendered([body], linked=True)
    if not choices:
        return Rendered(split(head))
    lines = (
        ""
        if consecutive_numbers(labels)
        else "\n".join(f"{n}. {label}" for n, label in zip(typed, labels, strict=True))
    )
    ask = _(TYPE_A_NUMBER).format(first=typed[0], last=typed[-1])
    whole = "\n\n".join(part for part in (head, lines, ask) if part)
    return Rendered(split(whole), list(zip(typed, ids, strict=True)))


def _short_list(message: Message, labels: list[str]) -> bool:
    return (
        not message.flow.startswith("pulse:")
        and len(labels) <= MENU_MAX
        and all(len(label) <= LABEL_MAX for label in labels)
        and not any(o.action in SEVERAL_PICKS for o in message.choices)
    )


def linked(
    title: str, url: str, _: i18n.Translator, budget: int = INVITATION_SEGMENTS, lead: str = ""
) -> str:
    """The title, `lead` (whole, or left out if it does not fit), and the page link, in
    `budget` segments (the title shortened if need be)."""
    tail = _(OPEN_PAGE).format(link=url)
    if lead and segments(whole := f"{title}\n{lead}\n{tail}") <= budget:
        return whole
    words = title.split()
    while words:
        text = f"{' '.join(words)}\n{tail}"
        if segments(text) <= budget:
            return text
        words = words[:-1]
        if words:
            words[-1] = words[-1].rstrip(".,;:") + "..."
    return tail


def split(text: str, limit: int = BODY_MAX) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or space."""
    pieces, rest = [], text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*pieces, rest] if rest or not pieces else pieces
