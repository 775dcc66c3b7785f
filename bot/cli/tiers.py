"""`mutual-voice tiers ...`.

The ladder of involvement: who stands where (in groups big enough to show), how that
moved since the monthly snapshot, and who asked to do more.
"""

from __future__ import annotations

import click

from bot.cli.member_roles import ladder_in_use
from bot.cli.members import json_option
from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from handlers.tiers import report as tier_report
from storage.tiers import queries as records
from surveys.wording import plural


@click.group()
def tiers() -> None:
    """The ladder of involvement: who stands where, and who wants to do more."""


@tiers.command()
@json_option
@pass_state
def ladder(state: State, as_json: bool) -> None:
    """Show the ladder in use (checks a custom ladder file)."""
    rungs = ladder_in_use(state)
    if as_json:
        emit_json(
            {
                "source": rungs.source,
                "look_back_days": rungs.look_back_days,
                "roles": list(rungs.roles),
                "tiers": [
                    {
                        k: getattr(t, k)
                        for k in ("id", "name", "promise", "asks", "gives", "step_up")
                    }
                    for t in rungs.tiers
                ],
            }
        )
        return
    click.echo(f"Ladder: {rungs.source}")
    for n, tier in enumerate(rungs.tiers, start=1):
        click.echo(f"{n}. {tier.name} ({tier.id}): {tier.promise}")
    click.echo(f"Roles the officer can assign: {', '.join(rungs.roles) or 'none'}")


@tiers.command()
@json_option
@pass_state
def report(state: State, as_json: bool) -> None:
    """Members per rung and constituency, movement since last month, and the pipeline."""
    ladder_in_use(state)
    data = tier_report.report(state.app.ctx)
    if as_json:
        emit_json(data)
        return
    threshold = data["threshold"]
    since = f" (last month = snapshot of {data['since']}-01)" if data["since"] else ""
    click.echo(f"Members per rung{since}; groups under {threshold} are merged or hidden.")
    for group in data["constituencies"]:
        click.echo("")
        count = group["members"]
        size = plural(count, "member") if count is not None else f"fewer than {threshold} members"
        click.echo(f"{group['constituency']} ({size})")
        for band in group["bands"]:
            label = " to ".join(dict.fromkeys([band["tiers"][0], band["tiers"][-1]]))
            change = "" if band["last_month"] is None else f"  (last month {band['last_month']})"
            click.echo(f"  {label}: {band['count']}{change}")
        if group["note"]:
            click.echo(f"  Note: {group['note']}")
    if data["movement_note"]:
        click.echo(f"\nMovement: {data['movement_note']}")
    pipeline = data["pipeline"]
    click.echo("\nAsked to do more, and agreed to be contacted:")
    emit_table(
        pipeline["named"],
        ["member_id", "name", "constituency", "tier", "asked_at"],
        "  nobody yet",
    )
    click.echo("\nAsked to do more without giving their name (counts only):")
    if not pipeline["anonymous"]:
        click.echo("  nobody yet")
    for row in pipeline["anonymous"]:
        click.echo(f"  {row['tier']}: {row['declined']} (and {row['waiting']} not yet answered)")


@tiers.command()
@json_option
@pass_state
def people(state: State, as_json: bool) -> None:
    """Who holds a formal role or is in a group."""
    rows = records.roles_and_groups(state.app.db)
    if as_json:
        emit_json(rows)
    else:
        emit_table(
            rows,
            ["member_id", "name", "constituency", "kind", "what", "since"],
            "Nobody holds a role or is in a group yet (see: mutual-voice members role --help).",
        )
