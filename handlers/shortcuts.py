"""Buttons that do what typing a command would, so any feature can offer another's."""

from __future__ import annotations

from handlers.messages import Option

RUN_COMMAND = "home.run"


def run_command(label: str, command: str) -> Option:
    """A button that runs `/command` for whoever presses it."""
    return Option(label, RUN_COMMAND, command)
