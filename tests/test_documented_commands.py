"""Every `mutual-voice ...` command the README, PRIVACY.md and docs/ show exists.

The installed script (the one `pip install` puts on PATH), each time a fresh process, is
asked for the `--help` of `mutual-voice` and of each documented top-level command: the
lazy loader imports one module per top-level command, so a fresh process per command is
what shows a subcommand defined in a module nobody imports (as `members role` once was).
A group's help lists its commands, so a documented word that is not one of them is a
missing command. Deeper commands, already listed by that fresh process, answer `--help`
in this process (each fresh start costs a second or two), and each documented option
must appear in the help of the command it is given to. The Markdown files are read at
test time, so docs added later are checked too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.helpers import ROOT

SCRIPT = shutil.which("mutual-voice")
# Code in Markdown: fenced blocks, then inline spans (``double`` before `single`).
FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1", re.S | re.M)
INLINE = re.compile(r"(``?)(?!`)(.+?)(?<!`)\1(?!`)")
# The command's name as a word of its own: not mutual-voice.toml, not /etc/mutual-voice/,
# not the "mutual-voice: ..." that starts a line the command prints, not a package's
# `mutual-voice==1.2` for pip.
INVOCATION = re.compile(r"(?<![\w./-])mutual-voice(?![\w.:=-])")
ENDS = {"&&", "||", "|", ";", ">", ">>", "<", "2>", "&"}


def documents() -> list[Path]:
    found = [ROOT / "README.md", ROOT / "PRIVACY.md", *sorted(ROOT.glob("docs/**/*.md"))]
    return [path for path in found if path.is_file()]


def code_of(text: str) -> list[tuple[int, str]]:
    """Each line of code in a Markdown text, with its line number."""
    lines: list[tuple[int, str]] = []
    for block in FENCE.finditer(text):
        first = text.count("\n", 0, block.start(2)) + 1
        lines += [(first + n, line) for n, line in enumerate(block.group(2).splitlines())]
    prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for number, line in enumerate(prose.splitlines(), start=1):
        lines += [(number, span.group(2)) for span in INLINE.finditer(line)]
    return sorted(lines)


def invocations(text: str) -> list[tuple[int, list[str]]]:
    """The words after each `mutual-voice` in the code of `text`, up to a comment or a pipe."""
    found = []
    for number, line in code_of(text):
        matches = list(INVOCATION.finditer(line))
        for n, match in enumerate(matches):
            before = line[: match.start()].split()
            if before and before[-1].startswith("-"):
                continue  # an option's value: a user, group or image (`sudo -u mutual-voice`)
            end = matches[n + 1].start() if n + 1 < len(matches) else None
            rest = line[match.end() : end].replace("\\|", "|")
            lexer = shlex.shlex(rest, posix=True, punctuation_chars="|&;<>")
            lexer.whitespace_split, lexer.commenters = True, "#"
            try:
                words = list(lexer)
            except ValueError:  # an unclosed quote in a prose sentence: its words as written
                words = rest.split()
            if any(w in ENDS for w in words):
                words = words[: min(words.index(w) for w in words if w in ENDS)]
            found.append((number, [w.strip("[]") for w in words if w.strip("[]")]))
    return found


@cache
def help_of(path: tuple[str, ...]) -> subprocess.CompletedProcess:
    """The help of `mutual-voice PATH`: from the installed script for the top level and
    its commands, in this process below them (their group's fresh listing named them)."""
    if len(path) > 1:
        result = CliRunner().invoke(cli, [*path, "--help"])
        return subprocess.CompletedProcess(path, result.exit_code, result.output, "")
    assert SCRIPT is not None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MUTUAL_VOICE_CONFIG", None)
    return subprocess.run(
        [SCRIPT, *path, "--help"], capture_output=True, text=True, timeout=120, env=env
    )


def subcommands(help_text: str) -> set[str] | None:
    """The commands a group's help lists; None for a command that is not a group."""
    if "\nCommands:\n" not in help_text:
        return None
    section = help_text.split("\nCommands:\n", 1)[1]
    return {m.group(1) for m in re.finditer(r"^  ([a-z][\w-]*)", section, re.M)}


def takes_value(help_text: str, option: str) -> bool:
    return bool(re.search(rf"^\s+(?:-\w, )?{re.escape(option)}[ =][A-Z<\[]", help_text, re.M))


def check(words: list[str]) -> list[str]:
    """What is wrong with one documented invocation, walking the real tree."""
    path: list[str] = []
    problems = []
    index = 0
    while index < len(words):
        result = help_of(tuple(path))
        shown = " ".join(["mutual-voice", *path])
        if result.returncode != 0:
            return [f"`{shown} --help` exits {result.returncode}: {result.stderr.strip()}"]
        word = words[index]
        index += 1
        if word.startswith("-"):
            option = word.split("=", 1)[0]
            if option not in result.stdout:
                problems.append(f"`{shown}` has no option {option}")
            elif "=" not in word and takes_value(result.stdout, option):
                index += 1
            continue
        names = subcommands(result.stdout)
        if names is None:
            continue  # an argument of a command
        if word not in names:
            return [f"`{shown} {word}`: no such command (it has {', '.join(sorted(names))})"]
        path.append(word)
    result = help_of(tuple(path))
    if result.returncode != 0:
        shown = " ".join(["mutual-voice", *path])
        problems.append(f"`{shown} --help` exits {result.returncode}: {result.stderr.strip()}")
    return problems


def all_invocations() -> list[tuple[str, list[str]]]:
    return [
        (f"{path.relative_to(ROOT)}:{number}", words)
        for path in documents()
        for number, words in invocations(path.read_text(encoding="utf-8"))
    ]


def warm(calls: list[tuple[str, list[str]]]) -> None:
    """Ask the installed script for the top level's help, then for each documented command
    it lists, two at a time (each is a fresh Python start-up)."""
    names = subcommands(help_of(()).stdout) or set()
    firsts = {next((w for w in words if not w.startswith("-")), "") for _, words in calls}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(help_of, sorted((name,) for name in firsts & names)))


@pytest.mark.skipif(SCRIPT is None, reason="the package is not installed (pip install -e .)")
def test_every_documented_command_answers_help_from_the_installed_script():
    calls = all_invocations()
    assert len(calls) > 20, "the README shows the commands"
    warm(calls)
    problems = [f"{where}: {problem}" for where, words in calls for problem in check(words)]
    assert problems == []
    assert {("members", "role"), ("members", "group")} <= {
        tuple(words[:2]) for _, words in calls
    }, "members role and members group are documented (and so checked above)"


def test_the_walk_finds_a_missing_command_and_a_missing_option(tmp_path):
    text = (
        "Run `mutual-voice members rôle t1 council` and then\n\n"
        "```sh\nmutual-voice --config x.toml survey send staff-pulse --nope  # comment\n"
        "mutual-voice vote ballots ID --blt > out.blt && mutual-voice jobs\n```\n"
        "The file mutual-voice.toml is not a command.\n"
    )
    calls = [words for _, words in invocations(text)]
    assert calls == [
        ["members", "rôle", "t1", "council"],
        ["--config", "x.toml", "survey", "send", "staff-pulse", "--nope"],
        ["vote", "ballots", "ID", "--blt"],
        ["jobs"],
    ]
    if SCRIPT is None:
        pytest.skip("the package is not installed")
    assert "no such command" in check(calls[0])[0]
    assert check(calls[1]) == ["`mutual-voice survey send` has no option --nope"]
    assert check(calls[2]) == [] and check(calls[3]) == []
