"""`mutual-voice sms`: what a broadcast by text message costs, before it is sent."""

from __future__ import annotations

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state


@click.group()
def sms() -> None:
    """SMS: estimate a broadcast's segments and cost (a dry run: nothing is sent)."""


@sms.command()
@click.option("--title", default="", help="The invitation's title (default: the organisation).")
@click.option("--text", default="", help="Estimate this text instead of an invitation.")
@click.option("--waiting", is_flag=True, help="Count the texts already queued instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def estimate(state: State, title: str, text: str, waiting: bool, as_json: bool) -> None:
    """Members by SMS, segments per text and in all, and the cost at sms.price_per_segment."""
    from bot.adapters.sms import estimate as costs

    settings, db = state.settings, state.app.db
    if waiting:
        result = costs.for_waiting(settings, db)
    else:
        result = costs.for_invitation(settings, db, title=title, text=text)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(costs.sentence(result, "text" if text or waiting else "invitation"))
