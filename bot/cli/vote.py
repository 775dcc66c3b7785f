"""`mutual-voice vote ...`: create, open and close member votes; results and the ballot list.

Run while the bot is running, these only write rows (the vote, its announcements or
results in the outbox); the running bot sends them within seconds.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.adapters.sms import estimate as sms_estimate
from bot.adapters.whatsapp import limits as whatsapp_limits
from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from handlers import i18n
from handlers.votes import admin
from handlers.votes import rules as society
from handlers.votes.cancel import cancel_vote
from handlers.votes.state import METHOD_NAMES, OPEN, all_votes, load, when
from surveys.votes.definitions import VoteDefinitionError, load_vote_file
from surveys.wording import lacking, plural

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def vote() -> None:
    """Member votes: create, open, close, results and the published ballot list."""


@vote.command()
@click.argument("toml_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a vote with this id that has not opened.")
@json_option
@pass_state
def create(state: State, toml_file: Path, replace: bool, as_json: bool) -> None:
    """Create a vote from a TOML definition (see examples/vote-*.toml)."""
    ctx = state.app.ctx
    try:
        definition = load_vote_file(toml_file, ctx.policy.organisation.timezone)
        created = admin.create_vote(ctx, definition, state.actor(), replace)
    except VoteDefinitionError as error:
        raise click.ClickException(str(error)) from None
    except admin.VoteError as error:
        raise click.ClickException(f"{toml_file}: {error}") from None
    if as_json:
        emit_json(admin.listing_row(ctx, created))
        return
    groups = " and ".join(created.definition.constituencies)
    click.echo(
        f"Created vote {created.id}: {METHOD_NAMES[created.definition.method]}, "
        f"for {groups} members, closing {when(ctx, created.closes_at)}."
    )
    ruled = society.in_words(created.definition)
    if ruled:
        click.echo(ruled)
    gaps = i18n.missing(ctx, created.definition)
    if gaps:
        click.echo(f"{lacking(len(gaps))} (members see the organisation's):")
        for gap in gaps:
            click.echo(f"  {gap}")
    if created.opens_at is None:
        click.echo(f"It opens when you run: mutual-voice vote open {created.id}")
    elif created.opens_at <= ctx.now():
        click.echo("It opens within a minute once the bot is running.")
    else:
        click.echo(f"It opens {when(ctx, created.opens_at)}, and every eligible member is told.")


@vote.command(name="list")
@json_option
@pass_state
def list_(state: State, as_json: bool) -> None:
    """List votes with their state and turnout."""
    rows = [admin.listing_row(state.app.ctx, v) for v in all_votes(state.app.ctx)]
    if as_json:
        emit_json(rows)
    else:
        # When it opened, once it has (opened by hand, or late), else when it is due to.
        shown = [{**row, "opens": row["opened_at"] or row["opens"]} for row in rows]
        emit_table(
            shown,
            ["vote", "title", "method", "status", "opens", "closes", "voted", "eligible"],
            "No votes yet. Create one: mutual-voice vote create examples/vote-agm-resolution.toml",
        )


@vote.command(name="open")
@click.argument("vote_id")
@pass_state
def open_(state: State, vote_id: str) -> None:
    """Open a vote now and announce it to every eligible member."""
    app = state.app
    try:
        messages = admin.open_vote(app.ctx, vote_id, state.actor())
    except admin.VoteError as error:
        raise click.ClickException(str(error)) from None
    report = app.postman.post(messages)
    opened = load(app.ctx, vote_id)
    assert opened is not None
    click.echo(
        f"Opened {vote_id} until {when(app.ctx, opened.closes_at)}: {opened.eligible} eligible "
        f"members, {report.queued} announcements queued"
        + (
            f" ({len(report.not_joined)} not connected to the bot yet)."
            if report.not_joined
            else "."
        )
    )
    reach = whatsapp_limits.broadcast_line(app.settings, app.db, app.ctx.now())
    if reach and report.queued:
        click.echo(reach)
    texts = sms_estimate.broadcast_line(app.settings, app.db)
    if texts and report.queued:
        click.echo(texts)


@vote.command()
@click.argument("vote_id")
@click.option("--yes", is_flag=True, help="Do not ask before closing early.")
@pass_state
def close(state: State, vote_id: str, yes: bool) -> None:
    """Close a vote now: count, publish the result to members and the council."""
    app = state.app
    current = load(app.ctx, vote_id)
    if current and current.status == OPEN and current.closes_at > app.ctx.now() and not yes:
        click.confirm(
            f"{vote_id} is due to close {when(app.ctx, current.closes_at)}. Close it now?",
            abort=True,
        )
    try:
        queued = 0

        def post(messages: list) -> None:
            nonlocal queued
            queued += app.postman.post(messages).queued

        admin.close_vote(app.ctx, vote_id, state.actor(), post)
        summary = admin.published_result(app.ctx, vote_id)
    except admin.VoteError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Closed {vote_id}. {summary['headline']}")
    click.echo(summary["explanation"][0])
    click.echo(f"{queued} result messages queued (members and the council).")


@vote.command()
@click.argument("vote_id")
@click.option("--reason", required=True, help="Why (members who were told about it read this).")
@pass_state
def cancel(state: State, vote_id: str, reason: str) -> None:
    """Cancel a scheduled or open vote created by mistake: nothing is counted, its ballots
    are deleted, and members who were told it was open are told it is cancelled."""
    app = state.app
    try:
        messages = cancel_vote(app.ctx, vote_id, reason, state.actor())
    except admin.VoteError as error:
        raise click.ClickException(str(error)) from None
    app.postman.post(messages)
    told = sum(1 for message in messages if message.to.member_id)
    click.echo(
        f"Cancelled {vote_id}: nothing is counted. Told it is cancelled: the council, and "
        f"{plural(told, 'member')} who had been told it was open."
    )


@vote.command()
@click.argument("vote_id")
@json_option
@pass_state
def results(state: State, vote_id: str, as_json: bool) -> None:
    """The result with turnout, quorum and the count round by round (after close)."""
    try:
        summary = admin.published_result(state.app.ctx, vote_id)
    except admin.VoteError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(summary)
        return
    click.echo(f"{summary['title']} ({summary['method']}, {summary['status']})")
    for line in summary["explanation"]:
        click.echo(line)


@vote.command(name="ballots")
@click.argument("vote_id")
@json_option
@click.option(
    "--blt", "as_blt", is_flag=True, help="A ranked vote's ballots in BLT format, to recount."
)
@pass_state
def ballots_(state: State, vote_id: str, as_json: bool, as_blt: bool) -> None:
    """The anonymised ballot list, sorted by receipt code (after close)."""
    try:
        if as_blt:
            click.echo(admin.ballots_blt(state.app.ctx, vote_id), nl=False)
            return
        rows = admin.published_ballots(state.app.ctx, vote_id)
    except admin.VoteError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json({"vote": vote_id, "ballots": rows})
    else:
        emit_table(rows, ["receipt", "ballot"], "No ballots were cast.")
