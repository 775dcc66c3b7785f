"""What every CLI command shares: the settings (loaded once) and the app.

The app (and with it the handlers, storage and their libraries) is imported only when a
command needs it, so `mutual-voice --help` starts at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

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


class Refused(SetupProblem):
    """The database cannot be used as it is (damaged, or another bot runs on it): exit
    status 4, which a service manager is told not to retry (deploy/mutual-voice.service)."""

    exit_code = 4


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
    web_port: int | None = None  # `mutual-voice web --port`, over the config's web.port
    _app: App | None = field(default=None, repr=False)
    _settings: Settings | None = field(default=None, repr=False)
    # The database the last command opened, for main()'s reading of a disk error.
    last_database: ClassVar[Path | None] = None

    def close(self) -> None:
        """The command is done: its database connection goes now, not when collected.
        One left open in a process that later opens the file again (tests run commands
        in-process) would lose its locks when that process closes the file
        (storage/files.py reads headers with plain file handles), and SQLite's WAL with it."""
        if self._app is not None:
            self._app.db.close()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from bot.config import ConfigError, load_settings

            try:
                self._settings = load_settings(self.config_path)
                State.last_database = self._settings.database_path
            except ConfigError as error:
                raise ConfigProblem(f"config error: {error}") from None
        return self._settings

    def check_database(self, alone: bool = False) -> None:
        """Refuse a damaged database file with one line; a leftover `-wal` is tried too when
        no other process has the database open (`alone`: this one holds its lock)."""
        from storage.files import BadDatabase, check_database, nobody_has_it_open

        path = self.settings.database_path
        try:
            check_database(path, wal=alone or (path.exists() and nobody_has_it_open(path)))
        except BadDatabase as error:
            raise Refused(f"database error: {error}") from None

    @property
    def app(self) -> App:
        if self._app is None:
            from bot.app import App
            from bot.config import BUILT_IN, ConfigError
            from storage.db import NoDatabase
            from storage.files import BadDatabase
            from storage.schema import SchemaTooNew

            settings = self.settings
            if self.command != "run":  # run checks the file once it holds the lock
                self.check_database()
            try:
                found = settings.source != BUILT_IN
                demo = self.command in DEMO_COMMANDS and not found
                if self.web_port is not None:
                    settings = replace(settings, web=replace(settings.web, port=self.web_port))
                self._app = App(settings, create=self.command in CREATES_DATABASE or demo)
            except NoDatabase as error:
                why = NOT_AT_CONFIGURED_PATH if found else NO_DATABASE
                raise SetupProblem(why.format(error=error, source=settings.source)) from None
            except ConfigError as error:
                raise ConfigProblem(f"config error: {error}") from None
            except (SchemaTooNew, BadDatabase) as error:
                raise ConfigProblem(f"database error: {error}") from None
        return self._app

    def actor(self) -> str:
        return "cli"


pass_state = click.make_pass_decorator(State)
