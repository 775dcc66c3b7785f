"""`mutual-voice run`: start the bot on the configured platforms, or the console demo."""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from bot.cli.state import Refused, State, pass_state
from bot.runner import run_console, run_platforms
from storage.lock import AlreadyRunning, RunLock


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
    if not state.settings.database_path.exists():
        _ = state.app  # the demo's new database, or one line on why none is made (no lock)
    # One bot per database: a second would send every message twice. The lock is the
    # kernel's, so it goes with the process, however the process ends.
    try:
        lock = RunLock(state.settings.database_path).acquire()
    except AlreadyRunning as running:
        raise Refused(f"{running}: stop it first, or give this one another database") from None
    except FileNotFoundError:
        lock = None  # no folder for the database: the app says so in its own words
    state.check_database(alone=True)
    try:
        run_with(state, member_id)
    finally:
        if lock:
            lock.release()


def run_with(state: State, member_id: str | None) -> None:
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
