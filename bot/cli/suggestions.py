"""`mutual-voice suggestions ...`: what members have suggested, and what became of it.

Nothing here says who sent an anonymous suggestion: the rows come from the
suggestions table, which does not hold it.
"""

from __future__ import annotations

import click

from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from handlers.suggestions.text import snippet
from storage.suggestions import queries as suggestion_rows

KINDS = {"status": "status", "council": "council replied", "member": "suggester answered"}
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
FILTERS = (*suggestion_rows.STATUSES, "open", "overdue")


def _from(row: dict) -> str:
    if not row["named"]:
        return "anonymous"
    return row["name"] or "named (erased)"


@click.group()
def suggestions() -> None:
    """Members' suggestions to the staff council."""


@suggestions.command(name="list")
@click.option(
    "--status",
    type=click.Choice(FILTERS),
    help="Only suggestions with this status (open: not yet decided; overdue: no response in time).",
)
@json_option
@pass_state
def list_(state: State, status: str | None, as_json: bool) -> None:
    """List suggestions, oldest first."""
    rows = suggestion_rows.listing(state.app.db, status)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        row["from"] = _from(row)
        row["sent"] = row["created_at"][:10]
        row["overdue"] = "overdue" if row["overdue_at"] and not row["responded_at"] else ""
        row["start"] = snippet(row["text"], 40)
    emit_table(
        rows,
        ["id", "sent", "topic", "status", "from", "sentiment", "overdue", "start"],
        "No suggestions yet." if status is None else f"No suggestions with status {status}.",
    )


@suggestions.command()
@click.argument("number", type=int, metavar="ID")
@json_option
@pass_state
def show(state: State, number: int, as_json: bool) -> None:
    """Show one suggestion with its history of statuses and messages."""
    row = suggestion_rows.get(state.app.db, number)
    if row is None:
        raise click.ClickException(f"no suggestion #{number} (see: mutual-voice suggestions list)")
    row["history"] = suggestion_rows.history(state.app.db, number)
    if as_json:
        emit_json(row)
        return
    click.echo(f"Suggestion #{number} · {row['topic']} · {row['status']}")
    click.echo(f"from: {_from(row)}")
    click.echo(f"sent: {row['created_at']}")
    click.echo(f"sentiment: {row['sentiment']}")
    if row["similar"]:
        click.echo("similar: " + ", ".join(f"#{n}" for n in row["similar"]))
    if row["overdue_at"]:
        click.echo(f"overdue since: {row['overdue_at']}")
    if row["note"]:
        click.echo(f"reason: {row['note']}")
    click.echo("")
    click.echo(row["text"])
    click.echo("")
    for entry in row["history"]:
        click.echo(f"{entry['at']}  {KINDS.get(entry['kind'], entry['kind'])}: {entry['text']}")
