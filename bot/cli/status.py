"""`mutual-voice status`: what an operator checks first."""

from __future__ import annotations

import sys

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def status(state: State, as_json: bool) -> None:
    """Is the bot running, can it reach each platform, what waits, what failed (exit 1 if not running)."""
    from bot import status as report
    from storage.lock import running_pid

    pid = running_pid(state.settings.database_path)
    found = report.collect(state.app, pid)
    if as_json:
        emit_json(found)
    else:
        for line in report.lines(found):
            click.echo(line)
    sys.exit(0 if found["alive"] else 1)
