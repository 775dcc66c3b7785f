"""`mutual-voice init`: a starter config and database in the current folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from bot.config import DEFAULT_CONFIG_NAME, load_settings
from storage.db import open_database


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_context
def init(ctx: click.Context, force: bool) -> None:
    """Write a starter config and database here, and say what to do next."""
    given = ctx.obj.config_path if ctx.obj else None
    target = Path(given) if given else Path.cwd() / DEFAULT_CONFIG_NAME
    if target.exists() and not force:
        # The only command that creates the database a config names (`run` refuses to).
        database = load_settings(target).database_path
        if database.exists():
            raise click.ClickException(
                f"{target} and {database} already exist (use --force to overwrite the config)"
            )
        open_database(database).close()
        click.echo(f"Created {database}, where {target.name} names the database.")
        return
    example = resources.files("bot").joinpath("config_example.toml").read_text(encoding="utf-8")
    target.write_text(example, encoding="utf-8")
    settings = load_settings(target)
    open_database(settings.database_path).close()
    click.echo(f"Wrote {target.name} and created {settings.storage.database}.")
    click.echo("Next steps:")
    click.echo(f"  1. Edit {target.name}: your organisation's name, groups and time zone.")
    click.echo("  2. Import your roster:   mutual-voice members import roster.csv")
    click.echo("  3. Try it in this terminal: mutual-voice run --as MEMBER_ID")
    click.echo("  4. Connect Telegram and Slack: see docs/operator-guide/, then: mutual-voice run")
