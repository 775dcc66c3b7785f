"""Neutral messages as Telegram messages: HTML with everything escaped, cut to fit.

Members' words (`quoted` by handlers) are made inert too, so that Telegram finds no
mention, link, command or hashtag in them.

Telegram counts message length after HTML parsing, so the plain text is split first and
each piece escaped afterwards. Lengths are counted in UTF-16 units, which is never less
than Telegram's own count.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.adapters.inert_text import inert
from bot.adapters.telegram import callbacks as telegram_callbacks
from handlers import i18n
from handlers.i18n import N_
from handlers.messages import Message, Option, each_part

TEXT_MAX = 4096
CAPTION_MAX = 1024
PLACEHOLDER = N_("Type your answer")
TICK = "✓"

Markup = InlineKeyboardMarkup | ForceReply


@dataclass(frozen=True)
class Part:
    """One Bot API call: a text or a photo with its caption, its keyboard, what it edits."""

    html: str
    photo: str | None = None
    markup: Markup | None = None
    edit: int | None = None


def render(message: Message) -> list[Part]:
    """The calls that show `message`, the keyboard on the last.

    An edit changes the message in place when the new text fits one message. A longer one
    goes out whole as new messages: the edited message showed only its last part (it held
    the buttons), so editing it would leave the text in pieces and out of order.
    """
    title = each_part(message.title, inert).strip()
    text = each_part(message.text, inert)
    photo = message.image if not message.edit_ref else None
    first = (CAPTION_MAX if photo else TEXT_MAX) - (units(title) + 2 if title else 0)
    pieces = [escape(piece) for piece in split_text(text, TEXT_MAX, first)] or [""]
    if title:
        pieces[0] = f"<b>{escape(title)}</b>" + (f"\n\n{pieces[0]}" if pieces[0] else "")
    parts = [Part(piece) for piece in pieces]
    edit = int(message.edit_ref) if message.edit_ref and len(parts) == 1 else None
    parts[0] = replace(parts[0], photo=photo, edit=edit)
    markup: Markup | None = None
    if message.choices:
        markup = keyboard(message.choices)
    elif message.prompt and parts[-1].edit is None:  # Telegram edits take inline keyboards only
        placeholder = i18n.translator(message.language)(PLACEHOLDER)
        markup = ForceReply(input_field_placeholder=placeholder)
    parts[-1] = replace(parts[-1], markup=markup)
    return parts


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_MAX, first: int | None = None) -> list[str]:
    """Pieces of at most `limit` units (`first` for the first one), cut where a reader would.

    A cut falls on a paragraph break if one is in the second half of the piece, else on a
    line break, else on a space, else mid-word.
    """
    pieces: list[str] = []
    rest = text.strip()
    budget = limit if first is None else first
    while units(rest) > budget:
        cut = _cut(rest, budget)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
        budget = limit
    if rest:
        pieces.append(rest)
    return pieces


def _cut(text: str, budget: int) -> int:
    end = max(_fitting(text, budget), 1)
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, end)
        if at > end // 2:
            return at
    return end


def _fitting(text: str, budget: int) -> int:
    """How many leading characters of `text` fit in `budget` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)


def keyboard(choices: tuple[Option, ...]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(o.label, callback_data=telegram_callbacks.encode(o.action, o.value))
        for o in choices
    ]
    width = _row_width(max(len(o.label) for o in choices))
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])


def _row_width(longest_label: int) -> int:
    # Numbers of a 0-10 scale fit six to a row on a small phone; words need the full width.
    if longest_label <= 3:
        return 6
    return 3 if longest_label <= 8 else 1


def chosen_label(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The label of the button whose data is `data`, if that keyboard has one."""
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def with_tick(text_html: str, label: str) -> str:
    return f"{text_html}\n\n{TICK} {escape(label)}"
