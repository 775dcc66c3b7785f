"""`mutual-voice rules check FILE`: the society's rules file, checked and said plainly.

Needs no config or database: an officer checks the file before the config points at it.
"""

from __future__ import annotations

from pathlib import Path

import click

from surveys.rules import parse_rules, problems


@click.group()
def rules() -> None:
    """The society's rules file: check it and say it in plain words."""


@rules.command()
@click.argument("rules_file", type=click.Path(dir_okay=False, path_type=Path))
def check(rules_file: Path) -> None:
    """Check a rules.toml and print the rules plainly, or every problem (exit status 1)."""
    source = str(rules_file)
    try:
        text = rules_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        found = [f"{source}: cannot read: {error}"]
    else:
        # Every problem at once (one a section), so one fix is not followed by another.
        found = problems(text, source)
    if found:
        for problem in found:
            click.echo(f"mutual-voice: {problem}", err=True)
        raise SystemExit(1)
    rules = parse_rules(text, source)
    click.echo(f"{rules.name or rules_file.name}: the rules are valid.")
    for line in rules.summary():
        click.echo(line)
