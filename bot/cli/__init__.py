"""The `mutual-voice` command."""

from __future__ import annotations

import importlib
import logging
import os
import sqlite3
import sys

import click

from bot.cli.state import State
from bot.redaction import withhold_member_content

# Each command by name: its module (bot.cli.<module>.<name>) and the line `--help` shows.
# Modules load only when their command runs, so `--help` does not wait for matplotlib,
# sqlite-utils and the handlers (tests/bot/test_cli_speed.py keeps the lines in step).
COMMANDS = {
    "init": ("setup", "Write a starter config and database here, and say what to do next."),
    "run": ("run", "Run the bot."),
    "members": ("members", "The roster: import, list, invite, export and erase members."),
    "outbox": ("outbox", "Messages waiting to be delivered."),
    "jobs": ("jobs", "List scheduled jobs: last success, last failure and why, next run."),
    "suggestions": ("suggestions", "Members' suggestions to the staff council."),
    "vote": (
        "vote",
        "Member votes: create, open, close, results and the published ballot list.",
    ),
    "count": ("count", "Count the ranked ballots of a BLT file, stage by stage."),
    "rules": ("rules", "The society's rules file: check it and say it in plain words."),
    "meeting": (
        "meeting",
        "General meetings by the society's rules: create one (roll and notice), show it "
        "live, check in, motions, nominations, paper ballots, the declaration.",
    ),
    "survey": ("survey", "Pulse surveys: list them, send a round, close it, read the results."),
    "tiers": (
        "tiers",
        "The ladder of involvement: who stands where, and who wants to do more.",
    ),
    "digest": (
        "digest",
        "The staff council's digest and the members' newsletter: preview, or send now.",
    ),
    "web": (
        "web",
        "Serve the officer's web console (alone, or beside a running bot on the same database).",
    ),
    "console": ("web", "The officer's web console."),
    "status": (
        "status",
        "Is the bot running, can it reach each platform, what waits, what failed (exit 1 if not running).",
    ),
    "whatsapp": (
        "whatsapp",
        "WhatsApp: check the message templates, estimate a broadcast's reach and cost.",
    ),
    "sms": ("sms", "SMS: estimate a broadcast's segments and cost (a dry run: nothing is sent)."),
    "backup": ("backup", "Copy the database to FILE, consistent even while the bot runs."),
    "restore": ("backup", "Put the backup FILE in place of the database (stop the bot first)."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when used, not when listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"bot.cli.{COMMANDS[name][0]}")
        return getattr(module, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    envvar="MUTUAL_VOICE_CONFIG",
    type=click.Path(dir_okay=False),
    help="Config file (default: ./mutual-voice.toml if present, else built-in defaults).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.option(
    "--log-format",
    envvar="MUTUAL_VOICE_LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The log's lines: text, or one JSON object a line.",
)
@click.version_option(package_name="mutual-voice")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool, log_format: str) -> None:
    """Mutual Voice: pulse surveys, votes, suggestions and the ladder of involvement."""
    from bot import logs

    # A command prints its result; the running bot logs what it does; -v shows everything.
    quiet = logging.INFO if ctx.invoked_subcommand == "run" else logging.WARNING
    logs.configure(logging.DEBUG if verbose else quiet, log_format)
    for noisy in ("httpx", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    withhold_member_content()  # even with -v, no library logs what members sent
    ctx.obj = State(config_path, ctx.invoked_subcommand)
    ctx.call_on_close(ctx.obj.close)


def disk_full_where(error: sqlite3.Error) -> bool:
    """An I/O error on a database whose disk has (almost) no room left: SQLite reports
    some writes that found the disk full as plain I/O errors."""
    import shutil

    from bot.cli.state import State

    if getattr(error, "sqlite_errorcode", 0) & 0xFF != 10 or State.last_database is None:
        return False
    try:
        return shutil.disk_usage(State.last_database.parent).free < 1 << 20
    except OSError:
        return False


def main() -> None:
    """Entry point: bad input gets one clear line and a non-zero exit, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except sqlite3.DatabaseError as error:
        from bot.logs import is_disk_full

        if is_disk_full(error) or disk_full_where(error):
            click.echo(
                "mutual-voice: disk full: free space on the disk that holds the database, "
                "then run the command again (what it was writing was not saved)",
                err=True,
            )
        else:
            click.echo(f"mutual-voice: database error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        from bot.adapters import Unreachable
        from bot.config import ConfigError  # loaded by then if the config was read

        if isinstance(error, ConfigError):
            click.echo(f"mutual-voice: config error: {error}", err=True)
            sys.exit(2)
        if isinstance(error, Unreachable):  # the network, not the config: try again later
            click.echo(f"mutual-voice: {error}", err=True)
            sys.exit(3)
        if os.environ.get("MUTUAL_VOICE_DEBUG"):
            raise
        click.echo(
            f"mutual-voice: unexpected error: {type(error).__name__}: {error} "
            "(set MUTUAL_VOICE_DEBUG=1 to see the details)",
            err=True,
        )
        sys.exit(1)
