"""`mutual-voice tiers ...` and the officer's `members role` and `members group`.

The ladder of involvement: who stands where (in groups big enough to show), how that
moved since the monthly snapshot, and who asked to do more.
"""

from __future__ import annotations

import click

from bot.cli.members import json_option, members
from bot.cli.output import emit_json, emit_table
from bot.cli.state import ConfigProblem, State, pass_state
from handlers.tiers import report as tier_report
from handlers.tiers.standing import current_ladder
from storage import audit
from storage import members as member_rows
from storage.tiers import queries as records
from surveys.ladder.rungs import Ladder, LadderError
from surveys.wording import plural


def _ladder(state: State) -> Ladder:
    try:
        return current_ladder(state.app.ctx)
    except LadderError as error:
        raise ConfigProblem(f"config error: {error}") from None


def _member(state: State, member_id: str) -> dict:
    row = member_rows.get(state.app.db, member_id)
    if row is None:
        raise click.ClickException(
            f"no member with id {member_id!r} (see: mutual-voice members list)"
        )
    if row["erased_at"]:
        raise click.ClickException(f"{member_id} was erased on {row['erased_at']}")
    return row


@click.group()
def tiers() -> None:
    """The ladder of involvement: who stands where, and who wants to do more."""


@tiers.command()
@json_option
@pass_state
def ladder(state: State, as_json: bool) -> None:
    """Show the ladder in use (checks a custom ladder file)."""
    rungs = _ladder(state)
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
    _ladder(state)
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


@members.command()
@click.argument("member_id")
@click.argument("role")
@click.option("--remove", is_flag=True, help="Take the role away instead.")
@pass_state
def role(state: State, member_id: str, role: str, remove: bool) -> None:
    """Give a member a formal role (e.g. council, representative, board, champion)."""
    known = _ladder(state).roles
    role = role.strip().lower()
    if role not in known:
        raise click.ClickException(
            f"unknown role {role!r}: the ladder's rules name {', '.join(known) or 'no roles'}"
        )
    _change(
        state,
        member_id,
        "role",
        role,
        remove,
        ("now holds", "already holds"),
        ("no longer holds", "did not hold"),
    )


@members.command()
@click.argument("member_id")
@click.argument("group")
@click.option("--remove", is_flag=True, help="Record that they left the group instead.")
@pass_state
def group(state: State, member_id: str, group: str, remove: bool) -> None:
    """Record that a member joined a group (task-and-finish, reference group, panel)."""
    name = " ".join(group.split())
    if not name or len(name) > 60:
        raise click.ClickException("the group name must be 1 to 60 characters")
    _change(
        state,
        member_id,
        "group",
        name,
        remove,
        ("has joined", "was already in"),
        ("has left", "was not in"),
    )


EDITS = {
    "role": (records.add_role, records.remove_role),
    "group": (records.add_group, records.remove_group),
}


def _change(
    state: State,
    member_id: str,
    kind: str,
    value: str,
    remove: bool,
    added: tuple[str, str],
    removed: tuple[str, str],
) -> None:
    """Add or remove a member's role or group, audit a real change, and say what happened."""
    row = _member(state, member_id)
    ctx = state.app.ctx
    add, take_away = EDITS[kind]
    if remove:
        changed = take_away(ctx.db, member_id, value)
        done, same = removed
    else:
        changed = add(ctx.db, member_id, value, ctx.now(), state.actor())
        done, same = added
    if changed:
        action = f"member.{kind}.remove" if remove else f"member.{kind}"
        audit.record(ctx.db, ctx.now(), state.actor(), action, member_id, **{kind: value})
    shown = repr(value) if kind == "group" else value
    click.echo(f"{row['name']} ({member_id}) {done if changed else same} the {kind} {shown}.")
