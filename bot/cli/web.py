"""`mutual-voice web` serves the officer's console; `console link` prints a sign-in link."""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

import click

from bot import demo
from bot.cli.output import emit_json
from bot.cli.state import State, pass_state
from handlers.console import signin as console_links
from storage.db import file_of
from storage.wal_keeper import WalKeeper

if TYPE_CHECKING:
    from bot.web.server import Console


@click.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Serve on this port instead of the config's web.port (8080 unless set).",
)
@pass_state
def web(state: State, port: int | None) -> None:
    """Serve the officer's web console (alone, or beside a running bot on the same database)."""
    from bot.web.server import Console  # aiohttp and Jinja2 load only for this command

    state.web_port = port
    app = state.app
    if not app.settings.platforms and app.seed_demo():
        click.echo(
            "No members yet, so a demo organisation was created (see: mutual-voice run).",
            err=True,
        )
    lines = [f"The officer's console is at {app.settings.web.base_url}/ (Ctrl-C stops it)."]
    if demo.is_demo(app.ctx):
        link = console_links.issue_link(app.ctx, demo.DEMO_OFFICER, state.actor())
        lines += [f"Demo: sign in as {demo.DEMO_OFFICER} (works once, for 10 minutes):", link.url]
    try:
        asyncio.run(_serve(Console(app), lines))
    except OSError as error:
        where = f"{app.settings.web.listen}:{app.settings.web.port}"
        raise click.ClickException(
            f"cannot serve the console on {where}: {error.strerror or error} "
            "(choose another with --port, or web.port in the config)"
        ) from None


async def _serve(console: Console, lines: list[str]) -> None:
    """Serve until SIGINT or SIGTERM; `lines` are printed once the console answers."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # As in `run`: the log is copied into the file from another thread, so that a commit
    # after a 100,000-row import never waits for that copy on the event loop.
    path = file_of(console.app.db)
    keeper = WalKeeper(console.app.db, path) if path else None
    if keeper:
        keeper.start()
    await console.start()
    for line in lines:
        click.echo(line)
    try:
        await stop.wait()
    finally:
        await console.stop()
        if keeper:
            keeper.stop()


@click.group()
def console() -> None:
    """The officer's web console."""


@console.command()
@click.option("--member", "member_id", required=True, help="The officer who signs in.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def link(state: State, member_id: str, as_json: bool) -> None:
    """Print a one-time sign-in link (valid 10 minutes) for an officer."""
    try:
        issued = console_links.issue_link(state.app.ctx, member_id, state.actor())
    except console_links.ConsoleError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(issued.to_dict())
        return
    click.echo(f"Sign-in link for {member_id} (works once, until {issued.expires_at:%H:%M} UTC):")
    click.echo(issued.url)
