"""The two-way relay: the council replies to a suggester it may not know, who can answer.

Messages to the council carry only the suggestion number and the words written; the
suggester is found through the relay link, which exists only while the suggestion is
open. Afterwards replies are refused kindly, both ways.
"""

from __future__ import annotations

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Choice, Message, Option, Recipient, Text, quoted, reply
from handlers.router import ANYONE, MEMBER, Router
from handlers.suggestions.card import (
    LABELS,
    NOT_FOUND,
    ONLY_COUNCIL,
    council_choices,
    council_may,
    number_in,
    prompted_number,
    tell_council,
)
from handlers.suggestions.forgotten import forgotten_once_sent
from handlers.suggestions.text import snippet
from storage.suggestions import queries as suggestions
from storage.suggestions.queries import CLOSED, COUNCIL

GONE = "Suggestion #{n} is closed ({label}), so messages about it can no longer be passed on."
MEMBER_CLOSED = N_(
    "The conversation about your suggestion #{n} is closed ({label}), so I can't pass on "
    "more messages about it. You're welcome to send a new suggestion."
)
NOT_YOURS = N_("That button no longer works. Type /help to see what I can do.")


def _reachable(ctx: Context, event: Choice | Text, n: int | None) -> tuple[dict, str] | Message:
    """The open suggestion and its suggester, or the council's explanation why not."""
    row = suggestions.get(ctx.db, n) if n is not None else None
    if row is None:
        return reply(event, NOT_FOUND.format(n=n if n is not None else "?"))
    if row["status"] in CLOSED:
        return reply(event, GONE.format(n=n, label=LABELS[row["status"]].lower()))
    member_id = suggestions.suggester(ctx.db, row["id"])
    if member_id is None:
        return reply(event, f"The suggester of #{n} can no longer be reached through me.")
    return row, member_id


def start_reply(ctx: Context, event: Choice) -> Message:
    """The council's Reply button: ask for the words to pass on."""
    if not council_may(ctx, event):
        return reply(event, ONLY_COUNCIL)
    found = _reachable(ctx, event, number_in(event.value))
    if isinstance(found, Message):
        return found
    row, _ = found
    hidden = "" if row["named"] else " They stay anonymous: you won't see who they are."
    return reply(
        event,
        f"Write your reply to the suggester of #{row['id']}; I'll pass it on.{hidden}",
        prompt=f"suggest.reply:{row['id']}",
    )


def council_reply(ctx: Context, event: Text) -> list[Message] | Message:
    if not council_may(ctx, event):
        return reply(event, ONLY_COUNCIL)
    found = _reachable(ctx, event, prompted_number(event))
    if isinstance(found, Message):
        return found
    row, member_id = found
    n, words = row["id"], event.text.strip()
    if not words:
        return reply(event, "That reply was empty. Please write it again.", prompt=event.reply_to)
    entry = suggestions.log(ctx.db, n, COUNCIL, words, ctx.now())
    suggestions.mark_responded(ctx.db, n, ctx.now())
    _ = i18n.for_member_id(ctx, member_id)
    lead = _("The staff council replied about your suggestion #{n} (“{start}”):").format(
        n=n, start=quoted(snippet(row["text"]))
    )
    answer = _("To answer them, tap Reply.")
    if not row["named"]:
        answer += " " + _("They still won't know who you are.")
    to_member = Message(
        Recipient.of(member_id),
        f"{lead}\n\n{quoted(words)}\n\n{answer}",
        title=_("Reply about your suggestion #{n}").format(n=n),
        choices=(Option(_("Reply"), "suggest.answer", str(n)),),
        language=_.language,
        quiet_hours=True,
        key=f"suggestion:{n}:log:{entry}",
    )
    note = f"Reply sent to the suggester of #{n}:\n\n{quoted(words)}"
    key = f"suggestion:{n}:log:{entry}:council"
    return [to_member, *tell_council(event, ctx, note, key, council_choices(row))]


def _own_open(ctx: Context, event: Choice | Text, n: int | None) -> dict | Message:
    """The member's own open suggestion `n`, or a kind word why they can't write about it."""
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    row = suggestions.get(ctx.db, n) if n is not None else None
    if row is None:
        return reply(event, _(NOT_YOURS))
    if suggestions.suggester(ctx.db, row["id"]) == event.member.member_id:
        return row
    if row["status"] in CLOSED:
        return reply(event, _(MEMBER_CLOSED).format(n=n, label=_(LABELS[row["status"]]).lower()))
    return reply(event, _(NOT_YOURS))


def start_answer(ctx: Context, event: Choice) -> Message:
    """The suggester's Reply button."""
    found = _own_open(ctx, event, number_in(event.value))
    if isinstance(found, Message):
        return found
    _ = i18n.for_member(ctx, event.member)
    text = _("Write your answer to the staff council about suggestion #{n}.").format(n=found["id"])
    if not found["named"]:
        text += " " + _("They won't see your name.")
    return reply(event, text, prompt=f"suggest.answer:{found['id']}")


def member_answer(ctx: Context, event: Text) -> list[Message] | Message:
    found = _own_open(ctx, event, prompted_number(event))
    if isinstance(found, Message):
        return found
    _ = i18n.for_member(ctx, event.member)
    n, words = found["id"], event.text.strip()
    limit = ctx.policy.suggestions.max_length
    if not words:
        return reply(
            event, _("That message was empty. Please write your answer."), prompt=event.reply_to
        )
    if len(words) > limit:
        return reply(
            event,
            _(
                "That's {length} characters; the most I can pass on is {limit}. "
                "Please send a shorter version."
            ).format(length=len(words), limit=limit),
            prompt=event.reply_to,
        )
    entry = suggestions.log(ctx.db, n, suggestions.MEMBER, words, ctx.now())
    who = found["name"] if found["named"] and found["name"] else "the suggester"
    to_council = Message(
        Recipient.staff_council(),
        quoted(words),
        title=f"Suggestion #{n} · answer from {who}",
        choices=council_choices(found),
        key=f"suggestion:{n}:log:{entry}",
    )
    thanks = _("Thank you. I've passed your answer to the staff council.")
    if not found["named"]:
        thanks += " " + _("They still don't know who you are.")
    return [to_council, reply(event, thanks)]


def register(router: Router) -> None:
    router.action("suggest.reply", who=ANYONE)(forgotten_once_sent(start_reply))
    router.prompt("suggest.reply", who=ANYONE)(forgotten_once_sent(council_reply))
    router.action("suggest.answer", who=MEMBER)(forgotten_once_sent(start_answer))
    router.prompt("suggest.answer", who=MEMBER)(forgotten_once_sent(member_answer))
