"""What every CLI command shares: the settings (loaded once) and the app.

The app (and with it the handlers, storage and their libraries) is imported only when a
command needs it, so `mutual-voice --help` starts at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings


class ConfigProblem(click.ClickException):
    """A bad config, database or input file: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"mutual-voice: {self.message}", err=True)


class SetupProblem(ConfigProblem):
    """No database where the config says: one line, exit status 1."""

    exit_code = 1


# Only `init` creates a database, and `run` and `web` where no config is found (the demo in
# an empty folder). Where a config names the database, a missing file is a mistyped path or
# the wrong folder: a new empty one would start the organisation over with nobody in it.
CREATES_DATABASE = ("init",)
DEMO_COMMANDS = ("run", "web")
NO_DATABASE = (
    "{error}: start with mutual-voice init (or mutual-voice run for the demo), "
    "or give the config that names your database with --config"
)
NOT_AT_CONFIGURED_PATH = (
    "{error}, where storage.database in {source} points: check that path (and the folder "
    "you run in); to start a new database there, run mutual-voice init"
)


@dataclass
class State:
    config_path: str | None
    command: str | None = None
    _app: App | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def app(self) -> App:
        if self._app is None:
            from bot.app import App
            from bot.config import BUILT_IN, ConfigError, load_settings
            from storage.db import NoDatabase
            from storage.schema import SchemaTooNew

            try:
                settings = load_settings(self.config_path)
                found = settings.source != BUILT_IN
                demo = self.command in DEMO_COMMANDS and not found
                try:
                    self._app = App(settings, create=self.command in CREATES_DATABASE or demo)
                except NoDatabase as error:
                    why = NOT_AT_CONFIGURED_PATH if found else NO_DATABASE
                    raise SetupProblem(why.format(error=error, source=settings.source)) from None
            except ConfigError as error:
                raise ConfigProblem(f"config error: {error}") from None
            except SchemaTooNew as error:
                raise ConfigProblem(f"database error: {error}") from None
        return self._app

    def actor(self) -> str:
        return "cli"


pass_state = click.make_pass_decorator(State)
