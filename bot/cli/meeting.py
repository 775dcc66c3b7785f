"""`mutual-voice meeting ...`: general meetings run by the society's rules."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state
from handlers.meetings import admin
from surveys.meetings.definitions import MeetingError, load_meeting_file


@click.group()
def meeting() -> None:
    """General meetings: create one by the society's rules (fixing its roll), and show it."""


@meeting.command()
@click.argument("toml_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def create(state: State, toml_file: Path, as_json: bool) -> None:
    """Create a meeting from a TOML file (see examples/meeting-agm.toml) and fix its roll."""
    ctx = state.app.ctx
    try:
        found = load_meeting_file(toml_file, ctx.policy.organisation.timezone)
        shown = admin.create_meeting(ctx, found, state.actor())
    except MeetingError as error:
        raise click.ClickException(str(error)) from None
    except admin.MeetingProblem as error:
        raise click.ClickException(f"{toml_file}: {error}") from None
    if as_json:
        emit_json(shown)
        return
    click.echo(f"Created meeting {shown['meeting']}; its roll is fixed on the notice date.")
    for line in admin.describe(shown):
        click.echo(line)


@meeting.command()
@click.argument("meeting_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the roll's member ids).")
@pass_state
def show(state: State, meeting_id: str, as_json: bool) -> None:
    """Show a meeting: when and where, notice, the roll, the quorum and the agenda."""
    try:
        shown = admin.show(state.app.ctx, meeting_id)
    except admin.MeetingProblem as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(shown)
        return
    for line in admin.describe(shown):
        click.echo(line)
