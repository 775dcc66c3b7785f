"""The `mutual-voice` command."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys

import click

from bot.cli import digest as digest_cli
from bot.cli import jobs, members, outbox, run, setup
from bot.cli import suggestions as suggestion_cli
from bot.cli import survey as survey_cli
from bot.cli import tiers as tiers_cli
from bot.cli import vote as vote_cli
from bot.cli.state import State
from bot.config import ConfigError

COMMANDS = (
    setup.init,
    run.run,
    members.members,
    outbox.outbox,
    jobs.jobs,
    suggestion_cli.suggestions,
    vote_cli.vote,
    survey_cli.survey,
    tiers_cli.tiers,
    digest_cli.digest,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    envvar="MUTUAL_VOICE_CONFIG",
    type=click.Path(dir_okay=False),
    help="Config file (default: ./mutual-voice.toml if present, else built-in defaults).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.version_option(package_name="mutual-voice")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """Mutual Voice: pulse surveys, votes, suggestions and the ladder of involvement."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = State(config_path, ctx.invoked_subcommand)


for command in COMMANDS:
    cli.add_command(command)


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
    except ConfigError as error:
        click.echo(f"mutual-voice: config error: {error}", err=True)
        sys.exit(2)
    except sqlite3.OperationalError as error:
        click.echo(f"mutual-voice: database error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        if os.environ.get("MUTUAL_VOICE_DEBUG"):
            raise
        click.echo(
            f"mutual-voice: unexpected error: {type(error).__name__}: {error} "
            "(set MUTUAL_VOICE_DEBUG=1 to see the details)",
            err=True,
        )
        sys.exit(1)
