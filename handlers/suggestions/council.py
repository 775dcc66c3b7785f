"""The staff council's side of suggestions: statuses, reasons, `/suggestions`, overdue.

Council actions count when pressed in the council chat or by an officer. Each status
change is told to the suggester in plain English, through the relay link while the
suggestion is open; the council never learns who that is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import (
    Choice,
    Command,
    Event,
    Message,
    Option,
    Recipient,
    Text,
    quoted,
    reply,
)
from handlers.router import ANYONE, OFFICER, Router
from handlers.schedule import Job
from handlers.suggestions.card import (
    CLOSED_ALREADY,
    LABELS,
    ONLY_COUNCIL,
    card,
    card_text,
    card_title,
    council_choices,
    council_may,
    not_found,
    number_in,
    prompted_number,
    tell_council,
)
from handlers.suggestions.text import snippet
from storage.suggestions import queries as suggestions
from storage.suggestions.queries import ACKNOWLEDGED, ADOPTED, CLOSED, NOT_ADOPTED, UNDER_DISCUSSION
from surveys.wording import plural

CODES = {"ack": ACKNOWLEDGED, "discuss": UNDER_DISCUSSION, "adopt": ADOPTED}
NOTICES = {
    ACKNOWLEDGED: N_(
        "The staff council has seen your suggestion #{n} (“{start}”) and will look "
        "at it. I'll let you know what happens."
    ),
    UNDER_DISCUSSION: N_(
        "The staff council is now discussing your suggestion #{n} (“{start}”). "
        "I'll tell you what they decide."
    ),
    ADOPTED: N_(
        "Good news: the staff council has adopted your suggestion #{n} (“{start}”). "
        "Thank you for speaking up! This suggestion is now closed."
    ),
    NOT_ADOPTED: N_(
        "The staff council has decided not to take forward your suggestion #{n} "
        "(“{start}”).\nTheir reason: {note}\nThank you for speaking up. This suggestion is "
        "now closed; you're welcome to send another."
    ),
}
LIST_LIMIT = 10

HandlerResult = Message | list[Message]


def change_status(
    ctx: Context, event: Event, row: dict, status: str, note: str | None = None
) -> list[Message]:
    """Set the status, tell the suggester in plain English, and show the council."""
    n = row["id"]
    member_id = suggestions.suggester(ctx.db, n)
    suggestions.set_status(ctx.db, n, status, ctx.now(), note)
    updated = suggestions.get(ctx.db, n)
    assert updated is not None
    out: list[Message] = []
    if member_id:
        _ = i18n.for_member_id(ctx, member_id)
        again = (Option(_("Make another suggestion"), "suggest.start"),) if status in CLOSED else ()
        text = _(NOTICES[status]).format(
            n=n, start=quoted(snippet(row["text"])), note=quoted(note) if note else ""
        )
        out.append(
            Message(
                Recipient.of(member_id),
                text,
                choices=again,
                language=_.language,
                quiet_hours=True,
                key=f"suggestion:{n}:status:{status}",
            )
        )
    told = "the suggester has been told" if member_id else "the suggester can't be reached"
    if isinstance(event, Choice) and event.message_ref:
        updated_card = card(ctx, updated)
        out.append(
            reply(
                event,
                card_text(ctx, updated, lead=f"Marked {LABELS[status]}: {told}."),
                title=updated_card.title,
                choices=updated_card.choices,
                edit=True,
            )
        )
        if not ctx.in_council_chat(event.sender.platform, event.sender.chat_id):
            text = f"Suggestion #{n} was marked {LABELS[status]} by an officer; {told}."
            out.append(Message(Recipient.staff_council(), text, key=f"suggestion:{n}:{status}"))
        return out
    summary = f"Suggestion #{n} is now marked {LABELS[status]}"
    summary += f" (reason: {note}); {told}." if note else f"; {told}."
    return out + tell_council(event, ctx, summary, f"suggestion:{n}:{status}")


def _open_row(ctx: Context, event: Event, n: int | None) -> dict | Message:
    """The open suggestion `n`, or the reply that explains why not."""
    row = suggestions.get(ctx.db, n) if n is not None else None
    if row is None:
        return not_found(event, n)
    if row["status"] in CLOSED:
        return reply(event, CLOSED_ALREADY.format(n=n, label=LABELS[row["status"]]))
    return row


def press_status(ctx: Context, event: Choice) -> HandlerResult:
    if not council_may(ctx, event):
        return reply(event, ONLY_COUNCIL)
    n, _, code = event.value.partition(":")
    found = _open_row(ctx, event, int(n) if n.isdigit() else None)
    if isinstance(found, Message):
        return found
    status = CODES.get(code)
    if status is None:
        return reply(event, "That button no longer works. Type /suggestions to start again.")
    if found["status"] == status:
        return reply(event, f"Suggestion #{found['id']} is already marked {LABELS[status]}.")
    return change_status(ctx, event, found, status)


def press_decline(ctx: Context, event: Choice) -> Message:
    if not council_may(ctx, event):
        return reply(event, ONLY_COUNCIL)
    found = _open_row(ctx, event, number_in(event.value))
    if isinstance(found, Message):
        return found
    n = found["id"]
    return reply(
        event,
        f"Why is suggestion #{n} not being taken forward? A reason is needed, and the "
        "suggester will read it, so please write it for them.",
        prompt=f"suggest.reason:{n}",
    )


def give_reason(ctx: Context, event: Text) -> HandlerResult:
    if not council_may(ctx, event):
        return reply(event, ONLY_COUNCIL)
    found = _open_row(ctx, event, prompted_number(event))
    if isinstance(found, Message):
        return found
    reason = event.text.strip()
    if not reason:
        return reply(
            event,
            f"A reason is needed to mark #{found['id']} not adopted. Please write one.",
            prompt=f"suggest.reason:{found['id']}",
        )
    return change_status(ctx, event, found, NOT_ADOPTED, reason)


def open_card(ctx: Context, event: Event) -> Message:
    """One suggestion's card, shown to the officer or council member who asked."""
    if not council_may(ctx, event):
        return reply(event, ONLY_COUNCIL)
    typed = event.value if isinstance(event, Choice) else getattr(event, "args", "")
    n = number_in(typed)
    row = suggestions.get(ctx.db, n) if n is not None else None
    if row is None:
        return not_found(event, n, typed)
    return reply(event, card_text(ctx, row), title=card_title(row), choices=council_choices(row))


def list_open(ctx: Context, event: Command) -> Message:
    """`/suggestions`: the open suggestions, oldest first, each a button to act on it."""
    if event.args.strip():
        return open_card(ctx, event)
    rows = suggestions.listing(ctx.db, "open")
    if not rows:
        return reply(event, "There are no open suggestions: every one has had an answer.")
    now = ctx.now()
    lines = [f"Open suggestions ({len(rows)}), oldest first:"]
    for row in rows[:LIST_LIMIT]:
        age = _age(now, row["created_at"])
        late = ", overdue" if row["overdue_at"] and not row["responded_at"] else ""
        lines.append(
            f"#{row['id']} · {row['topic']} · {LABELS[row['status']].lower()} · {age}{late}: "
            f"{quoted(snippet(row['text'], 40))}"
        )
    if len(rows) > LIST_LIMIT:
        lines.append(
            f"…and {len(rows) - LIST_LIMIT} more (see: mutual-voice suggestions list --status open)."
        )
    lines.append("Choose one to act on it.")
    choices = [Option(f"#{r['id']} {r['topic']}", "suggest.open", str(r["id"])) for r in rows]
    return reply(event, "\n".join(lines), choices=choices[:LIST_LIMIT])


def _age(now: datetime, created_at: str) -> str:
    days = (now - datetime.fromisoformat(created_at)).days
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"


def housekeeping(ctx: Context, now: datetime) -> list[Message]:
    """Mark suggestions overdue (telling the council once), forget old drafts and sends."""
    days = ctx.policy.suggestions.response_days
    numbers = suggestions.mark_overdue(ctx.db, now - timedelta(days=days), now)
    suggestions.forget_sends_before(ctx.db, suggestions.day_of(now))
    suggestions.forget_drafts_before(ctx.db, now - timedelta(days=7))
    out = []
    for n in numbers:
        row = suggestions.get(ctx.db, n)
        if row is not None:
            lead = f"Still waiting for a response after {plural(days, 'day')}:"
            out.append(card(ctx, row, lead=lead, key=f"suggestion:{n}:overdue", quiet=True))
    return out


def jobs(ctx: Context) -> list[Job]:
    return [
        Job(
            "suggestions.housekeeping",
            housekeeping,
            description="marks suggestions with no council response overdue",
        )
    ]


def register(router: Router) -> None:
    router.command("suggestions", "open suggestions for the council", who=OFFICER, order=60)(
        list_open
    )
    router.action("suggest.open", who=ANYONE)(open_card)
    router.action("suggest.status", who=ANYONE)(press_status)
    router.action("suggest.decline", who=ANYONE)(press_decline)
    router.prompt("suggest.reason", who=ANYONE)(give_reason)
