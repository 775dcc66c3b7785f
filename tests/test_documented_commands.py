"""Every `mutual-voice` command the README and the guides under docs/ show exists as
written: its command and subcommands, and every option it passes.

A guide's commands need a database, a roster or a network to run, so they are not run
here: the tests of each feature run the walk-throughs (e.g. tests/bot/test_digest_cli.py
runs the console demo's digest preview). This keeps a renamed command or option from
leaving the guides behind.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bot.cli import cli

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^\s*(```|~~~)\s*(\w*)")
SHELL = {"", "sh", "shell", "console", "bash"}


def commands(page: Path) -> list[tuple[int, str]]:
    """(line, command) for each `mutual-voice ...` in a shell block or an inline code span."""
    found, fenced, language = [], False, ""
    for number, line in enumerate(page.read_text(encoding="utf-8").split("\n"), 1):
        fence = FENCE.match(line)
        if fence:
            fenced, language = not fenced, fence.group(2)
            continue
        if fenced and language in SHELL:
            text = re.sub(r"\s#.*", "", line)  # a comment after the command
            pieces = re.split(r"&&|\|(?!\|)|;|<|>", text)
        elif not fenced:
            pieces = re.findall(r"`([^`]*)`", line)
        else:
            continue
        for piece in pieces:
            piece = piece.strip()
            if re.match(r"mutual-voice(\s|$)", piece):
                found.append((number, piece))
    return found


def options(command: click.Command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        if isinstance(param, click.Option):
            names |= {*param.opts, *param.secondary_opts}
    return names


def takes_value(command: click.Command, name: str) -> bool:
    return any(
        isinstance(p, click.Option) and name in p.opts and not p.is_flag for p in command.params
    )


def problem(text: str) -> str | None:
    """What is wrong with a documented command line, or None. `[--json]` marks an option
    as optional and `stv\\|irv` lists choices: both are read as their options."""
    words = shlex.split(text.replace("\\|", "|").replace("[", " ").replace("]", " "))[1:]
    command: click.Command = cli
    context = click.Context(cli)
    at = 0
    while isinstance(command, click.Group):
        while at < len(words) and words[at].startswith("-"):
            name = words[at].split("=")[0]
            if name not in options(command):
                return f"no option {name}"
            at += 2 if takes_value(command, name) and "=" not in words[at] else 1
        if at == len(words):
            return None  # the group alone, e.g. for its help
        found = command.get_command(context, words[at])
        if found is None:
            return f"no command {words[at]!r}"
        command, at = found, at + 1
    unknown = [
        word.split("=")[0]
        for word in words[at:]
        if word.startswith("-") and word.split("=")[0] not in options(command)
    ]
    return f"{command.name}: no option {unknown}" if unknown else None


def test_the_guides_show_commands_at_all():
    shown = [text for page in PAGES for _line, text in commands(page)]
    assert len(shown) > 100
    assert (
        "mutual-voice members invite --not-joined --older-than 14d --letters reminders.pdf" in shown
    )


@functools.cache
def verdicts() -> dict[str, str | None]:
    """Each documented command's problem, judged in a fresh interpreter: one that has
    loaded no command module yet, as when a reader types the command."""
    texts = sorted({text for page in PAGES for _line, text in commands(page)})
    script = (
        "import json, sys\n"
        "from tests.test_documented_commands import problem\n"
        "print(json.dumps({text: problem(text) for text in json.load(sys.stdin)}))\n"
    )
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_documented_command_exists_as_written(page):
    wrong = [
        f"{line}: {text}: {verdicts()[text]}" for line, text in commands(page) if verdicts()[text]
    ]
    assert not wrong


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mutual-voice -v survey send staff-pulse --follow", None),
        ("mutual-voice --config other.toml vote list [--json]", None),
        ("mutual-voice count FILE.blt [--method stv\\|irv] [--seats N]", None),
        ("mutual-voice survey sned staff-pulse", "no command 'sned'"),
        ("mutual-voice survey send staff-pulse --folow", "send: no option ['--folow']"),
        ("mutual-voice --verbos run", "no option --verbos"),
    ],
)
def test_a_wrong_command_or_option_is_caught(text, expected):
    assert problem(text) == expected
