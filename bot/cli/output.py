"""Printing CLI results: a readable table by default, JSON with --json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click
from tabulate import tabulate


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def emit_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], empty: str) -> None:
    if not rows:
        click.echo(empty)
        return
    # 0 is a figure (nobody has voted yet): only a missing value is left blank.
    cells = [["" if row.get(c) is None else row.get(c) for c in columns] for row in rows]
    click.echo(tabulate(cells, headers=columns))
