"""`mutual-voice jobs`: what the scheduler will do, and what really happened last time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from bot.scheduler import Scheduler
from storage.timestamps import parse


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def jobs(state: State, as_json: bool) -> None:
    """List scheduled jobs: last success, last failure and why, next run."""
    app = state.app
    rows = Scheduler(app.ctx, app.postman, app.settings.scheduler.tick_seconds).describe()
    if as_json:
        emit_json(rows)
        return
    zone = ZoneInfo(app.settings.organisation.timezone)

    def local(stamp: object) -> str:
        return parse(str(stamp)).astimezone(zone).strftime("%a %d %b %H:%M") if stamp else ""

    emit_table(
        [
            {
                **row,
                "last_success": local(row["last_success"]) or "never",
                "last_failure": local(row["last_failure"]),
                "last_error": str(row["last_error"] or "")[:60],
                "next_run": local(row["next_run"]) or "when the bot runs",
            }
            for row in rows
        ],
        ["job", "when", "last_success", "last_failure", "last_error", "next_run"],
        "Nothing is scheduled yet.",
    )
