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
    click.echo(tabulate([[row.get(c) or "" for c in columns] for row in rows], headers=columns))
