"""Neutral messages as Cloud API request bodies, inside WhatsApp's limits.

Choices become, by how many there are and how long their labels:
- up to 3 with labels of at most 20 characters: reply buttons;
- up to 10 with labels that fit a list row (24, the rest in its 72-character
  description): a list message;
- more (a 0-10 scale, twelve candidates): numbered lines and "Reply with a number", read
  back by the adapter as the same choice (`Rendered.menu`), so one member still has one
  vote.
WhatsApp cannot edit a sent message, so an edit goes as a new message (a ticked
answer, a receipt replacing the Confirm buttons): nothing it says is lost. Members' words
are made inert as for the other platforms; WhatsApp's *bold* marks only our titles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.adapters.inert_text import inert
from bot.adapters.typed_numbers import consecutive_numbers, decode, keys, option_id
from handlers import i18n
from handlers.i18n import N_
from handlers.messages import Message, each_part

TEXT_MAX = 4096
BODY_MAX = 1024  # an interactive message's body
BUTTONS_MAX, BUTTON_TITLE_MAX = 3, 20
ROWS_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX = 10, 24, 72
LIST_BUTTON_MAX = 20
ID_MAX = 200  # a list row's id; a button's may be 256
CHOOSE = N_("Choose")
TYPE_A_NUMBER = N_("Reply with a number from {first} to {last}.")

__all__ = ["Rendered", "decode", "option_id", "render", "split_text"]


@dataclass(frozen=True)
class Rendered:
    """The request bodies (without `to`) that show a message, and its typed-number menu."""

    bodies: list[dict[str, Any]]
    menu: list[tuple[str, str]] = field(default_factory=list)  # (typed, option id) pairs


def render(message: Message) -> Rendered:
    _ = i18n.translator(message.language)
    title = each_part(message.title, inert).strip()
    text = each_part(message.text, inert).strip()
    if title:
        text = f"*{title}*" + (f"\n\n{text}" if text else "")
    choices = message.choices
    ids = [option_id(o) for o in choices]
    if not choices:
        return Rendered([_text(piece) for piece in split_text(text or "…")])
    labels = [each_part(o.label, inert).strip() or "…" for o in choices]
    if any(len(i) > ID_MAX for i in ids):
        raise ValueError("a choice's action and value are too long for WhatsApp")
    fits_buttons = len(choices) <= BUTTONS_MAX and all(len(t) <= BUTTON_TITLE_MAX for t in labels)
    fits_list = len(choices) <= ROWS_MAX and all(_fits_a_row(t) for t in labels)
    if fits_buttons or fits_list:
        *before, body = split_text(text or "…", TEXT_MAX, last=BODY_MAX)
        bodies = [_text(piece) for piece in before]
        if fits_buttons and len(set(labels)) == len(labels):
            bodies.append(_buttons(body, labels, ids))
        else:
            bodies.append(_list(body, labels, ids, _(CHOOSE)[:LIST_BUTTON_MAX]))
        return Rendered(bodies)
    return _numbered(text, labels, ids, _)


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _buttons(body: str, labels: list[str], ids: list[str]) -> dict[str, Any]:
    buttons = [
        {"type": "reply", "reply": {"id": i, "title": t}} for t, i in zip(labels, ids, strict=True)
    ]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}},
    }


def _list(body: str, labels: list[str], ids: list[str], button: str) -> dict[str, Any]:
    rows = []
    for label, row_id in zip(labels, ids, strict=True):
        title, rest = _title_and_rest(label)
        row = {"id": row_id, "title": title}
        if rest:  # the rest of a long label reads on below it
            row["description"] = rest
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {"button": button, "sections": [{"title": button, "rows": rows}]},
        },
    }


def _title_and_rest(label: str) -> tuple[str, str]:
    """A list row's title and description for `label`, cut between words if it can be."""
    if len(label) <= ROW_TITLE_MAX:
        return label, ""
    cut = label.rfind(" ", 0, ROW_TITLE_MAX + 1)
    if cut < ROW_TITLE_MAX // 2:
        cut = ROW_TITLE_MAX
    return label[:cut].rstrip(), label[cut:].strip()


def _fits_a_row(label: str) -> bool:
    return len(_title_and_rest(label)[1]) <= ROW_DESCRIPTION_MAX


def _numbered(text: str, labels: list[str], ids: list[str], _: i18n.Translator) -> Rendered:
    """Too many choices for a list: the member types a number."""
    typed = keys(labels)
    if consecutive_numbers(labels):  # a scale: its numbers are the answers
        lines = ""
    else:
        lines = "\n".join(f"{n}. {label}" for n, label in zip(typed, labels, strict=True))
    ask = _(TYPE_A_NUMBER).format(first=typed[0], last=typed[-1])
    whole = "\n\n".join(part for part in (text, lines, ask) if part)
    return Rendered(
        [_text(piece) for piece in split_text(whole)], list(zip(typed, ids, strict=True))
    )


def split_text(text: str, limit: int = TEXT_MAX, last: int | None = None) -> list[str]:
    """Pieces of at most `limit` characters (`last` for the final one), cut at a paragraph,
    a line or a space where one is in the second half of the piece."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > (last or limit):
        budget = limit if len(rest) > limit else (last or limit)
        if last and len(rest) <= limit:
            budget = last  # the final piece is the interactive body: cut it from the end
            cut = _cut_from_end(rest, budget)
        else:
            cut = _cut(rest, budget)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut(text: str, budget: int) -> int:
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, budget)
        if at > budget // 2:
            return at
    return budget


def _cut_from_end(text: str, budget: int) -> int:
    """Where to cut so that what follows fits `budget`, at a break if there is one."""
    earliest = len(text) - budget
    for separator in ("\n\n", "\n", " "):
        at = text.find(separator, earliest, earliest + budget // 2)
        if at != -1:
            return at
    return earliest
