"""`mutual-voice jobs`: what the scheduler will do, and when it last did it."""

from __future__ import annotations

import click

from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from bot.scheduler import Scheduler


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def jobs(state: State, as_json: bool) -> None:
    """List scheduled jobs with their last and next run."""
    rows = Scheduler(state.app.ctx, state.app.postman).describe()
    if as_json:
        emit_json(rows)
    else:
        emit_table(
            rows,
            ["job", "when", "last_run", "next_run", "description"],
            "Nothing is scheduled yet.",
        )
