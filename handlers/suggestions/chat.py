"""Sending a suggestion: `/suggest`, the "Make a suggestion" button, or any text offered.

The steps (words, topic, named or anonymous, a check for contact details) keep their
state in a draft in the database, so any platform, and a restart, pick up where the
member left off. Sending writes the suggestion and forwards its card to the council.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Choice, Command, Event, Message, Option, Text, reply
from handlers.router import MEMBER, Router
from handlers.suggestions.forgotten import forgotten_once_sent, keyed
from handlers.suggestions.send import over_limit, send
from handlers.suggestions.text import may_identify
from storage.suggestions import queries as suggestions
from surveys.bidi import isolate

ASK = N_(
    "What would you like to tell the staff council? It can be an idea, a worry or a "
    "complaint. Write it in one message (up to {limit} characters)."
)
EMPTY = N_(
    "That message was empty. Please write your suggestion, or type /help to do something else."
)
TOO_LONG = N_(
    "That's {length} characters, and the limit is {limit}. Please shorten it and send it "
    "again, or split it into two suggestions."
)
OFFER = N_("Would you like to send this to the staff council as a suggestion?")
TOPIC = N_("What is it about? Choose the closest topic.")
NAMED = N_(
    "Should the staff council see your name?\n"
    "• Anonymous: they see your words but not who you are. They can still reply to you "
    "through me, and you can answer back.\n"
    "• With my name: they see it is from {name}.\n"
    "If you're not sure, choose Anonymous."
)
IDENTIFY = N_(
    "Your message seems to include a phone number or email address. This may identify "
    "you — send anyway?"
)
STALE = N_("That suggestion has already been sent or cancelled. To send a new one, type /suggest.")
NOT_UNDERSTOOD = N_("I'm not sure what you mean. Would you like to make a suggestion?")
JUST = N_("Your suggestion is just “{text}”. Is that what you want to send to the staff council?")
WRITE_AGAIN = N_("Please write your suggestion (up to {limit} characters).")
DRAFT_WAITING = N_("You started a suggestion on {day}: “{text}”. Carry on with it?")
SHOWN = 120  # characters of a waiting draft quoted back

Answer = Message | list[Message]


def begin(ctx: Context, event: Event) -> Answer:
    """Ask for the words (or take them from `/suggest the words`); a half-written
    suggestion (kept for a week) is offered back first."""
    if isinstance(event, Command) and event.args.strip():
        return take_words(ctx, event, event.args)
    assert event.member is not None
    waiting = suggestions.member_draft(ctx.db, event.member.member_id)
    if waiting is not None:
        _ = i18n.for_member(ctx, event.member)
        text = waiting["text"] if len(waiting["text"]) <= SHOWN else waiting["text"][:SHOWN] + "…"
        started = datetime.fromisoformat(waiting["updated_at"])
        day = _.day(started.astimezone(ZoneInfo(ctx.policy.organisation.timezone)))
        return reply(
            event,
            _(DRAFT_WAITING).format(day=day, text=text),
            choices=[
                Option(_("Carry on with it"), "suggest.resume", str(waiting["id"])),
                Option(_("Start a new one"), "suggest.fresh", str(waiting["id"])),
            ],
        )
    return ask(ctx, event)


def ask(ctx: Context, event: Event) -> Answer:
    """ "What would you like to tell the staff council?" """
    refusal = over_limit(ctx, event)
    if refusal is not None:
        return refusal
    limit = ctx.policy.suggestions.max_length
    _ = i18n.for_member(ctx, event.member)
    return reply(event, _(ASK).format(limit=limit), prompt="suggest.text")


def take_words(
    ctx: Context, event: Event, text: str, draft_id: int | None = None, meant: bool = False
) -> Answer:
    """Check the words, then keep them in a draft and ask the next question. Only a number
    or one character (a stray answer to some other question, mostly) is asked about
    first, unless the member said it is `meant`."""
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    again = f"suggest.text:{draft_id}" if draft_id else "suggest.text"
    text = text.strip()
    limit = ctx.policy.suggestions.max_length
    if not text:
        return reply(event, _(EMPTY), prompt=again)
    if len(text) > limit:
        return reply(event, _(TOO_LONG).format(length=len(text), limit=limit), prompt=again)
    refusal = over_limit(ctx, event)
    if refusal is not None:
        return refusal
    found = suggestions.draft(ctx.db, draft_id, event.member.member_id) if draft_id else None
    if found is None:
        draft_id = suggestions.start_draft(ctx.db, event.member.member_id, text, ctx.now())
    else:
        suggestions.update_draft(ctx.db, found["id"], ctx.now(), text=text)
    if not meant and (len(text) == 1 or not any(c.isalpha() for c in text)):
        return reply(
            event,
            _(JUST).format(text=text),
            choices=[
                Option(_("Yes, that's it"), "suggest.short", f"{draft_id}:y"),
                Option(_("No, write it again"), "suggest.short", f"{draft_id}:n"),
                Option(_("Cancel"), "suggest.cancel", str(draft_id)),
            ],
        )
    return next_step(ctx, event, draft_id)


def next_step(ctx: Context, event: Event, draft_id: int, anyway: bool = False) -> Answer:
    """Ask whatever the draft still needs, or send it."""
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    found = suggestions.draft(ctx.db, draft_id, event.member.member_id)
    if found is None:
        return reply(event, _(STALE))
    d = found["id"]
    cancel = Option(_("Cancel"), "suggest.cancel", str(d))
    if not found["topic"]:
        topics = ctx.policy.suggestions.categories
        options = [
            Option(_.pick(t)[:1].upper() + _.pick(t)[1:], "suggest.topic", f"{d}:{i}")
            for i, t in enumerate(topics)
        ]
        return reply(event, _(TOPIC), choices=[*options, cancel])
    if found["named"] is None:
        return reply(
            event,
            _(NAMED).format(name=isolate(event.member.name)),
            choices=[
                Option(_("Anonymous"), "suggest.named", f"{d}:a"),
                Option(_("With my name"), "suggest.named", f"{d}:n"),
                cancel,
            ],
        )
    if not found["named"] and not anyway and may_identify(found["text"]):
        return reply(
            event,
            _(IDENTIFY),
            choices=[
                Option(_("Send anyway"), "suggest.send", str(d)),
                Option(_("Edit"), "suggest.edit", str(d)),
            ],
        )
    return send(ctx, event, found)


def _draft_and_code(ctx: Context, event: Choice) -> tuple[int, str] | Message:
    assert event.member is not None
    head, _colon, code = event.value.partition(":")
    if not head.isdigit() or suggestions.draft(ctx.db, int(head), event.member.member_id) is None:
        return reply(event, i18n.for_member(ctx, event.member)(STALE))
    return int(head), code


def choose_topic(ctx: Context, event: Choice) -> Answer:
    found = _draft_and_code(ctx, event)
    if isinstance(found, Message):
        return found
    d, code = found
    topics = ctx.policy.suggestions.categories
    if code.isdigit() and int(code) < len(topics):
        suggestions.update_draft(ctx.db, d, ctx.now(), topic=str(topics[int(code)]))
    return next_step(ctx, event, d)


def choose_named(ctx: Context, event: Choice) -> Answer:
    found = _draft_and_code(ctx, event)
    if isinstance(found, Message):
        return found
    d, code = found
    if code in ("a", "n"):
        suggestions.update_draft(ctx.db, d, ctx.now(), named=int(code == "n"))
    return next_step(ctx, event, d)


def short_words(ctx: Context, event: Choice) -> Answer:
    """The answer to "Your suggestion is just “4”...": go on, or write it again."""
    found = _draft_and_code(ctx, event)
    if isinstance(found, Message):
        return found
    d, code = found
    if code == "y":
        return next_step(ctx, event, d)
    _ = i18n.for_member(ctx, event.member)
    limit = ctx.policy.suggestions.max_length
    return reply(event, _(WRITE_AGAIN).format(limit=limit), prompt=f"suggest.text:{d}")


def resume(ctx: Context, event: Choice) -> Answer:
    """Carry on with the draft `/suggest` offered back."""
    found = _draft_and_code(ctx, event)
    return found if isinstance(found, Message) else next_step(ctx, event, found[0])


def fresh(ctx: Context, event: Choice) -> Answer:
    """Drop the draft `/suggest` offered back, and start again."""
    found = _draft_and_code(ctx, event)
    if not isinstance(found, Message):
        suggestions.delete_draft(ctx.db, found[0])
    return ask(ctx, event)


def send_anyway(ctx: Context, event: Choice) -> Answer:
    found = _draft_and_code(ctx, event)
    return found if isinstance(found, Message) else next_step(ctx, event, found[0], anyway=True)


def edit(ctx: Context, event: Choice) -> Message:
    found = _draft_and_code(ctx, event)
    if isinstance(found, Message):
        return found
    _ = i18n.for_member(ctx, event.member)
    return reply(
        event,
        _("Please write your suggestion again, leaving out anything that could identify you."),
        prompt=f"suggest.text:{found[0]}",
    )


def cancel(ctx: Context, event: Choice) -> Message:
    found = _draft_and_code(ctx, event)
    if not isinstance(found, Message):
        suggestions.delete_draft(ctx.db, found[0])
    _ = i18n.for_member(ctx, event.member)
    return reply(event, _("OK, I haven't sent anything. Type /suggest whenever you want to."))


def typed(ctx: Context, event: Text) -> Answer:
    """The answer to "What would you like to tell the staff council?"."""
    value = (event.reply_to or "").partition(":")[2]
    return take_words(ctx, event, event.text, int(value) if value.isdigit() else None)


def offer(ctx: Context, event: Text) -> Message | None:
    """Text the bot wasn't expecting: offer to send it as a suggestion."""
    assert event.member is not None
    if ctx.in_council_chat(event.sender.platform, event.sender.chat_id):
        return None
    _ = i18n.for_member(ctx, event.member)
    text = event.text.strip()
    if len(text.split()) < 3:
        return reply(
            event,
            _(NOT_UNDERSTOOD),
            choices=[
                Option(_("Make a suggestion"), "suggest.start"),
                Option(_("What can I do?"), "help.show"),
            ],
        )
    d = suggestions.start_draft(ctx.db, event.member.member_id, text, ctx.now())
    asked = reply(
        event,
        _(OFFER),
        choices=[
            Option(_("Yes, send it"), "suggest.offer", f"{d}:y"),
            Option(_("No"), "suggest.offer", f"{d}:n"),
        ],
    )
    return keyed(event, [asked])[0]  # a suggestion begins: forgotten once delivered


def answer_offer(ctx: Context, event: Choice) -> Answer:
    assert event.member is not None
    found = _draft_and_code(ctx, event)
    if isinstance(found, Message):
        return found
    d, code = found
    if code != "y":
        suggestions.delete_draft(ctx.db, d)
        _ = i18n.for_member(ctx, event.member)
        return reply(event, _("OK, I won't send it. Type /help to see what I can do."))
    text = suggestions.draft(ctx.db, d, event.member.member_id)["text"]  # type: ignore[index]
    return take_words(ctx, event, text or "", d)


def register(router: Router) -> None:
    router.command("suggest", N_("send an idea or concern to the staff council"), order=30)(
        forgotten_once_sent(begin)
    )
    router.action("suggest.start", who=MEMBER)(forgotten_once_sent(begin))
    router.prompt("suggest.text", who=MEMBER)(forgotten_once_sent(typed))
    router.action("suggest.offer", who=MEMBER)(forgotten_once_sent(answer_offer))
    router.action("suggest.topic", who=MEMBER)(forgotten_once_sent(choose_topic))
    router.action("suggest.named", who=MEMBER)(forgotten_once_sent(choose_named))
    router.action("suggest.send", who=MEMBER)(forgotten_once_sent(send_anyway))
    router.action("suggest.short", who=MEMBER)(forgotten_once_sent(short_words))
    router.action("suggest.resume", who=MEMBER)(forgotten_once_sent(resume))
    router.action("suggest.fresh", who=MEMBER)(forgotten_once_sent(fresh))
    router.action("suggest.edit", who=MEMBER)(forgotten_once_sent(edit))
    router.action("suggest.cancel", who=MEMBER)(forgotten_once_sent(cancel))
    router.text(who=MEMBER)(offer)


def from_form(
    ctx: Context, event: Event, text: str, topic: int, named: bool, anyway: bool = False
) -> tuple[bool, Answer]:
    """A whole suggestion from one form (the member's page), through the same steps as
    chat: the words checked as `take_words` does, the topic and named-or-anonymous kept in
    a draft, the check for contact details (unless the writer said send `anyway`), then
    `send`. Whether it was sent, and the replies (the council's card among them); a draft
    not sent is not kept: the form still holds the words."""
    assert event.member is not None
    _ = i18n.for_member(ctx, event.member)
    text, limit = text.strip(), ctx.policy.suggestions.max_length
    if not text:
        return False, reply(event, _(EMPTY))
    if len(text) > limit:
        return False, reply(event, _(TOO_LONG).format(length=len(text), limit=limit))
    refusal = over_limit(ctx, event)
    if refusal is not None:
        return False, refusal
    topics = ctx.policy.suggestions.categories
    draft_id = suggestions.start_draft(ctx.db, event.member.member_id, text, ctx.now())
    suggestions.update_draft(
        ctx.db, draft_id, ctx.now(), topic=str(topics[topic]), named=int(named)
    )
    out = next_step(ctx, event, draft_id, anyway=anyway)
    sent = isinstance(out, list) and any(m.to.council for m in out)
    if not sent:
        suggestions.delete_draft(ctx.db, draft_id)
    return sent, keyed(event, out if isinstance(out, list) else [out])
