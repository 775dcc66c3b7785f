"""A meeting's proxies in the console: who holds whom, each holder's count against the
rules' cap, and the officer appointing or revoking a member's proxy (a proxy form handed
in on paper), as `meeting proxy` does.

Both call the handlers the CLI calls (`proxies.appoint`, `proxies.revoke`), which apply
the society's rules, word every refusal and audit the officer's action; the page never
shows a member's instructions to their proxy (they are for the proxy alone).
"""

from __future__ import annotations

from aiohttp import web

from bot.web.pages import actor, app_of, done, failed, render
from handlers import i18n
from handlers.meetings import proxies
from handlers.votes.state import when

routes = web.RouteTableDef()


def _page(request: web.Request) -> tuple[str, str]:
    meeting_id = request.match_info["meeting_id"]
    return meeting_id, f"/meetings/{meeting_id}/proxies"


@routes.get("/meetings/{meeting_id}/proxies")
async def show(request: web.Request) -> web.Response:
    ctx, meeting_id = app_of(request).ctx, request.match_info["meeting_id"]
    _ = i18n.for_organisation(ctx)
    try:
        held = proxies.load(ctx, meeting_id, _)
    except proxies.ProxyRefused:
        raise web.HTTPNotFound(text="No such meeting.") from None
    holders = [
        {
            "id": h["holder"],
            "name": proxies.name_of(ctx, None if h["holder"] == proxies.CHAIR else h["holder"], _),
            "count": h["count"],
            "members": [(m, proxies.name_of(ctx, m, _)) for m in h["members"]],
        }
        for h in proxies.shown(ctx, meeting_id)["holders"]
    ]
    return render(
        request,
        "meeting_proxies.html",
        meeting=held.meeting,
        rules=held.rules.proxies,
        in_words=next(line for line in held.rules.summary() if line.startswith("Proxies:")),
        deadline=when(ctx, held.deadline),
        changeable=ctx.now() < held.deadline,
        holders=holders,
        appointed=sum(h["count"] for h in holders),
    )


def instructions_of(text: str) -> dict[str, str]:
    """The form's instructions, one VOTE-ID=CHOICE a line, as `--instruction` takes them."""
    told = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        vote_id, sign, choice = line.partition("=")
        if not sign or not vote_id.strip() or not choice.strip():
            raise proxies.ProxyRefused(
                f"{line.strip()!r}: give each instruction on its own line as VOTE-ID=CHOICE, "
                "e.g. adopt-rules=For"
            )
        told[vote_id.strip()] = choice.strip()
    return told


@routes.post("/meetings/{meeting_id}/proxies/appoint")
async def appoint(request: web.Request) -> web.Response:
    form = await request.post()
    ctx, (meeting_id, page) = app_of(request).ctx, _page(request)
    member_id = str(form.get("member", "")).strip()
    holder = str(form.get("holder", "")).strip()
    if not member_id or not holder:
        raise failed(
            request,
            page,
            "Not appointed: give the member's id and their proxy's (a member's id, or chair).",
        )
    _ = i18n.for_organisation(ctx)
    holder = proxies.CHAIR if holder.lower() == proxies.CHAIR else holder
    try:
        told = instructions_of(str(form.get("instructions", "")))
        row = proxies.appoint(ctx, meeting_id, member_id, holder, told, actor(request), _)
    except proxies.ProxyRefused as error:
        raise failed(request, page, f"Not appointed: {error}") from None
    instructed = "; instructed: " + ", ".join(
        f"{vote} {choice}" for vote, choice in row["instructions"].items()
    )
    raise done(
        request,
        page,
        f"{member_id} appointed {proxies.name_of(ctx, row['holder_id'], _)} as their proxy"
        + (instructed if row["instructions"] else "")
        + ".",
    )


@routes.post("/meetings/{meeting_id}/proxies/revoke")
async def revoke(request: web.Request) -> web.Response:
    form = await request.post()
    ctx, (meeting_id, page) = app_of(request).ctx, _page(request)
    member_id = str(form.get("member", "")).strip()
    if not member_id:
        raise failed(request, page, "Not revoked: give the member's id.")
    try:
        proxies.revoke(ctx, meeting_id, member_id, actor(request), i18n.for_organisation(ctx))
    except proxies.ProxyRefused as error:
        raise failed(request, page, f"Not revoked: {error}") from None
    raise done(request, page, f"{member_id}'s proxy is revoked.")
