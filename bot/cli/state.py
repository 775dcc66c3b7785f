"""What every CLI command shares: the settings (loaded once) and the app.

The app (and with it the handlers, storage and their libraries) is imported only when a
command needs it, so `mutual-voice --help` starts at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


# Only these start a fresh setup (run and web seed the demo); any other command on a
# missing database says so.
CREATES_DATABASE = ("init", "run", "web")
NO_DATABASE = (
    "{error}: start with mutual-voice init (or mutual-voice run for the demo), "
    "or give the config that names your database with --config"
)


@dataclass
class State:
    config_path: str | None
    command: str | None = None
    web_port: int | None = None  # `mutual-voice web --port`, over the config's web.port
    _app: App | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def app(self) -> App:
        if self._app is None:
            from bot.app import App
            from bot.config import ConfigError, load_settings
            from storage.db import NoDatabase
            from storage.schema import SchemaTooNew

            try:
                settings = load_settings(self.config_path)
                if self.web_port is not None:
                    settings = replace(settings, web=replace(settings.web, port=self.web_port))
                self._app = App(settings, create=self.command in CREATES_DATABASE)
            except NoDatabase as error:
                raise SetupProblem(NO_DATABASE.format(error=error)) from None
            except ConfigError as error:
                raise ConfigProblem(f"config error: {error}") from None
            except SchemaTooNew as error:
                raise ConfigProblem(f"database error: {error}") from None
        return self._app

    def actor(self) -> str:
        return "cli"


pass_state = click.make_pass_decorator(State)
