"""`mutual-voice outbox status`: what is waiting to be delivered, per platform."""

from __future__ import annotations

import click

from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from storage import outbox as outbox_rows


@click.group()
def outbox() -> None:
    """Messages waiting to be delivered."""


@outbox.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def status(state: State, as_json: bool) -> None:
    """Messages per platform and status (pending, sent, failed, unreachable)."""
    counts = outbox_rows.status_counts(state.app.db)
    if as_json:
        emit_json(counts)
    else:
        emit_table(counts, ["platform", "status", "messages"], "The outbox is empty.")
