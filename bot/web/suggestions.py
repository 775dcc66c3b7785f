"""Suggestions: the council's board, status changes and replies through the relay.

Changes go through the council's own chat handlers (see `pages.act`), so the member
is told in the same words, through the same relay, as when the council uses chat.
"""

from __future__ import annotations

from aiohttp import web

from bot.web import drafts
from bot.web.pages import act, app_of, done, event_as_officer, failed, render
from handlers.messages import Choice, Text
from handlers.suggestions.card import LABELS
from handlers.suggestions.council import CODES
from storage.suggestions import queries as suggestions
from storage.suggestions.queries import CLOSED, NOT_ADOPTED, STATUSES

routes = web.RouteTableDef()
DECLINE = "decline"
KINDS = {"status": "Status", "council": "Council replied", "member": "Suggester answered"}


def _row(request: web.Request) -> dict:
    number = request.match_info["number"]
    row = suggestions.get(app_of(request).db, int(number)) if number.isdigit() else None
    if row is None:
        raise web.HTTPNotFound(text=f"No suggestion #{number}.")
    return row


def _page(
    request: web.Request,
    row: dict,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> web.Response:
    choices = [(code, LABELS[s]) for code, s in CODES.items() if s != row["status"]]
    return render(
        request,
        "suggestion.html",
        status=status,
        row=row,
        label=LABELS[row["status"]],
        closed=row["status"] in CLOSED,
        history=suggestions.history(app_of(request).db, row["id"]),
        kinds=KINDS,
        choices=[*choices, (DECLINE, LABELS[NOT_ADOPTED])],
        errors=errors,
        values=values,
    )


@routes.get("/suggestions")
async def board(request: web.Request) -> web.Response:
    rows = suggestions.listing(app_of(request).db)
    columns = [(LABELS[s], [r for r in rows if r["status"] == s]) for s in STATUSES]
    return render(request, "suggestions.html", columns=columns)


@routes.get("/suggestions/{number}")
async def show(request: web.Request) -> web.Response:
    row = _row(request)
    kept = drafts.restored(request)
    return _page(request, row, {}, drafts.single(kept) if kept else {})


@routes.post("/suggestions/{number}/status")
async def change_status(request: web.Request) -> web.Response:
    row = _row(request)
    form = await request.post()
    code, reason = str(form.get("status", "")), str(form.get("reason", "")).strip()
    values = {"status": code, "reason": reason}
    if code == DECLINE:
        if not reason:
            errors = {"reason": "Write the reason: the suggester will read it."}
            return _page(request, row, errors, values, status=400)
        event = event_as_officer(request, Text, text=reason, reply_to=f"suggest.reason:{row['id']}")
    elif code in CODES:
        event = event_as_officer(
            request, Choice, action="suggest.status", value=f"{row['id']}:{code}"
        )
    else:
        return _page(request, row, {"status": "Choose a status."}, values, status=400)
    outcome = act(request, event, "suggestion.status", str(row["id"]))
    if not outcome.done:  # closed meanwhile, or already so: nobody was told anything
        raise failed(request, f"/suggestions/{row['id']}", f"Not changed: {outcome.text}")
    raise done(request, f"/suggestions/{row['id']}", outcome.text)


@routes.post("/suggestions/{number}/reply")
async def relay(request: web.Request) -> web.Response:
    row = _row(request)
    form = await request.post()
    words = str(form.get("words", "")).strip()
    if not words:
        errors = {"words": "Write your reply first."}
        return _page(request, row, errors, {"words": words}, status=400)
    event = event_as_officer(request, Text, text=words, reply_to=f"suggest.reply:{row['id']}")
    outcome = act(request, event, "suggestion.reply", str(row["id"]))
    if not outcome.done:  # closed, or the suggester was erased: nothing was passed on
        raise failed(request, f"/suggestions/{row['id']}", f"Not sent: {outcome.text}")
    # The whole reply: the line that says it was sent, and what was sent.
    raise done(request, f"/suggestions/{row['id']}", outcome.text)
