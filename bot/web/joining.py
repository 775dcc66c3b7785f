"""Who has joined, and invite letters (or QR codes) to download for those who have not."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

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
    request: web.Request,
    status: int = 200,
    error: str = "",
    outcome: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
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
        errors=errors or {},
        labels=LABELS,
        values=values or {"files": "letters"},
        **paging.values("/members/joining", chosen, shown, anchor="#each"),
    )


@routes.get("/members/joining")
async def figures(request: web.Request) -> web.Response:
    return await _page(request)


LABELS = {"constituency": "Who", "older_than": "How old", "files": "Download"}


def _options(
    form: Mapping[str, object], groups: Sequence[str]
) -> tuple[invite_batch.Options | None, dict[str, str]]:
    """The form's choices as the CLI's options (not-joined members, a group, an age), or
    every mistake in them at once, by field."""
    errors: dict[str, str] = {}
    files = str(form.get("files", ""))
    if files not in DOWNLOADS:
        errors["files"] = "choose letters or QR codes"
    group = str(form.get("constituency", ""))
    if group and group not in groups:
        errors["constituency"] = f"{group!r} is not one of {', '.join(groups)}"
    age, older_than = str(form.get("older_than", "")).strip(), None
    try:
        older_than = invite_batch.parse_age(age) if age else None
    except invite_batch.OptionError as error:
        errors["older_than"] = str(error)
    if errors:
        return None, errors
    options = invite_batch.Options(
        constituencies=(group,) if group else (),
        not_joined=True,
        older_than=older_than,
        files=files,
    )
    return options, {}


@routes.post("/members/letters")
async def letters(request: web.Request) -> web.StreamResponse:
    """Issue invites for the chosen members and hand over their letters or QR codes."""
    app = app_of(request)
    form = await request.post()
    options, errors = _options(form, app.settings.organisation.constituencies)
    values = {key: str(form.get(key, "")) for key in LABELS}
    if options is None:
        return await _page(request, status=400, errors=errors, values=values)
    try:
        if invite_batch.join_link_missing(app):
            await invite_batch.learn_join_link(app)
        batch = invite_batch.prepare(app, options)
    except (
        invite_batch.OptionError,
        invites.InviteError,
        invite_files.InviteFileError,
    ) as error:
        field = {"--constituency": "constituency", "--older-than": "older_than"}.get(
            getattr(error, "option", ""), ""
        )
        if field:
            return await _page(request, status=400, errors={field: str(error)}, values=values)
        return await _page(request, status=400, error=str(error), values=values)
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
