"""Member votes in chat: `/vote`, the ballot buttons, `/receipt`, an officer's `/poll`,
and the tick that opens votes, reminds members and closes votes on time.

The ballot screens live in `ballots`, the officer's side in `admin`, counting in
`results`, unasked messages in `notices`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.meetings import proxies
from handlers.meetings.chat import offers as proxy_offers
from handlers.messages import Choice, Command, Message, Option, reply
from handlers.router import ANYONE, OFFICER, Router
from handlers.schedule import Job, Pause
from handlers.votes import ballots
from handlers.votes.admin import VoteError, due_work, quick_poll
from handlers.votes.notices import late_announcements, reminders, sweep_due
from handlers.votes.results import message_text, result_of
from handlers.votes.state import (
    CLOSED,
    OPEN,
    SCHEDULED,
    Vote,
    all_votes,
    find,
    ineligible_reason,
    is_for,
    load,
    load_short,
    when,
)
from storage.votes import queries as store
from surveys.votes.definitions import VoteDefinitionError, length_words
from surveys.wording import plural

NOT_A_MEMBER = N_(
    "Only members can vote, and I don't know you yet. If you're a member, open the invite "
    "link your organisation sent you, or ask your membership officer for one; then you "
    "can vote here."
)
POLL_HELP = (
    "Start a quick poll, open to every member now: /poll Question? | Option A | Option B\n"
    "It stays open for 24 hours; for another length, start with it, e.g. "
    "/poll 2h Lunch on Friday? | Pizza | Curry\n"
    "Lengths: 30m, 2h, 1h30m, 1.5h, 2 hours, 3d or 2w (5 minutes to 30 days)."
)
RECENT = timedelta(days=30)
RECEIPT = re.compile(r"([2-9A-Z]{4})-?([2-9A-Z]{4})")


def _label(prefix: str, vote: Vote, _: Translator) -> str:
    title = _.pick(vote.title)
    title = title if len(title) <= 40 else title[:39] + "…"
    return f"{prefix}: {title}"


def vote_command(ctx: Context, event: Command) -> list[Message]:
    member = event.member
    _ = i18n.for_event(ctx, event)
    if member is None:
        return [reply(event, _(NOT_A_MEMBER))]
    if event.args:
        chosen = find(ctx, event.args)
        if chosen is None:
            text = _("I can't find a vote called {name!r}. Type /vote to see yours.")
            return [reply(event, text.format(name=event.args))]
        # A proxy holder casts the ballots of those they represent from here too.
        return ballots.show(ctx, event, chosen) + proxy_offers(ctx, event, chosen)
    now = ctx.now()
    mine = [v for v in all_votes(ctx) if is_for(ctx, v, member)]
    live = [
        v
        for v in mine
        if v.status == OPEN and v.closes_at > now and ineligible_reason(ctx, v, member) is None
    ]
    # A ballot their proxy cast is not yet their own vote: theirs would replace it.
    voted = {
        v.id
        for v in live
        if store.has_voted(ctx.db, v.id, member.member_id)
        and not proxies.cast_by_proxy(ctx, v, member.member_id)
    }
    offers = [m for v in live for m in proxy_offers(ctx, event, v)]
    if len(live) == 1 and not voted:
        intro = _("There's one vote open for you.")
        return ballots.show(ctx, event, live[0], intro=intro) + offers
    lines, buttons = [], []
    for v in live:
        closes = when(ctx, v.closes_at, member.timezone, _)
        line = _("• {title}: open until {closes}.").format(title=_.pick(v.title), closes=closes)
        lines.append(line + " " + _("You've voted.") if v.id in voted else line)
        if v.id not in voted:
            buttons.append(Option(_label(_("Vote"), v, _), "vote.go", str(v.short)))
        elif v.definition.allow_change:
            buttons.append(Option(_label(_("Change my vote"), v, _), "vote.go", str(v.short)))
        if v.definition.results_before_close:
            buttons.append(Option(_label(_("Results so far"), v, _), "vote.res", str(v.short)))
    lines.insert(
        0, _("Votes open for you:") if live else _("There are no votes open for you right now.")
    )
    upcoming = [v for v in mine if v.status == SCHEDULED and v.opens_at and v.opens_at > now]
    lines += [
        _("Coming up: {title}, opens {opens}.").format(
            title=_.pick(v.title),
            opens=when(ctx, v.opens_at, member.timezone, _),  # type: ignore[arg-type]
        )
        for v in upcoming
    ]
    for v in mine:
        if v.status == CLOSED and v.closed_at and now - v.closed_at < RECENT:
            buttons.append(Option(_label(_("Result"), v, _), "vote.res", str(v.short)))
    if not live:
        lines.append(_("I'll message you when a vote opens."))
    return [reply(event, "\n".join(lines), choices=buttons), *offers]


def show_result(ctx: Context, event: Choice) -> Message:
    _ = i18n.for_member(ctx, event.member)
    vote = load_short(ctx, event.value)
    if vote is None:
        return reply(event, _(ballots.GONE))
    summary = result_of(ctx, vote)
    if summary is None:
        zone = event.member.timezone if event.member else None
        return reply(
            event,
            _("The result of {title} will be published when it closes, {closes}.").format(
                title=_.pick(vote.title), closes=when(ctx, vote.closes_at, zone, _)
            ),
        )
    title = _("Result: {title}").format(title=_.pick(vote.title))
    return reply(event, message_text(summary, _), title=title)


def receipt_command(ctx: Context, event: Command) -> Message:
    _ = i18n.for_member(ctx, event.member)
    found = RECEIPT.fullmatch(event.args.strip().upper().replace(" ", ""))
    if not found:
        return reply(
            event,
            _(
                "Send /receipt and the code you got when you voted, e.g. /receipt K7QM-4X2P. "
                "Ballots are published when a vote closes."
            ),
        )
    code = f"{found.group(1)}-{found.group(2)}"
    lines = []
    for row in store.find_receipt(ctx.db, code):
        vote = load(ctx, row["vote_id"])
        if vote is not None:
            # Which ballot, never what it chose: the answer sits in the outbox (and the
            # log of a platform) beside the member who asked. The published ballot list
            # shows the choices, by receipt code and never by name.
            lines.append(
                _("{title}: ballot {code} is in the count.").format(
                    title=_.pick(vote.title), code=code
                )
            )
    if not lines:
        lines.append(
            _(
                "I can't find ballot {code} in a closed vote. Please check the code; ballots "
                "are published only after a vote closes."
            ).format(code=code)
        )
    # Who asked about which ballot links a member to it: the answer is deleted from the
    # outbox once delivered or given up (storage.outbox.FORGET_ENTIRELY).
    return replace(reply(event, "\n".join(lines)), key=f"receipt:{secrets.token_hex(8)}")


def poll_command(ctx: Context, event: Command) -> list[Message]:
    assert event.member is not None
    if not event.args.strip():
        return [reply(event, POLL_HELP)]
    try:
        vote, announcements = quick_poll(ctx, event.member, event.args)
    except (VoteDefinitionError, VoteError) as error:
        return [reply(event, f"Sorry, I couldn't start that poll: {error}.\n\n{POLL_HELP}")]
    assert vote.opened_at is not None
    minutes = round((vote.closes_at - vote.opened_at).total_seconds() / 60)
    confirmation = reply(
        event,
        f"Your poll is open for {length_words(minutes)}, until "
        f"{when(ctx, vote.closes_at, event.member.timezone)}: "
        f"{vote.title}\nI'm telling {everyone(vote.eligible or 0)} now. When it closes, the "
        "result goes to everyone who could vote, and to the council.",
    )
    return [confirmation, *announcements]


def tick(ctx: Context, now: datetime) -> Iterator[Message | Pause]:
    """Open, close, announce to late joiners, remind. Idempotent; big work goes in parts."""
    yield from due_work(ctx, now)
    for vote in all_votes(ctx, OPEN):
        if vote.closes_at <= now:
            continue  # due to close (and not closed just now): nobody is asked to vote
        if sweep_due(vote, now):
            yield from late_announcements(ctx, vote)
        yield from reminders(ctx, vote, now)


def jobs(ctx: Context) -> list[Job]:
    return [Job("votes", tick, description="open votes, send reminders, close and count")]


def register(router: Router) -> None:
    router.command("vote", N_("vote in open member votes"), who=ANYONE, order=20)(vote_command)
    router.command("receipt", N_("check your vote was counted, with your receipt code"), order=85)(
        receipt_command
    )
    router.command("poll", "start a quick poll of all members", who=OFFICER, order=60)(poll_command)
    router.action("vote.go")(ballots.on_go)
    router.action("vote.b")(ballots.on_pick)
    router.action("vote.done")(ballots.on_done)
    router.action("vote.redo")(ballots.on_redo)
    router.action("vote.ok")(ballots.on_confirm)
    router.action("vote.about")(ballots.on_about)
    router.action("vote.res")(show_result)


def everyone(count: int) -> str:
    """ "all 5 members", or "the 1 member" when there is one."""
    return f"all {plural(count, 'member')}" if count != 1 else "the 1 member"
