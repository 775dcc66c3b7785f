"""`mutual-voice digest ...`: see the council digest or a member's newsletter, or send one now.

`preview` builds the digest exactly as the schedule would and writes the chart, but
queues nothing and records nothing. `send` only writes outbox rows; the running bot
delivers them, and the next scheduled digest starts counting from this one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state
from handlers import i18n
from handlers.context import Context
from handlers.digests import newsletter as digest_members
from handlers.digests import scheduled as digests
from handlers.digests import text as words
from handlers.messages import unquoted
from storage import audit
from storage.digests import queries as store
from storage.timestamps import iso
from surveys.wording import plural

kind_option = click.option(
    "--kind",
    type=click.Choice(digests.KINDS),
    default=digests.COUNCIL,
    show_default=True,
    help="council: the staff council's digest; members: the members' newsletter.",
)


@click.group()
def digest() -> None:
    """The staff council's digest and the members' newsletter: preview, or send now."""


@digest.command()
@kind_option
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for the chart (default: charts/ next to the database).",
)
@click.option(
    "--as",
    "member_id",
    metavar="MEMBER_ID",
    help="Members only: whose newsletter to show (default: the first one that would go out).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def preview(state: State, kind: str, out: str | None, member_id: str | None, as_json: bool) -> None:
    """Print the digest as it would go out now, and write its chart; nothing is sent."""
    ctx = state.app.ctx
    now = ctx.now()
    if kind == digests.COUNCIL:
        built = digests.council(ctx, now, Path(out).resolve() if out else None)
        [message] = built.messages
        found = {
            "title": unquoted(message.title),
            "text": unquoted(message.text),
            "image": message.image,
        }
    else:
        built = digests.members(ctx, now)
        found = _newsletter(ctx, built, member_id)
    data = {
        "kind": kind,
        "since": iso(built.since),
        "until": iso(built.until),
        "messages": len(built.messages),
        **found,
    }
    if as_json:
        emit_json(data)
        return
    if data.get("note"):
        click.echo(data["note"])
    if data.get("title"):
        click.echo(data["title"].upper())
    click.echo(data["text"])
    if data["image"]:
        click.echo(f"\nChart: {data['image']}")
    click.echo("(A preview: nothing was sent.)", err=True)


def _newsletter(ctx: Context, built: digests.Built, member_id: str | None) -> dict[str, Any]:
    """The copy of `member_id` (or of the first reader), and a note when they would not get it."""
    if member_id is None:
        if not built.messages:
            quiet = words.quiet(ctx, built.since, built.until)
            return {"text": f"{quiet} No newsletter would go out.", "image": None, "title": ""}
        member_id = built.messages[0].to.member_id
    row = store.member(ctx.db, member_id or "")
    if row is None or row["erased_at"]:
        raise click.ClickException(
            f"no member with id {member_id!r} (see: mutual-voice members list)"
        )
    mine = [m for m in built.messages if m.to.member_id == member_id]
    # As an officer may see it: the copy that goes out says whether they have voted in a
    # vote still open, which officers must not learn before it closes.
    news = digest_members.gather(ctx, built.since, built.until)
    text = digest_members.copy_for(ctx, news, member_id, officer=True)
    text = unquoted(text) if text is not None else None
    note = None
    if not mine:
        if row["newsletter_opt_out"]:
            note = f"{row['name']} has opted out of newsletters, so would not get this:"
        elif text is None:
            note = f"Nothing new for {row['name']}, so no newsletter would go to them."
        else:
            note = f"{row['name']} has not joined a chat yet, so would not get this:"
    return {
        "member_id": member_id,
        "title": digest_members.title(ctx, i18n.for_row(ctx, row)) if text else "",
        "text": text or "",
        "image": None,
        "note": note,
    }


@digest.command()
@click.option("--kind", type=click.Choice(digests.KINDS), required=True, help="Which digest.")
@pass_state
def send(state: State, kind: str) -> None:
    """Queue the digest now; the running bot delivers it."""
    app = state.app
    ctx = app.ctx
    if kind == digests.COUNCIL and ctx.council is None:
        raise click.ClickException(
            "no staff council chat is configured: set slack.council_channel "
            "or telegram.council_chat_id"
        )
    now = ctx.now()
    built = digests.build(ctx, kind, now)
    report = app.postman.post(built.messages)
    digests.remember(ctx, built, now, state.actor())
    audit.record(ctx.db, now, state.actor(), "digest.send", kind, queued=report.queued)
    if kind == digests.COUNCIL:
        click.echo("Queued the council digest; the running bot delivers it.")
    elif report.queued:
        click.echo(f"Queued {plural(report.queued, 'newsletter')}; the running bot delivers them.")
    else:
        click.echo("Nobody has news this time, so no newsletter was queued.")
