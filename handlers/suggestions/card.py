"""The suggestion card the council sees, and what every council action shares.

The card is built from the suggestion alone: the words exactly as sent, the topic,
"Anonymous" or the name the member chose to give, the sentiment, similar earlier
suggestions and the status. Nothing else about the sender is known here.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Event, Message, Option, Recipient, Text, quoted, reply
from storage.suggestions.queries import (
    ACKNOWLEDGED,
    ADOPTED,
    CLOSED,
    NEW,
    NOT_ADOPTED,
    UNDER_DISCUSSION,
)
from surveys.bidi import isolate
from surveys.wording import plural

# Marked for translation: the suggester reads them too (the council in the org's language).
LABELS = {
    NEW: N_("New"),
    ACKNOWLEDGED: N_("Acknowledged"),
    UNDER_DISCUSSION: N_("Under discussion"),
    ADOPTED: N_("Adopted"),
    NOT_ADOPTED: N_("Not adopted"),
}
ONLY_COUNCIL = "Sorry, only the staff council can do that."
NOT_FOUND = "I can't find suggestion #{n}."
NOT_A_NUMBER = "{typed!r} is not a suggestion number: type it like /suggestions 12."
CLOSED_ALREADY = "Suggestion #{n} is already closed ({label}); it can't be changed."


def council_may(ctx: Context, event: Event) -> bool:
    """True if `event` comes from the council chat or from an officer."""
    if ctx.in_council_chat(event.sender.platform, event.sender.chat_id):
        return True
    return event.member is not None and ctx.is_officer(event.member.member_id)


def number_in(value: str | None) -> int | None:
    """The suggestion number at the start of a button value ("12:ack") or typed ("#12")."""
    head = (value or "").split(":", 1)[0].strip().lstrip("#")
    return int(head) if head.isdigit() else None


def not_found(event: Event, n: int | None, typed: str = "") -> Message:
    """Why no suggestion was found: no such number, or no number at all."""
    if n is None:
        return reply(event, NOT_A_NUMBER.format(typed=typed.strip()))
    return reply(event, NOT_FOUND.format(n=n))


def prompted_number(event: Text) -> int | None:
    """The suggestion number a prompt carries after its name ("suggest.reply:12")."""
    return number_in((event.reply_to or "").partition(":")[2])


def council_choices(row: dict) -> tuple[Option, ...]:
    if row["status"] in CLOSED:
        return ()
    n = row["id"]
    return (
        Option("Acknowledge", "suggest.status", f"{n}:ack"),
        Option("Under discussion", "suggest.status", f"{n}:discuss"),
        Option("Adopted", "suggest.status", f"{n}:adopt"),
        Option("Not adopted", "suggest.decline", str(n)),
        Option("Reply", "suggest.reply", str(n)),
    )


def card_title(row: dict) -> str:
    return f"Suggestion #{row['id']} · {row['topic']}"


def card_text(ctx: Context, row: dict, lead: str = "") -> str:
    """The suggestion as the council sees it: the words exactly as sent, then the facts."""
    lines = [lead, ""] if lead else []
    lines += [quoted(row["text"]), ""]
    if row["named"]:
        name = isolate(row["name"]) if row["name"] else "a named member (their details were erased)"
        lines.append(f"From: {name}")
    else:
        lines.append("From: Anonymous")
    lines.append(f"Sentiment: {row['sentiment']}")
    if row["similar"]:
        lines.append("Similar earlier suggestions: " + ", ".join(f"#{n}" for n in row["similar"]))
    status = f"Status: {LABELS[row['status']]}"
    if row["note"]:
        status += f" ({row['note']})"
    if row["overdue_at"] and not row["responded_at"]:
        status += f", no response for over {plural(ctx.policy.suggestions.response_days, 'day')}"
    lines.append(status)
    return "\n".join(lines)


def card(
    ctx: Context, row: dict, lead: str = "", key: str | None = None, quiet: bool = False
) -> Message:
    """The suggestion card, addressed to the council chat."""
    return Message(
        to=Recipient.staff_council(),
        title=card_title(row),
        text=card_text(ctx, row, lead),
        choices=council_choices(row),
        key=key,
        quiet_hours=quiet,
    )


def tell_council(
    event: Event, ctx: Context, text: str, key: str, choices: tuple[Option, ...] = ()
) -> list[Message]:
    """Confirm to whoever acted; when an officer acted elsewhere, keep the council informed.

    The council's next actions come along, since a pressed card may have lost its buttons.
    """
    out = [reply(event, text, choices=choices)]
    if not ctx.in_council_chat(event.sender.platform, event.sender.chat_id):
        out.append(Message(Recipient.staff_council(), text, choices=choices, key=key))
    return out
