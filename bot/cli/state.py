"""What every CLI command shares: the settings (loaded once) and the app."""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from bot.app import App
from bot.config import ConfigError, Settings, load_settings
from storage.schema import SchemaTooNew


class ConfigProblem(click.ClickException):
    """A bad config, database or input file: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"mutual-voice: {self.message}", err=True)


@dataclass
class State:
    config_path: str | None
    _app: App | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def app(self) -> App:
        if self._app is None:
            try:
                self._app = App(load_settings(self.config_path))
            except ConfigError as error:
                raise ConfigProblem(f"config error: {error}") from None
            except SchemaTooNew as error:
                raise ConfigProblem(f"database error: {error}") from None
        return self._app

    def actor(self) -> str:
        return "cli"


pass_state = click.make_pass_decorator(State)
