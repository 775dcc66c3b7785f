"""Votes: create one from a form or a TOML file, open and close it, results and ballots.

The form is turned into the same table a TOML file holds and checked by the same
`parse_vote` and `create_vote`, so the console accepts exactly what the CLI accepts.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web import drafts, vote_checks
from bot.web.pages import (
    actor,
    app_of,
    done,
    failed,
    in_console_words,
    post_in_parts,
    render,
    sms_cost,
    whatsapp_reach,
)
from handlers.votes import admin
from handlers.votes.cancel import MAX_REASON, ReasonError, cancel_vote
from handlers.votes.state import METHOD_NAMES, OPEN, SCHEDULED, Vote, all_votes, load
from surveys.toml_reader import parse_toml
from surveys.votes.definitions import (
    METHODS,
    RESOLUTION_KINDS,
    THRESHOLDS,
    VoteDefinition,
    parse_vote,
)
from surveys.votes.definitions import VoteDefinitionError as DefinitionError
from surveys.wording import plural

routes = web.RouteTableDef()
OPTION_TABLE = {"budget": "projects", "irv": "candidates", "stv": "candidates"}
NUMBERS = {"seats": int, "budget": int, "quorum": float}
TEXTS = (
    "id",
    "title",
    "explanation",
    "method",
    "threshold",
    "resolution",
    "currency",
    "opens",
    "closes",
)


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        return text  # the definition's own check names the field and the reason


def table_from_form(form: Any) -> dict[str, Any]:
    """The vote definition table a TOML file would hold, from the form's fields."""
    data: dict[str, Any] = {}
    for key in TEXTS:
        value = str(form.get(key, "")).strip()
        if value:
            data[key] = value
    for key, kind in NUMBERS.items():
        value = str(form.get(key, "")).strip()
        if value:
            data[key] = _number(value, kind)
    for flag in ("results_before_close", "allow_change"):
        data[flag] = form.get(flag) == "yes"
    data["constituencies"] = [str(c) for c in form.getall("constituencies", [])]
    hours = str(form.get("reminder_hours", "")).replace(",", " ").split()
    data["reminder_hours"] = [_number(h, int) for h in hours]
    method = data.get("method", "")
    lines = [ln.strip() for ln in str(form.get("options", "")).splitlines() if ln.strip()]
    if method != "resolution" and lines:
        options = []
        for line in lines:
            parts = [p.strip() for p in line.split("|")]
            option: dict[str, Any] = {"name": parts[0]}
            if method == "budget":
                option["cost"] = _number(parts[1], int) if len(parts) > 1 else ""
                rest = parts[2:]
            else:
                rest = parts[1:]
            if rest and rest[0]:
                option["statement"] = rest[0]
            options.append(option)
        data[OPTION_TABLE.get(method, "options")] = options
    return data


# The form's fields in the order the page shows them, with the label of each: the error
# summary lists mistakes in this order and links each to its field.
LABELS = {
    "id": "Short id",
    "title": "Title",
    "explanation": "Explanation for members",
    "method": "Method",
    "options": "Options, candidates or projects",
    "seats": "Seats or winners",
    "threshold": "Majority needed",
    "resolution": "Resolution under the society's rules",
    "budget": "Budget",
    "currency": "Currency sign",
    "constituencies": "Who votes",
    "opens": "Opens",
    "closes": "Closes",
    "quorum": "Quorum",
    "reminder_hours": "Reminders",
    "results_before_close": "Show results so far",
    "allow_change": "Members may change their vote",
    "file": "Vote definition",
}


def _form_page(
    request: web.Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> web.Response:
    ctx = app_of(request).ctx
    ordered = {k: errors[k] for k in LABELS if k in errors}
    return render(
        request,
        "vote_form.html",
        status=status,
        values=values,
        errors={**ordered, **errors},
        labels=LABELS,
        methods=[(m, METHOD_NAMES[m]) for m in METHODS],
        thresholds=THRESHOLDS,
        resolution_kinds=RESOLUTION_KINDS,
        rules=bool(ctx.policy.organisation.rules),
        constituencies=ctx.policy.organisation.constituencies,
        timezone=ctx.policy.organisation.timezone,
    )


def console_words_of(errors: dict[str, str]) -> dict[str, str]:
    return {name: in_console_words(reason) for name, reason in errors.items()}


def _create(request: web.Request, definition: VoteDefinition) -> web.HTTPSeeOther:
    created = admin.create_vote(app_of(request).ctx, definition, actor(request))
    return done(
        request,
        f"/votes/{created.id}",
        f"Created vote {created.id}. Open it here when you are ready, or it opens by itself "
        "at its opening time.",
    )


@routes.get("/votes")
async def listing(request: web.Request) -> web.Response:
    ctx = app_of(request).ctx
    rows = [admin.listing_row(ctx, v) for v in all_votes(ctx)]
    return render(request, "votes.html", rows=rows, names=METHOD_NAMES)


@routes.get("/votes/new")
async def new(request: web.Request) -> web.Response:
    kept = drafts.restored(request)
    if kept is not None:
        return _form_page(
            request, {**drafts.single(kept), "constituencies": kept.get("constituencies", [])}, {}
        )
    return _form_page(request, {"method": "approval", "reminder_hours": "24"}, {})


@routes.post("/votes/new")
async def create(request: web.Request) -> web.Response:
    form = await request.post()
    ctx = app_of(request).ctx
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    values["constituencies"] = [str(c) for c in form.getall("constituencies", [])]
    definition, errors = vote_checks.check(
        ctx, table_from_form(form), ctx.policy.organisation.timezone
    )
    if definition is None:
        return _form_page(request, values, console_words_of(errors), status=400)
    try:
        raise _create(request, definition)
    except admin.VoteError as error:  # the same id made a moment ago in another tab
        name, reason = vote_checks.field_of(f"form: {error}")
        return _form_page(request, values, console_words_of({name: reason}), status=400)


@routes.post("/votes/upload")
async def upload(request: web.Request) -> web.Response:
    form = await request.post()
    ctx = app_of(request).ctx
    file = form.get("file")
    if not isinstance(file, web.FileField) or not file.filename:
        return _form_page(request, {}, {"file": "choose a TOML file to upload"}, status=400)
    try:
        try:
            text = file.file.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError(f"{file.filename}: not UTF-8 text: save it as UTF-8") from None
        data = parse_toml(text, file.filename, DefinitionError)
        definition = parse_vote(data, file.filename, ctx.policy.organisation.timezone)
        raise _create(request, definition)
    except (DefinitionError, admin.VoteError) as error:
        return _form_page(request, {}, {"file": in_console_words(str(error))}, status=400)


@routes.get("/votes/{vote_id}")
async def show(request: web.Request) -> web.Response:
    ctx = app_of(request).ctx
    vote = load(ctx, request.match_info["vote_id"])
    if vote is None:
        raise web.HTTPNotFound(text="No such vote.")
    try:
        summary, hidden = admin.published_result(ctx, vote.id), None
    except admin.VoteError as error:
        summary, hidden = None, in_console_words(str(error))
    try:
        ballots = admin.published_ballots(ctx, vote.id)
    except admin.VoteError:
        ballots = None
    return render(
        request,
        "vote.html",
        vote=vote,
        row=admin.listing_row(ctx, vote),
        method=METHOD_NAMES[vote.definition.method],
        summary=summary,
        hidden=hidden,
        ballots=ballots,
        whatsapp=whatsapp_reach(app_of(request)) if vote.status == SCHEDULED else None,
        sms=sms_cost(app_of(request)) if vote.status == SCHEDULED else None,
    )


@routes.post("/votes/{vote_id}/open")
async def open_(request: web.Request) -> web.Response:
    app, vote_id = app_of(request), request.match_info["vote_id"]
    try:
        announcements = admin.open_vote(app.ctx, vote_id, actor(request))
    except admin.VoteError as error:
        raise failed(request, f"/votes/{vote_id}", f"Not opened: {error}") from None
    # 67,000 announcements are posted a part at a time: the bot answers others meanwhile.
    queued = await post_in_parts(app, announcements)
    raise done(request, f"/votes/{vote_id}", f"Opened: {queued} announcements queued.")


@routes.post("/votes/{vote_id}/close")
async def close(request: web.Request) -> web.Response:
    app, vote_id = app_of(request), request.match_info["vote_id"]
    try:
        steps = admin.closing(app.ctx, vote_id, actor(request))
        # The seal of 67,000 ballots runs in parts, and the results are posted in parts.
        queued = await post_in_parts(app, steps)
        admin.check_closed(app.ctx, vote_id)
    except admin.VoteError as error:
        raise failed(request, f"/votes/{vote_id}", f"Not closed: {error}") from None
    closed = load(app.ctx, vote_id)
    if closed is not None and closed.sealed_at is None:
        raise done(
            request,
            f"/votes/{vote_id}",
            "Closed: voting has stopped, but the result waits because another program is "
            "reading the database file (a backup, a query). The bot tries again on every "
            "tick and sends the result once the file has been rebuilt.",
        )
    raise done(request, f"/votes/{vote_id}", f"Closed: {queued} result messages queued.")


def _cancellable(request: web.Request) -> Vote:
    """The vote of the address, if it can still be cancelled; else back to it with why."""
    ctx = app_of(request).ctx
    vote = load(ctx, request.match_info["vote_id"])
    if vote is None:
        raise web.HTTPNotFound(text="No such vote.")
    if vote.status not in (SCHEDULED, OPEN):
        raise failed(
            request,
            f"/votes/{vote.id}",
            f"Not cancelled: {vote.id} is {vote.status}: only a scheduled or open vote can be "
            "cancelled",
        )
    return vote


def _cancel_page(
    request: web.Request, vote: Vote, values: dict[str, str], errors: dict[str, str], status: int
) -> web.Response:
    return render(
        request,
        "vote_cancel.html",
        status=status,
        vote=vote,
        row=admin.listing_row(app_of(request).ctx, vote),
        values=values,
        errors=errors,
        max_reason=MAX_REASON,
    )


@routes.get("/votes/{vote_id}/cancel")
async def cancel_confirm(request: web.Request) -> web.Response:
    """Asks first: what cancelling does, and the reason members will read."""
    vote = _cancellable(request)
    kept = drafts.restored(request)
    return _cancel_page(request, vote, drafts.single(kept) if kept else {}, {}, 200)


@routes.post("/votes/{vote_id}/cancel")
async def cancel(request: web.Request) -> web.Response:
    """As `mutual-voice vote cancel`: nothing is counted, and those told are told."""
    vote = _cancellable(request)
    app, form = app_of(request), await request.post()
    reason = str(form.get("reason", ""))
    if form.get("confirm") != "yes":  # only the confirmation page's own form cancels
        return _cancel_page(request, vote, {"reason": reason}, {}, 400)
    try:
        messages = cancel_vote(app.ctx, vote.id, reason, actor(request))
    except ReasonError as error:
        return _cancel_page(request, vote, {"reason": reason}, {"reason": str(error)}, 400)
    except admin.VoteError as error:  # opened or closed a moment ago
        raise failed(request, f"/votes/{vote.id}", f"Not cancelled: {error}") from None
    told = sum(1 for message in messages if message.to.member_id)
    # Telling 67,000 members is posted a part at a time: the bot answers others meanwhile.
    await post_in_parts(app, messages)
    raise done(
        request,
        f"/votes/{vote.id}",
        f"Cancelled {vote.id}: nothing is counted. Told it is cancelled: the council, and "
        f"{plural(told, 'member')} who had been told it was open.",
    )
