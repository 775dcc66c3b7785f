"""`mutual-voice --help` starts at once: heavy libraries load only for the command that uses them."""

from __future__ import annotations

import importlib
import subprocess
import sys

from bot.cli import COMMANDS
from tests.helpers import ROOT

HEAVY = ("matplotlib", "numpy", "sqlite_utils", "handlers", "telegram", "slack_bolt")


def test_help_imports_nothing_heavy():
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "Commands:" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    loaded = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert loaded == []


def test_the_help_lines_are_the_commands_own():
    for name, (module, summary) in COMMANDS.items():
        command = getattr(importlib.import_module(f"bot.cli.{module}"), name)
        assert command.name == name
        assert command.get_short_help_str(200) == summary, name
