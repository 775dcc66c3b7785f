"""`mutual-voice whatsapp`: the templates file checked against the account, and what a
broadcast to WhatsApp members costs and how long the daily limit makes it take."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.cli.output import emit_json, emit_table
from bot.cli.state import ConfigProblem, State, pass_state


@click.group()
def whatsapp() -> None:
    """WhatsApp: check the message templates, estimate a broadcast's reach and cost."""


@whatsapp.command()
@click.option("--check", is_flag=True, help="Compare with the account's templates (asks Meta).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def templates(state: State, check: bool, as_json: bool) -> None:
    """The templates the bot sends outside the 24-hour window; exit 1 if --check finds a problem."""
    from bot.adapters.whatsapp import templates as template_file
    from bot.adapters.whatsapp.graph import Graph, GraphError
    from bot.redaction import Redactor

    settings = state.settings.whatsapp
    try:
        specs = template_file.load(
            state.settings.resolve(settings.templates) if settings.templates else ""
        )
    except template_file.TemplateFileError as error:
        raise ConfigProblem(str(error)) from None
    rows = [
        {
            "name": s.name,
            "language": s.language,
            "category": s.category,
            "parameters": s.parameters,
            "buttons": ", ".join(s.buttons),
        }
        for s in specs
    ]
    if not check:
        if as_json:
            emit_json(rows)
        else:
            emit_table(rows, ["name", "language", "category", "parameters", "buttons"], "")
        return
    for key in ("business_account_id", "access_token"):
        if not getattr(settings, key):
            raise ConfigProblem(f"whatsapp templates --check needs whatsapp.{key}")

    async def account() -> list[dict]:
        graph = Graph(settings.api_url, settings.access_token, settings.phone_number_id)
        try:
            return await graph.templates(settings.business_account_id)
        finally:
            await graph.close()

    redact = Redactor([settings.access_token, settings.app_secret])
    try:
        found = asyncio.run(account())
    except GraphError as error:
        raise click.ClickException(f"Meta refused the request: {redact(str(error))}") from None
    except OSError as error:
        raise click.ClickException(
            f"cannot reach {settings.api_url}: {redact(str(error))}"
        ) from None
    problems = template_file.check(specs, found)
    if as_json:
        emit_json({"templates": rows, "problems": problems})
    else:
        for line in problems:
            click.echo(line)
        if not problems:
            click.echo(f"All {len(specs)} templates are approved with the right parameters.")
    if problems:
        sys.exit(1)


@whatsapp.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def estimate(state: State, as_json: bool) -> None:
    """A message to every WhatsApp member now: templates needed, days, cost."""
    from bot.adapters.whatsapp import limits

    result = limits.for_everyone(state.settings, state.app.db, state.app.clock())
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(limits.sentence(result))
