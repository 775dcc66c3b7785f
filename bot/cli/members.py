"""`mutual-voice members ...`: the roster, invites, and members' own data."""

from __future__ import annotations

import io

import click

from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from handlers import invites as invite_service
from handlers import member_data, roster
from storage import members as member_rows
from surveys.wording import plural

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _existing(state: State, member_id: str) -> dict:
    try:
        return member_data.existing(state.app.ctx, member_id)
    except member_data.NoSuchMember as error:
        raise click.ClickException(str(error)) from None


@click.group()
def members() -> None:
    """The roster: import, list, invite, export and erase members."""


@members.command(name="import")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are bad.")
@json_option
@pass_state
def import_(state: State, csv_file, skip_bad: bool, as_json: bool) -> None:  # noqa: ANN001
    """Import or update members from CSV (member_id,name,email,constituency[,...])."""
    try:
        text = roster.decode(csv_file.read())
        report = roster.import_roster(state.app.ctx, io.StringIO(text), skip_bad, state.actor())
    except roster.RosterError as error:
        raise click.ClickException(f"{csv_file.name}: {error}") from None
    if as_json:
        emit_json(report.to_dict())
    else:
        for problem in report.problems:
            click.echo(f"{csv_file.name}: {problem}", err=True)
        if report.applied:
            skipped = (
                f", skipped {plural(len(report.problems), 'bad row')}" if report.problems else ""
            )
            click.echo(f"Imported {plural(report.imported, 'member')}{skipped}.")
    if not report.applied:
        raise click.ClickException(
            f"{plural(len(report.problems), 'bad row')}: nothing was imported "
            "(fix them, or use --skip-bad to import the good rows)"
        )


@members.command(name="list")
@json_option
@pass_state
def list_(state: State, as_json: bool) -> None:
    """List members and how they are connected."""
    rows = member_data.listing(state.app.ctx)
    if as_json:
        emit_json(rows)
    else:
        emit_table(
            rows,
            ["member_id", "name", "constituency", "platforms"],
            "No members yet. Import a roster: mutual-voice members import roster.csv",
        )


@members.command()
@click.argument("member_id")
@json_option
@pass_state
def show(state: State, member_id: str, as_json: bool) -> None:
    """Show one member."""
    row = _existing(state, member_id)
    row["status"] = "erased" if row["erased_at"] else "active"
    row["identities"] = member_rows.identities_of(state.app.db, member_id)
    if as_json:
        emit_json(row)
        return
    if row["erased_at"]:
        click.echo(
            f"{member_id} was erased on {row['erased_at'][:10]}: "
            "personal data and connections removed; anonymous results kept."
        )
    for key, value in row.items():
        if key != "identities":
            click.echo(f"{key}: {value if value is not None else ''}")
    for link in row["identities"]:
        state_note = (
            f" (unreachable: {link['unreachable_reason']})" if link["unreachable_at"] else ""
        )
        click.echo(f"connected: {link['platform']} since {link['linked_at']}{state_note}")


@members.command()
@click.option("--member", "member_ids", multiple=True, help="Only this member (repeatable).")
@json_option
@pass_state
def invite(state: State, member_ids: tuple[str, ...], as_json: bool) -> None:
    """One-time join links (for everyone not yet connected, or --member ID)."""
    app = state.app
    if app.settings.telegram.enabled and "telegram" not in app.ctx.join_links:
        from bot.adapters.telegram import learn_join_link  # imports PTB: only when needed

        learn_join_link(app)
    try:
        issued = invite_service.issue(app.ctx, list(member_ids), state.actor())
    except invite_service.InviteError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json([i.to_dict() for i in issued])
        return
    if not issued:
        click.echo("Everyone is already connected; nobody needs an invite.")
        return
    for item in issued:
        link = item.links.get("telegram") or f"send the bot: /start {item.token}"
        click.echo(f"{item.member_id}\t{item.name}\t{link}")
    click.echo(
        f"{plural(len(issued), 'invite')}, valid until {issued[0].expires_at:%d %b %Y %H:%M} UTC."
    )
    if "telegram" not in state.app.ctx.join_links:
        click.echo("Tip: set telegram.bot_username in the config to print t.me join links.")


@members.command()
@json_option
@pass_state
def unreachable(state: State, as_json: bool) -> None:
    """Members the bot can no longer reach (e.g. they blocked it)."""
    rows = member_rows.unreachable(state.app.db)
    if as_json:
        emit_json(rows)
    else:
        emit_table(
            rows,
            ["member_id", "name", "platform", "unreachable_at", "unreachable_reason"],
            "Every connected member is reachable.",
        )


@members.command()
@click.argument("member_id")
@pass_state
def export(state: State, member_id: str) -> None:
    """Print everything held about a member, as JSON."""
    _existing(state, member_id)
    emit_json(member_data.export(state.app.ctx, member_id, state.actor()))


@members.command()
@click.argument("member_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def erase(state: State, member_id: str, yes: bool) -> None:
    """Erase a member's personal data and connections (anonymous results stay)."""
    row = _existing(state, member_id)
    if row["erased_at"]:
        click.echo(f"{member_id} was already erased on {row['erased_at']}.")
        return
    if not yes:
        click.confirm(f"Erase {row['name']} ({member_id})? This cannot be undone", abort=True)
    member_data.erase(state.app.ctx, member_id, state.actor())
    click.echo(
        f"Erased {member_id}: personal data and connections removed; anonymous results kept."
    )
