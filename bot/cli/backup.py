"""`mutual-voice backup FILE` and `mutual-voice restore FILE`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from bot.cli.state import Refused, SetupProblem, State, pass_state


@click.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def backup(state: State, target: Path) -> None:
    """Copy the database to FILE, consistent even while the bot runs."""
    from storage.backup import BackupError
    from storage.backup import backup as write_backup

    database = state.settings.database_path
    state.check_database()
    try:
        write_backup(database, target)
    except BackupError as error:
        raise SetupProblem(f"backup: {error}") from None
    click.echo(f"Backed up {database} to {target} ({target.stat().st_size:,} bytes).")


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def restore(state: State, source: Path) -> None:
    """Put the backup FILE in place of the database (stop the bot first)."""
    from storage.backup import BackupError
    from storage.backup import restore as put_back
    from storage.files import nobody_has_it_open
    from storage.lock import AlreadyRunning, RunLock

    database = state.settings.database_path
    try:
        with RunLock(database):  # no bot may start while the file is swapped
            if database.exists() and not nobody_has_it_open(database):
                raise Refused(
                    f"restore: another process has {database} open (the console, or a "
                    "command still running): stop it first"
                )
            aside = put_back(source, database, datetime.now(UTC))
    except AlreadyRunning as running:
        raise Refused(f"restore: {running}: stop the bot first") from None
    except (BackupError, FileNotFoundError) as error:
        raise SetupProblem(f"restore: {error}") from None
    click.echo(f"Restored {source} into {database}.")
    if aside:
        click.echo(f"The database it replaced is kept as {aside} (delete it when sure).")
