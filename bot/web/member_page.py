"""The member's page: `/m/<token>`, one flow for one member, with no JavaScript.

A member with no chat app (a text message, an e-mail) follows a personal link
(`handlers/members/page_links.py`) to a small form: a ballot of any method, a pulse
round's questions, a suggestion, or a general meeting: its notice, their reply to it
(`notice.reply_to_notice`, as the notice's buttons) until it starts, and their proxy
(appointed or revoked through `handlers.meetings.proxies`), refused in chat's words.
What they send goes through the very handler functions chat uses (`ballots.fill_in`,
`answers.fill_in`, `chat.from_form`), as events from the `page` platform, so one member
has one vote and one set of answers whichever way they come, and the secret ballot is
sealed alike. After a vote closes the link shows
the result and the receipt of a ballot cast through it.

The page sets no cookie and opens nothing but its flow. Forms carry a CSRF token derived
from the link; a success redirects (POST-redirect-GET); mistakes are listed at the top and
tied to their fields. The token is never logged: a failure is logged by the route's
pattern (`/m/{token}`), and unknown tokens count against the client like join links.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from bot.web import member_words as w
from bot.web.pages import app_of, templates
from bot.web.security import SignInLimit, client_address, same_token
from handlers import i18n
from handlers.i18n import Translator
from handlers.meetings import chat as proxy_chat
from handlers.meetings import notice, proxies
from handlers.meetings.overview import REPLIED
from handlers.meetings.proxies import CHAIR, ProxyRefused
from handlers.members import page_links
from handlers.members.page_links import MEETING, PULSE, SUGGEST, VOTE, Link
from handlers.messages import Event, Message, Sender, unquoted
from handlers.pulses import answers as pulse_answers
from handlers.pulses import questions as pulse_questions
from handlers.pulses.chat import DONE
from handlers.pulses.rounds import definition_of, is_open
from handlers.suggestions import chat as suggestion_chat
from handlers.votes import ballots
from handlers.votes.results import message_text, result_of
from handlers.votes.screens import RANKED, RESOLUTION_CHOICES, THRESHOLD_TEXT, money, names
from handlers.votes.state import CLOSED, Vote, load, not_open_reason, when
from storage.meetings import proxies as proxy_store
from storage.meetings import queries as meeting_store
from storage.pulses import queries as pulses
from storage.votes import queries as vote_store
from surveys.bidi import isolate
from surveys.pulses.questions import MAX_COMMENT_CHARS, CommentQuestion, EnpsQuestion

routes = web.RouteTableDef()
LIMIT = web.AppKey("page_limit", SignInLimit)
PAGE = "page"  # the platform of events from the member's page
PATH = "/m/"


def csrf_for(token: str) -> str:
    return hashlib.sha256(f"page-csrf:{token}".encode()).hexdigest()


def render(
    request: web.Request, _: Translator, template: str, status: int = 200, **values: Any
) -> web.Response:
    ctx = app_of(request).ctx
    organisation = i18n.organisation(ctx, _)
    errors = values.get("errors") or {}
    values.setdefault("labels", {})
    problems = _.ngettext(
        "There is {n} problem to fix:", "There are {n} problems to fix:", len(errors)
    ).format(n=len(errors))
    page = templates.get_template(f"member/{template}").render(
        _=_, w=w, lang=_.language, organisation=organisation, problems=problems, **values
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def message(
    request: web.Request, _: Translator, heading: str, text: str, status: int = 200, **more: Any
) -> web.Response:
    return render(request, _, "message.html", status, heading=heading, text=text, **more)


def reader(request: web.Request) -> Translator:
    """For a page that knows no member: the first language the browser asks for that we
    have (Accept-Language), else the organisation's."""
    organisation = i18n.for_organisation(app_of(request).ctx)
    for asked in request.headers.get("Accept-Language", "").split(",")[:8]:
        language = i18n.supported(asked.split(";")[0])
        if language:
            return i18n.translator(language, organisation.fallback)
    return organisation


def gone(request: web.Request, status: int = 404, text: str = w.GONE) -> web.Response:
    """The page for a link that opens nothing, naming nobody."""
    _ = reader(request)
    return message(request, _, _(w.GONE_TITLE), _(text), status, error=True)


def broken(request: web.Request) -> web.Response:
    """The member's page of a failure nobody expected (never the console's)."""
    _ = reader(request)
    return message(request, _, _(w.GONE_TITLE), _(w.BROKEN), 500, error=True)


def _opened(request: web.Request) -> Link | web.Response:
    app = app_of(request)
    address = client_address(request, app.settings.web.trusted_proxies)
    limit = request.app[LIMIT]
    if limit.blocked(address):
        return gone(request, 429, w.TOO_MANY)
    link = page_links.opened(app.ctx, request.match_info["token"])
    if link is None:
        limit.failed(address)
        return gone(request)
    return link


def _event_sender(link: Link) -> Sender:
    member = link.member
    return Sender(PAGE, member.member_id, f"{PAGE}:{member.member_id}", member.name)


def _post_others(request: web.Request, messages: list[Message]) -> None:
    """Messages for anyone but the member on the page (the council's card) go out."""
    others = [m for m in messages if m.to.platform != PAGE]
    if others:
        app_of(request).postman.post(others)


@routes.get(PATH + "{token}")
async def show(request: web.Request) -> web.Response:
    found = _opened(request)
    if isinstance(found, web.Response):
        return found
    return _page(request, found, sent=request.query.get("sent") == "1")


@routes.post(PATH + "{token}")
async def send(request: web.Request) -> web.Response:
    found = _opened(request)
    if isinstance(found, web.Response):
        return found
    link, form = found, await request.post()
    _ = i18n.for_member(app_of(request).ctx, link.member)
    if request.headers.get("Sec-Fetch-Site") == "cross-site" or not same_token(
        str(form.get("csrf", "")), csrf_for(link.token)
    ):
        return message(request, _, _(w.GONE_TITLE), _(w.EXPIRED_FORM), 403, error=True)
    take = {VOTE: _cast, PULSE: _answer, SUGGEST: _suggest, MEETING: _meeting}[link.kind]
    app = app_of(request)
    with app.db.atomic():
        outcome = take(request, link, form, _)
    if isinstance(outcome, web.Response):
        return outcome
    raise web.HTTPSeeOther(request.path + outcome)


def _page(
    request: web.Request,
    link: Link,
    errors: dict[str, str] | None = None,
    values: Any = None,
    sent: bool = False,
    identify: bool = False,
) -> web.Response:
    ctx = app_of(request).ctx
    _ = i18n.for_member(ctx, link.member)
    shared = {"errors": errors or {}, "values": values or {}, "csrf": csrf_for(link.token)}
    if link.kind == VOTE:
        vote = load(ctx, link.target)
        if vote is None:
            return gone(request)
        return _ballot_page(request, link, vote, _, shared)
    if link.kind == PULSE:
        return _round_page(request, link, _, shared)
    if link.kind == MEETING:
        return _meeting_page(request, link, _, shared, request.query.get("sent", ""))
    limit = ctx.policy.suggestions.max_length
    topics = [_.pick(t)[:1].upper() + _.pick(t)[1:] for t in ctx.policy.suggestions.categories]
    status = 400 if errors else 200
    return render(
        request,
        _,
        "suggest.html",
        status,
        limit=limit,
        topics=topics,
        sent=sent,
        identify=identify,
        name=isolate(link.member.name),
        labels={"text": _(w.YOUR_SUGGESTION), "topic": _(w.TOPIC), "named": _(w.NAME_QUESTION)},
        **shared,
    )


# --------------------------------------------------------------------------- a ballot


def _ballot_page(
    request: web.Request, link: Link, vote: Vote, _: Translator, shared: dict
) -> web.Response:
    ctx, member = app_of(request).ctx, link.member
    title, receipt = _.pick(vote.title), link.receipt()
    counted = bool(receipt and vote_store.find_receipt(ctx.db, receipt))
    if vote.status == CLOSED:
        summary = result_of(ctx, vote)
        # As the result notice words it to members (cut short with a pointer if very long).
        result = (
            message_text(summary, _, officer_has_more=True)
            if summary
            else not_open_reason(ctx, vote, member)
        )
        return render(
            request,
            _,
            "result.html",
            title=title,
            result=result,
            receipt=receipt,
            counted=counted,
        )
    reason = ballots.refusal(ctx, vote, member)
    if reason and not receipt:
        return message(request, _, title, reason)
    d = vote.definition
    choices = names(vote, _)
    statements = (
        [_.pick(o.statement) if o.statement else "" for o in d.options]
        if d.method != "resolution"
        else ["" for _name in RESOLUTION_CHOICES]
    )
    costs = [money(vote, o.cost or 0) for o in d.options] if d.method == "budget" else []
    voted = vote_store.has_voted(ctx.db, vote.id, member.member_id)
    return render(
        request,
        _,
        "ballot.html",
        400 if shared["errors"] else 200,
        title=title,
        explanation=_.pick(d.explanation),
        method=d.method,
        ranked=d.method in RANKED,
        threshold=_(THRESHOLD_TEXT[d.threshold]) if d.method == "resolution" else "",
        seats=d.seats,
        winners=_.ngettext(
            "The {n:,} option with the most approvals wins.",
            "The {n:,} options with the most approvals win.",
            d.seats,
        ).format(n=d.seats)
        if d.method == "approval"
        else "",
        budget=money(vote, d.budget or 0) if d.method == "budget" else "",
        choices=choices,
        labels={f"rank-{i}": _(w.RANK_LABEL).format(name=name) for i, name in enumerate(choices)},
        statements=statements,
        costs=costs,
        closes=_("Voting is open until {closes}.").format(
            closes=when(ctx, vote.closes_at, member.timezone, _)
        ),
        receipt=receipt,
        may_vote=reason is None,
        voted=voted,
        **shared,
    )


def _ranking(form: Any, count: int, _: Translator) -> tuple[list[int], dict, dict]:
    """The picks in order of the numbers typed in boxes `rank-<i>`, with any mistakes."""
    errors: dict[str, str] = {}
    values = {f"rank-{i}": str(form.get(f"rank-{i}", "")).strip() for i in range(count)}
    ranks: dict[int, list[int]] = {}
    for i in range(count):
        typed = values[f"rank-{i}"]
        if not typed:
            continue
        if not typed.isdigit() or not 1 <= int(typed) <= count:
            errors[f"rank-{i}"] = _(w.RANK_NUMBER).format(n=count)
            continue
        ranks.setdefault(int(typed), []).append(i)
    for n, boxes in ranks.items():
        if len(boxes) > 1:
            errors.update({f"rank-{i}": _(w.RANK_TWICE).format(n=n) for i in boxes})
    if not errors and not ranks:
        errors["rank-0"] = _(w.RANK_NONE)
    elif not errors:
        missing = [n for n in range(1, max(ranks) + 1) if n not in ranks]
        if missing:
            errors[f"rank-{ranks[max(ranks)][0]}"] = _(w.RANK_GAP).format(n=missing[0])
    return [ranks[n][0] for n in sorted(ranks)], errors, values


def _cast(request: web.Request, link: Link, form: Any, _: Translator) -> str | web.Response:
    """Cast the ballot on the form (an empty redirect), or the form again with its mistakes."""
    ctx = app_of(request).ctx
    vote = load(ctx, link.target)
    if vote is None:
        return gone(request)
    count, method = len(names(vote, _)), vote.definition.method
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if method in RANKED:
        picks, errors, values = _ranking(form, count, _)
    elif method in ("approval", "budget"):
        given = {str(v) for v in form.getall("choice", [])}
        picks = [i for i in range(count) if str(i) in given]
    else:
        typed = str(form.get("choice", ""))
        picks = [int(typed)] if typed.isdigit() and int(typed) < count else []
        if not picks:
            errors["choice"] = _(w.PICK_ONE)
    if errors:
        shared = {"errors": errors, "values": values, "csrf": csrf_for(link.token)}
        return _ballot_page(request, link, vote, _, shared)
    _text, receipt = ballots.fill_in(ctx, _event(link), vote, picks)
    if receipt:
        page_links.keep_receipt(ctx, link, receipt)
    return ""


def _event(link: Link) -> Event:
    """The member on the page as an event, for the handlers chat uses."""
    return Event(sender=_event_sender(link), member=link.member, event_id="")


# --------------------------------------------------------------------------- a check-in


def _round_page(request: web.Request, link: Link, _: Translator, shared: dict) -> web.Response:
    ctx, member = app_of(request).ctx, link.member
    round_row = pulses.get_round(ctx.db, int(link.target))
    if round_row is None:
        return gone(request)
    definition = definition_of(round_row)
    title = _.pick(definition.title)
    closes = pulse_questions.closing_time(ctx, round_row, _)
    part = pulses.participant(ctx.db, round_row["id"], member.member_id)
    if not is_open(ctx, round_row):
        return message(
            request, _, title, _(pulse_answers.CLOSED).format(title=title, closes=closes)
        )
    if part is None:
        return message(request, _, title, _(pulse_answers.NOT_ASKED))
    if part["finished"]:
        return message(request, _, title, _(DONE).format(title=title, closes=closes))
    questions = []
    for index in range(part["step"], len(definition.questions)):
        question = definition.questions[index]
        questions.append(
            {
                "name": f"q-{index}",
                "text": pulse_questions.question_text(definition, index, _).splitlines()[0],
                "comment": isinstance(question, CommentQuestion),
                "enps": isinstance(question, EnpsQuestion),
                "optional": question.optional,
                "choices": []
                if isinstance(question, CommentQuestion)
                else [_.pick(label) for label, _value in question.choices()],
            }
        )
    intro = _.pick(definition.intro or "")
    return render(
        request,
        _,
        "pulse.html",
        400 if shared["errors"] else 200,
        title=title,
        intro=intro,
        named=not definition.anonymous,
        closes=_("Open until {closes}.").format(closes=closes),
        questions=questions,
        labels={q["name"]: q["text"] for q in questions},
        earlier=part["step"],
        earlier_note=_.ngettext(
            "You answered the first question already; here are the rest.",
            "You answered the first {n} questions already; here are the rest.",
            part["step"],
        ).format(n=part["step"]),
        limit=MAX_COMMENT_CHARS,
        **shared,
    )


def _answer(request: web.Request, link: Link, form: Any, _: Translator) -> str | web.Response:
    """Answer the round's questions on the form, or the form again with its mistakes."""
    ctx = app_of(request).ctx
    round_row = pulses.get_round(ctx.db, int(link.target))
    part = pulses.participant(ctx.db, int(link.target), link.member.member_id)
    if round_row is None or part is None or not is_open(ctx, round_row) or part["finished"]:
        return ""  # the page says why
    definition = definition_of(round_row)
    given: dict[int, int | str] = {}
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for index in range(part["step"], len(definition.questions)):
        question, name = definition.questions[index], f"q-{index}"
        typed = values[name] = str(form.get(name, "")).strip()
        if isinstance(question, CommentQuestion):
            if len(typed) > MAX_COMMENT_CHARS:
                errors[name] = _(w.COMMENT_TOO_LONG).format(
                    length=len(typed), limit=MAX_COMMENT_CHARS
                )
            elif typed:
                given[index] = typed
        elif typed.isdigit() and int(typed) < len(question.choices()):
            given[index] = int(typed)
        if not question.optional and index not in given and name not in errors:
            errors[name] = _(w.NEED_ANSWER)
    if errors:
        shared = {"errors": errors, "values": values, "csrf": csrf_for(link.token)}
        return _round_page(request, link, _, shared)
    pulse_answers.fill_in(ctx, _event(link), round_row["id"], given)
    return ""


# --------------------------------------------------------------------------- a suggestion


def _suggest(request: web.Request, link: Link, form: Any, _: Translator) -> str | web.Response:
    """Send the suggestion on the form (back with ?sent=1), or the form with its mistakes."""
    ctx = app_of(request).ctx
    text = str(form.get("text", ""))
    topic, named = str(form.get("topic", "")), str(form.get("named", ""))
    values = {"text": text, "topic": topic, "named": named}
    errors: dict[str, str] = {}
    topics = ctx.policy.suggestions.categories
    if not (topic.isdigit() and int(topic) < len(topics)):
        errors["topic"] = _(w.PICK_TOPIC)
    if named not in ("a", "n"):
        errors["named"] = _(w.PICK_NAMED)
    identify = False
    if not errors:
        sent, replies = suggestion_chat.from_form(
            ctx, _event(link), text, int(topic), named == "n", form.get("anyway") == "yes"
        )
        if sent:
            _post_others(request, replies)
            return "?sent=1"
        refusal = replies[-1]
        identify = bool(refusal.choices)  # "may identify you": send anyway?
        errors["text"] = unquoted(refusal.text)
    shared = {"errors": errors, "values": values, "csrf": csrf_for(link.token)}
    return _page(request, link, shared["errors"], values, identify=identify)


# --------------------------------------------------------------------------- a meeting


def _meeting_page(
    request: web.Request, link: Link, _: Translator, shared: dict, sent: str = ""
) -> web.Response:
    """A general meeting as its notice gives it; until it starts, the member's reply and
    the form to give or change it; and their proxy, with (until the deadline) the form to
    appoint or revoke it. The roll is never listed: a holder is found by exact name or id."""
    ctx, member = app_of(request).ctx, link.member
    meeting_id = link.target
    found = notice.stored(ctx, meeting_id)
    if found is None or not proxy_store.on_roll(ctx.db, meeting_id, member.member_id):
        return gone(request)
    meeting = found.meeting
    held = proxies.Held(meeting, found.rules)
    replying = ctx.now() < meeting.starts
    answer = meeting_store.answer_of(ctx.db, meeting_id, member.member_id)["rsvp"]
    done = ""
    if sent == "rsvp" and answer in notice.THANKS:
        done = _(notice.THANKS[answer]).format(title=meeting.title) + " " + _(notice.CHANGE)
    closed = ""
    try:
        proxies.open_to_change(ctx, held, _, member.timezone)
    except ProxyRefused as refused:
        closed = str(refused)
    mine = proxy_store.of_member(ctx.db, meeting_id, member.member_id)
    if sent == "1" and mine:
        done = _("Done: {holder} is your proxy at {title}.").format(
            holder=proxies.name_of(ctx, mine["holder_id"], _), title=held.meeting.title
        )
        if mine["instructions"]:
            done += " " + _("They can vote only as you asked.")
        done += " " + _(w.PROXY_OWN_VOTE)
    elif sent == "revoked" and not mine:
        done = _(w.PROXY_REVOKED)
    if mine and shared["values"].get("action") in (None, "rsvp"):  # the proxy as it stands
        standing_proxy = (
            {"holder_kind": CHAIR}
            if mine["holder_id"] is None
            else {"holder_kind": "member", "holder": proxies.name_of(ctx, mine["holder_id"], _)}
        )
        shared = {**shared, "values": {**shared["values"], **standing_proxy}}
    rules = held.rules.proxies
    told = [
        {
            "name": f"told-{vote.id}",
            "title": _.pick(vote.title),
            "choices": names(vote, _),
            "given": (mine or {"instructions": {}})["instructions"].get(vote.id),
            "values": vote.definition.choices,
        }
        for vote in (proxies.instructable(ctx, meeting_id) if rules.instructions else [])
    ]
    labels = {
        "rsvp": _(w.WILL_YOU_COME),
        "holder": _(w.PROXY_NAME),
        "holder_kind": _(w.PROXY_WHO),
    }
    labels.update({t["name"]: t["title"] for t in told})
    return render(
        request,
        _,
        "proxy.html",
        400 if shared["errors"] else 200,
        heading=_("Your proxy"),
        title=meeting.title,
        notice=unquoted("\n".join(notice.details(ctx, meeting, member.timezone, _))),
        replying=replying,
        replied=_(REPLIED[answer]) if answer in REPLIED else _(w.NO_REPLY_YET),
        answers=[(a, _(notice.ANSWERS[a])) for a in notice.offered(meeting)],
        answer=answer,
        proxy_section=held.rules.proxies.allowed or mine is not None,
        standing=proxy_chat.status(ctx, meeting_id, held, member.member_id, member.timezone, _),
        closed=closed,
        done=done,
        chair=CHAIR in rules.holders,
        by_member="member" in rules.holders,
        told=told,
        has_proxy=mine is not None,
        labels=labels,
        **shared,
    )


def _meeting(request: web.Request, link: Link, form: Any, _: Translator) -> str | web.Response:
    """Reply to the notice, appoint or revoke the member's proxy (back with ?sent=), or the
    form with why not."""
    ctx, member = app_of(request).ctx, link.member
    meeting_id = link.target
    values = {key: str(form.get(key, "")) for key in form}
    errors: dict[str, str] = {}
    try:
        held = proxies.load(ctx, meeting_id, _)
    except ProxyRefused:
        return gone(request)
    if form.get("action") == "rsvp":
        found = notice.stored(ctx, meeting_id)
        if found is None:
            return gone(request)
        recorded, said = notice.reply_to_notice(
            ctx, found, member.member_id, values.get("rsvp", ""), _
        )
        if recorded:
            return "?sent=rsvp"
        errors["rsvp"] = unquoted(said)
    elif form.get("action") == "revoke":
        try:
            proxies.revoke(ctx, meeting_id, member.member_id, member.member_id, _)
        except ProxyRefused as refused:
            errors["revoke"] = str(refused)
        else:
            return "?sent=revoked"
    else:
        kind, name = values.get("holder_kind", ""), values.get("holder", "").strip()
        chosen = {CHAIR: CHAIR, "member": name}.get(kind)
        if chosen is None:
            errors["holder_kind"] = _(w.PROXY_PICK)
        elif not chosen:
            errors["holder"] = _(w.PROXY_NAME_NEEDED)
        else:
            instructions = _instructions_given(ctx, meeting_id, values)
            try:
                holder = proxy_chat.holder_named(ctx, meeting_id, held, chosen, _)
                proxies.appoint(
                    ctx, meeting_id, member.member_id, holder, instructions, member.member_id, _
                )
            except ProxyRefused as refused:
                errors["holder" if kind == "member" else "holder_kind"] = str(refused)
            else:
                return "?sent=1"
    shared = {"errors": errors, "values": values, "csrf": csrf_for(link.token)}
    return _meeting_page(request, link, _, shared)


def _instructions_given(ctx: Any, meeting_id: str, values: dict[str, str]) -> dict[str, str]:
    """{vote id: choice as the ballot names it} from the form's `told-<vote id>` lists (a
    choice's number); `proxies.appoint` checks them against the rules and the votes."""
    given = {}
    for key, typed in values.items():
        vote_id = key.removeprefix("told-")
        if key.startswith("told-") and typed.isdigit():
            vote = load(ctx, vote_id)
            choices = vote.definition.choices if vote else ()
            # A number off the list stays as typed: `appoint` says it is not on the ballot.
            given[vote_id] = choices[int(typed)] if int(typed) < len(choices) else typed
    return given
