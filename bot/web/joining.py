"""Who has joined, and invite letters (or QR codes) to download for those who have not."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiohttp import web

from bot.invites import batch as invite_batch
from bot.invites import files as invite_files
from bot.web import jobs, paging
from bot.web.members import confirm_replacing, reading
from bot.web.pages import actor, app_of, render
from handlers.context import Context
from handlers.members import invites
from handlers.members import listing as member_list

routes = web.RouteTableDef()

DOWNLOADS = {
    invite_batch.LETTERS: ("invites.pdf", "application/pdf"),
    invite_batch.QR_CODES: ("invite-qr-codes.zip", "application/zip"),
}


async def _page(
    request: web.Request, status: int = 200, error: str = "", outcome: str = ""
) -> web.Response:
    """The figures per constituency and a page of members, filtered; read off the event loop."""
    app = app_of(request)
    chosen, number = paging.filter_of(request.query), paging.number_of(request.query)

    def read(ctx: Context) -> tuple[list, member_list.Page, list[str]]:
        return (
            member_list.groups(ctx),
            member_list.page(ctx, chosen, number),
            member_list.constituencies(ctx),
        )

    groups, shown, constituencies = await reading(app, read)
    return render(
        request,
        "joining.html",
        status=status,
        as_of=app.ctx.now(),
        groups=groups,
        letter_groups=app.settings.organisation.constituencies,
        constituencies=constituencies,
        error=error,
        outcome=outcome,
        **paging.values("/members/joining", chosen, shown, anchor="#each"),
    )


@routes.get("/members/joining")
async def figures(request: web.Request) -> web.Response:
    return await _page(request)


def _options(form: Mapping[str, object]) -> invite_batch.Options:
    """The form's choices as the CLI's options: not-joined members, a group, an age."""
    files = str(form.get("files", ""))
    if files not in DOWNLOADS:
        raise invite_batch.OptionError("files", "choose letters or QR codes")
    group = str(form.get("constituency", ""))
    age = str(form.get("older_than", "")).strip()
    return invite_batch.Options(
        constituencies=(group,) if group else (),
        not_joined=True,
        older_than=invite_batch.parse_age(age) if age else None,
        files=files,
    )


@routes.post("/members/letters")
async def letters(request: web.Request) -> web.StreamResponse:
    """Issue invites for the chosen members and hand over their letters or QR codes."""
    app = app_of(request)
    form = await request.post()
    try:
        options = _options(form)
        if invite_batch.join_link_missing(app):
            await invite_batch.learn_join_link(app)
        batch = invite_batch.prepare(app, options)
    except (
        invite_batch.OptionError,
        invites.InviteError,
        invite_files.InviteFileError,
    ) as error:
        return await _page(request, status=400, error=str(error))
    if not batch.invites:
        return await _page(request, outcome=invite_batch.nobody(options))
    live = invites.still_live(app.ctx, [i.member_id for i in batch.invites])
    if live and form.get("confirm") != "yes":
        fields = [(key, str(form.get(key, ""))) for key in ("constituency", "older_than", "files")]
        return confirm_replacing(request, live, len(batch.invites), "/members/letters", fields)
    name, kind = DOWNLOADS[options.files]
    count = len(batch.invites)
    unit = "letters" if batch.head else "QR codes"

    async def draw(job: jobs.Job) -> None:
        # Thousands of letters take seconds to draw: off the event loop, so chat is not held
        # up; the invites are recorded (revoking older links) only once the file exists.
        if batch.head:
            body = await asyncio.to_thread(
                invite_files.letters_pdf, batch.invites, batch.head, job.advance
            )
        else:
            body = await asyncio.to_thread(invite_files.qr_zip, batch.invites, job.advance)
        invites.record(app.ctx, batch.invites, officer)
        job.download = jobs.Download(name, kind, body)
        job.summary = (
            f"Issued {count:,} new {'invite' if count == 1 else 'invites'}: {name} holds "
            f"{count:,} {unit[:-1] if count == 1 else unit} ({len(body) / 1e6:.1f} MB)."
        )

    officer = actor(request)
    title = "Invite letters" if batch.head else "Invite QR codes"
    raise jobs.start(
        request, title, unit, count, ("/members/joining", "Back to who has joined"), draw
    )
