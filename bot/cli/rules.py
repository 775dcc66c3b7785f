"""`mutual-voice rules check FILE`: the society's rules file, checked and said plainly.

Needs no config or database: an officer checks the file before the config points at it.
"""

from __future__ import annotations

from pathlib import Path

import click

from surveys.rules import RulesError, load_rules_file, problems


@click.group()
def rules() -> None:
    """The society's rules file: check it and say it in plain words."""


@rules.command()
@click.argument("rules_file", type=click.Path(dir_okay=False, path_type=Path))
def check(rules_file: Path) -> None:
    """Check a rules.toml and print the rules plainly, or every problem (exit status 1)."""
    try:
        found = load_rules_file(rules_file)
    except RulesError as error:
        # Every problem at once (one a section), so one fix is not followed by another.
        text = rules_file.read_text(encoding="utf-8-sig") if rules_file.is_file() else ""
        for problem in problems(text, str(rules_file)) if text else [str(error)]:
            click.echo(f"mutual-voice: {problem}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{found.name or rules_file.name}: the rules are valid.")
    for line in found.summary():
        click.echo(line)
