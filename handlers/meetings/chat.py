"""`/proxy` in chat: appoint the chair or a member as your proxy at a general meeting
(with instructions where the rules allow them), see it, revoke it; and, for a proxy
holder, cast the ballots of the members they represent from `/vote`.

`/proxy` shows the member's proxy for each coming meeting with buttons (the chair,
revoke), its flow the member's page for the first (`bot/web/member_page.py`); `/proxy NAME` (a member's name or id, or "chair"), optionally followed by
instructions after commas (`/proxy Lee Chen, adopt-rules=For`), appoints. Proxy ballot
messages carry the vote's ballot outbox key, so they are blanked once delivered.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.meetings import overview, proxies
from handlers.meetings.proxies import CHAIR, INSTRUCTED_METHODS, ProxyRefused
from handlers.messages import Choice, Command, Event, Message, Option, Recipient, reply
from handlers.router import Router
from handlers.votes.state import Vote, load_short, when
from storage.meetings import proxies as store
from storage.meetings import queries as meetings
from storage.votes import queries as votes

CHAIR_WORDS = ("chair", "the chair", "cadeirydd", "y cadeirydd")


def _coming(ctx: Context, member_id: str) -> list[tuple[str, proxies.Held]]:
    """Meetings still to come with this member on the roll, soonest first."""
    found = []
    for row in meetings.all_meetings(ctx.db):
        if datetime.fromisoformat(row["starts_at"]) > ctx.now() and store.on_roll(
            ctx.db, row["meeting_id"], member_id
        ):
            found.append(
                (row["meeting_id"], proxies.load(ctx, row["meeting_id"], i18n.translator("en")))
            )
    return found


def status(
    ctx: Context, meeting_id: str, held: proxies.Held, member_id: str, zone, _: Translator
) -> str:
    """The member's proxy at the meeting, the deadline, and the proxies they hold."""
    title = held.meeting.title
    mine = store.of_member(ctx.db, meeting_id, member_id)
    if mine is None:
        line = _("{title}: you have no proxy.").format(title=title)
    else:
        line = _("{title}: your proxy is {holder}.").format(
            title=title, holder=proxies.name_of(ctx, mine["holder_id"], _)
        )
        # Which votes, never how: this message stays in the outbox a while.
        for vote_id in mine["instructions"]:
            line += "\n" + _("You told them how to vote in {vote}.").format(vote=vote_id)
    if held.rules.proxies.allowed:
        line += "\n" + _("Proxies can be appointed or revoked until {date}.").format(
            date=when(ctx, held.deadline, zone, _)
        )
    holding = store.held_by(ctx.db, meeting_id, "member", member_id)
    if holding:
        names = [proxies.name_of(ctx, p["member_id"], _) for p in holding]
        line += "\n" + _("You hold proxies for {members}. Type /vote when a vote opens.").format(
            members=_.listing(names)
        )
    return line


def proxy_command(ctx: Context, event: Command) -> list[Message]:
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    coming = _coming(ctx, member.member_id)
    if not coming:
        return [reply(event, _("There is no general meeting coming up for you."))]
    words = event.args.strip()
    if not words:
        lines, buttons = [], []
        for meeting_id, held in coming:
            lines.append(status(ctx, meeting_id, held, member.member_id, member.timezone, _))
            if held.rules.proxies.allowed and CHAIR in held.rules.proxies.holders:
                buttons.append(Option(_("The chair as my proxy"), "proxy.chair", meeting_id))
            if store.of_member(ctx.db, meeting_id, member.member_id):
                buttons.append(Option(_("Revoke my proxy"), "proxy.revoke", meeting_id))
        lines.append(
            _(
                "To appoint a member as your proxy, send /proxy and their name or member id, "
                "e.g. /proxy Lee Chen."
            )
        )
        if any(h.rules.proxies.instructions for _m, h in coming):
            lines.append(
                _(
                    "To tell them how to vote, add each vote after a comma, e.g. "
                    "/proxy Lee Chen, adopt-rules=For"
                )
            )
        shown = reply(event, "\n\n".join(lines), title=_("Your proxy"), choices=buttons)
        # By text message or e-mail, the member's page does what the buttons do.
        return [replace(shown, flow=f"meeting:{coming[0][0]}")]
    meeting_id, held = coming[0]
    first, _space, rest = words.partition(" ")
    named = {m: h for m, h in coming}
    if first in named:
        meeting_id, held, words = first, named[first], rest.strip()
    elif len(coming) > 1:
        return [
            reply(
                event,
                _("Which meeting? Start with its id, e.g. /proxy {id} Lee Chen").format(
                    id=coming[0][0]
                ),
            )
        ]
    who, *told = [part.strip() for part in words.split(",")]
    instructions = {}
    for item in told:
        vote_id, sign, choice = item.partition("=")
        if not sign:
            return [
                reply(
                    event,
                    _("Give each instruction as vote=choice, e.g. adopt-rules=For").format(),
                )
            ]
        instructions[vote_id.strip()] = choice.strip()
    try:
        holder = holder_named(ctx, meeting_id, held, who, _)
    except ProxyRefused as refused:
        return [reply(event, str(refused))]
    return [_appointed(ctx, event, meeting_id, holder, instructions, _)]


def holder_named(ctx: Context, meeting_id: str, held: proxies.Held, who: str, _: Translator) -> str:
    """The holder a member names ("chair", a member's name or id on the roll): "chair" or
    the member's id; `ProxyRefused` if nobody on the roll, or more than one, is called
    that. Only an exact name is found: the roll is never listed."""
    if who.strip().lower() in CHAIR_WORDS:
        return CHAIR
    found = store.find_on_roll(ctx.db, meeting_id, who)
    if not found:
        raise ProxyRefused(
            _("I can't find a member called {name} on the roll of {title}.").format(
                name=who, title=held.meeting.title
            )
        )
    if len(found) > 1:
        raise ProxyRefused(
            _("More than one member is called {name}: please use their member id.").format(name=who)
        )
    return found[0]["member_id"]


def _appointed(
    ctx: Context, event: Event, meeting_id: str, holder: str, told: dict[str, str], _: Translator
) -> Message:
    member = event.member
    assert member is not None
    try:
        row = proxies.appoint(ctx, meeting_id, member.member_id, holder, told, member.member_id, _)
    except ProxyRefused as refused:
        return reply(event, str(refused))
    held = proxies.load(ctx, meeting_id, _)
    text = _("Done: {holder} is your proxy at {title}.").format(
        holder=proxies.name_of(ctx, row["holder_id"], _), title=held.meeting.title
    )
    if row["instructions"]:
        text += " " + _("They can vote only as you asked.")
    text += " " + _("You can still vote yourself; your own vote replaces theirs.")
    choices = [Option(_("Revoke my proxy"), "proxy.revoke", meeting_id)]
    return reply(event, text, title=_("Your proxy"), choices=choices)


def on_chair(ctx: Context, event: Choice) -> list[Message]:
    _ = i18n.for_member(ctx, event.member)
    return [_appointed(ctx, event, event.value, CHAIR, {}, _)]


def on_revoke(ctx: Context, event: Choice) -> list[Message]:
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    try:
        proxies.revoke(ctx, event.value, member.member_id, member.member_id, _)
    except ProxyRefused as refused:
        return [reply(event, str(refused), edit=True)]
    return [
        reply(
            event,
            _("Your proxy is revoked. Send /proxy to appoint another."),
            title=_("Your proxy"),
            edit=True,
        )
    ]


# --- casting for the members one represents ---------------------------------------------


def _keyed(vote: Vote, event: Event, messages: list[Message]) -> list[Message]:
    prefix, flow = votes.ballot_message_prefix(vote.id), f"vote:{vote.id}"
    return [
        replace(m, key=f"{prefix}p:{event.event_id}:{n}", flow=flow) for n, m in enumerate(messages)
    ]


def offers(ctx: Context, event: Event, vote: Vote) -> list[Message]:
    """Under `/vote ID`: a button per member the sender holds a proxy for in this vote."""
    member = event.member
    if member is None:
        return []
    held = proxies.represented(ctx, vote, member.member_id)
    if not held:
        return []
    _ = i18n.for_member(ctx, member)
    buttons = [
        Option(
            _("For {member} (proxy)").format(member=proxies.name_of(ctx, p["member_id"], _)),
            "proxy.go",
            f"{vote.short}:{p['member_id']}",
        )
        for p in held
    ]
    text = _("You hold proxies in {title}. Choose whose ballot to cast:").format(
        title=_.pick(vote.title)
    )
    return _keyed(vote, event, [reply(event, text, title=_.pick(vote.title), choices=buttons)])


def put_to_holder(ctx: Context, vote: Vote, holder_id: str, member_ids: list[str]) -> Message:
    """When a motion is put in the room: to a holder checked in, the members they can cast
    a ballot for. Nobody gave an instruction for a motion that did not exist when they
    appointed their proxy, so the holder votes on it as they judge best."""
    _ = i18n.for_member_id(ctx, holder_id)
    buttons = tuple(
        Option(
            _("For {member} (proxy)").format(member=proxies.name_of(ctx, member_id, _)),
            "proxy.go",
            f"{vote.short}:{member_id}",
        )
        for member_id in member_ids
    )
    text = _("You hold proxies in {title}. Choose whose ballot to cast:").format(
        title=_.pick(vote.title)
    )
    text += " " + _(
        "This motion was put in the room, so nobody gave you instructions for it: vote for "
        "them as you judge best."
    )
    return Message(
        to=Recipient.of(holder_id),
        text=text,
        title=_.pick(vote.title),
        choices=buttons,
        key=f"{votes.ballot_message_prefix(vote.id)}p:put:{holder_id}",
        language=_.language,
        flow=f"vote:{vote.id}",
    )


def _parse(ctx: Context, value: str) -> tuple[Vote | None, str, int | None]:
    short, _colon, rest = value.partition(":")
    member_id, _colon, index = rest.partition(":")
    vote = load_short(ctx, short)
    return vote, member_id, int(index) if index.isdigit() else None


def _screen(ctx: Context, event: Choice, vote: Vote, member_id: str, _: Translator) -> Message:
    who = proxies.name_of(ctx, member_id, _)
    title = _.pick(vote.title)
    if vote.definition.method not in INSTRUCTED_METHODS:
        return reply(
            event,
            _(
                "{member}'s ballot in {title} is ranked or has several choices: please cast it "
                "at the tellers' desk."
            ).format(member=who, title=title),
            edit=True,
        )
    proxy = store.of_member(ctx.db, vote.definition.meeting, member_id) or {"instructions": {}}
    told = proxy["instructions"].get(vote.id)
    names = vote.definition.choices
    picks = [names.index(told)] if told else range(len(names))
    text = _("{member}'s ballot in {title}: choose.").format(member=who, title=title)
    if told:
        text += " " + _("They asked you to vote {choice}.").format(choice=_(told))
    buttons = [
        Option(_(names[i]) if vote.definition.method == "resolution" else names[i], "proxy.pick",
               f"{vote.short}:{member_id}:{i}")
        for i in picks
    ]  # fmt: skip
    return reply(event, text, title=title, choices=buttons, edit=True)


def on_go(ctx: Context, event: Choice) -> list[Message]:
    _ = i18n.for_member(ctx, event.member)
    vote, member_id, _index = _parse(ctx, event.value)
    if vote is None:
        return [reply(event, _("That vote no longer exists. Type /vote to see open votes."))]
    return _keyed(vote, event, [_screen(ctx, event, vote, member_id, _)])


def on_pick(ctx: Context, event: Choice) -> list[Message]:
    _ = i18n.for_member(ctx, event.member)
    vote, member_id, index = _parse(ctx, event.value)
    if vote is None or index is None or index >= len(vote.definition.choices):
        return [reply(event, _("That vote no longer exists. Type /vote to see open votes."))]
    name = vote.definition.choices[index]
    shown = _(name) if vote.definition.method == "resolution" else name
    text = _("Cast {choice} for {member} in {title}?").format(
        choice=shown, member=proxies.name_of(ctx, member_id, _), title=_.pick(vote.title)
    )
    buttons = [
        Option(_("Confirm"), "proxy.ok", event.value),
        Option(_("Back to the ballot"), "proxy.go", f"{vote.short}:{member_id}"),
    ]
    return _keyed(vote, event, [reply(event, text, choices=buttons, edit=True)])


def on_confirm(ctx: Context, event: Choice) -> list[Message]:
    member = event.member
    assert member is not None
    _ = i18n.for_member(ctx, member)
    vote, member_id, index = _parse(ctx, event.value)
    if vote is None or index is None:
        return [reply(event, _("That vote no longer exists. Type /vote to see open votes."))]
    try:
        _outcome, receipt = proxies.cast_for(ctx, vote, member.member_id, member_id, [index], _)
    except ProxyRefused as refused:
        return _keyed(vote, event, [reply(event, str(refused), edit=True)])
    text = _(
        "Thank you: {member}'s vote in {title} is cast, in secret like every ballot. "
        "Receipt code: {receipt}"
    ).format(member=proxies.name_of(ctx, member_id, _), title=_.pick(vote.title), receipt=receipt)
    return _keyed(vote, event, [reply(event, text, edit=True)])


def register(router: Router) -> None:
    # Listed (router.menu) while a meeting the member is on the roll of takes proxies,
    # until the rules' deadline, and to a holder until it ends (overview.proxy_applies).
    router.command(
        "proxy",
        N_("appoint or revoke your proxy for the general meeting"),
        order=23,
        applies=overview.proxy_applies,
    )(proxy_command)
    router.action("proxy.chair")(on_chair)
    router.action("proxy.revoke")(on_revoke)
    router.action("proxy.go")(on_go)
    router.action("proxy.pick")(on_pick)
    router.action("proxy.ok")(on_confirm)
