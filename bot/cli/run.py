"""`mutual-voice run`: start the bot on the configured platforms, or the console demo."""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from bot.cli.state import State, pass_state
from bot.runner import run_console, run_platforms


@click.command()
@click.option(
    "--as",
    "member_id",
    metavar="MEMBER_ID",
    help="Console only: the member you speak as (default: demo-tenant-1 in the demo).",
)
@pass_state
def run(state: State, member_id: str | None) -> None:
    """Run the bot. With no platform tokens configured, talk to it here in the terminal."""
    app = state.app
    if app.settings.platforms:
        asyncio.run(run_platforms(app))
        return
    if logging.getLogger().level > logging.DEBUG:
        # In the terminal the conversation is the output; -v brings the log back.
        logging.getLogger().setLevel(logging.WARNING)
    quiet = app.settings.quiet_hours
    if app.seed_demo():
        click.echo(
            "No members yet, so a demo organisation was created: members demo-staff-1 "
            "to demo-staff-6 and demo-tenant-1 to demo-tenant-6 (demo-staff-1 is an officer). "
            f"Quiet hours ({quiet.start}-{quiet.end}, when members get no messages they did "
            "not ask for) are off in the demo, so it shows everything at any hour.",
            err=True,
        )
    try:
        asyncio.run(run_console(app, member_id, sys.stdin, sys.stdout))
    except KeyboardInterrupt:
        # Ctrl-C ends the session at once; 130 is what a shell reports for it (128 + SIGINT).
        click.echo(err=True)
        raise SystemExit(130) from None
