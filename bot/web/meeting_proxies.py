"""A meeting's proxies in the console: who holds whom, each holder's count against the
rules' cap, and the officer appointing or revoking a member's proxy (a proxy form handed
in on paper), as `meeting proxy` does.

At the desk, the chair's proxies: for each open vote of the meeting, the members the
chair holds whose ballot is not cast yet, and a form casting one as `meeting proxy-vote
--holder chair` does (an instructed member's only choice is the instructed one).

All call the handlers the CLI calls (`proxies.appoint`, `proxies.revoke`,
`proxies.cast_for`), which apply the society's rules, word every refusal and audit the
officer's action. A member's instructions are for their proxy alone: the page shows
only the chair's, beside the ballot the chair casts by them, never another holder's.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.pages import actor, app_of, done, failed, render
from handlers import i18n
from handlers.meetings import proxies
from handlers.votes.state import load as load_vote
from handlers.votes.state import when
from storage import audit

RANKED = ("irv", "stv")  # preferences in order
ONE = proxies.INSTRUCTED_METHODS  # one choice: a select

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
        to_cast=[
            {
                "id": vote.id,
                "title": _.pick(vote.title),
                "method": vote.definition.method,
                "choices": vote.definition.choices,
                "members": [
                    {
                        "id": p["member_id"],
                        "name": proxies.name_of(ctx, p["member_id"], _),
                        "instructed": p["instructions"].get(vote.id),
                    }
                    for p in left
                ],
            }
            for vote, left in proxies.waiting(ctx, meeting_id, None)
        ],
        ranked=RANKED,
        one=ONE,
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


@routes.post("/meetings/{meeting_id}/proxies/cast")
async def cast(request: web.Request) -> web.Response:
    """The chair's proxy ballot for one member, as `meeting proxy-vote --holder chair`."""
    form = await request.post()
    ctx, (meeting_id, page) = app_of(request).ctx, _page(request)
    _ = i18n.for_organisation(ctx)
    vote_id, member_id = str(form.get("vote", "")), str(form.get("member", "")).strip()
    chosen = [str(c) for c in form.getall("choice", []) if str(c).strip()]
    vote = load_vote(ctx, vote_id)
    if vote is None or vote.definition.meeting != meeting_id:
        raise failed(
            request, page, f"Not cast: no vote {vote_id!r} is put to meeting {meeting_id!r}"
        )
    if not member_id or not chosen:
        raise failed(request, page, "Not cast: give the member and their choice.")
    try:
        picks = proxies.picks_of(vote, chosen)
        outcome, receipt = proxies.cast_for(ctx, vote, None, member_id, picks, _)
    except proxies.ProxyRefused as error:
        raise failed(request, page, f"Not cast: {error}") from None
    audit.record(ctx.db, ctx.now(), actor(request), "meeting.proxy_vote", meeting_id,
                 vote=vote.id, holder=proxies.CHAIR)  # fmt: skip
    raise done(
        request,
        page,
        f"{member_id}'s ballot in {vote.id} is cast by proxy ({outcome}); receipt {receipt}.",
    )
