"""`mutual-voice members role` and `members group`: formal roles and groups on the ladder.

Plain commands: bot/cli/members.py adds them to its group, so the lazy loader that
imports that module for `members` finds them (and this module imports nothing of it).
"""

from __future__ import annotations

import click

from bot.cli.state import ConfigProblem, State, pass_state
from handlers.tiers.standing import current_ladder
from storage import audit
from storage import members as member_rows
from storage.tiers import queries as records
from surveys.ladder.rungs import Ladder, LadderError


def ladder_in_use(state: State) -> Ladder:
    """The ladder the config names; a bad ladder file is a config problem."""
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


@click.command()
@click.argument("member_id")
@click.argument("role")
@click.option("--remove", is_flag=True, help="Take the role away instead.")
@pass_state
def role(state: State, member_id: str, role: str, remove: bool) -> None:
    """Give a member a formal role (e.g. council, representative, board, champion)."""
    known = ladder_in_use(state).roles
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


@click.command()
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
