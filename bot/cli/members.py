"""`mutual-voice members ...`: the roster, invites, and members' own data."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import click

from bot.cli.member_roles import group, role
from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from bot.invites import batch as invite_batch
from bot.invites import files as invite_files
from handlers import i18n
from handlers.members import data as member_data
from handlers.members import invites as invite_service
from handlers.members import joining as joining_report
from handlers.members import roster
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


members.add_command(role)
members.add_command(group)


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
        for problem in report.problems + report.skipped:
            click.echo(f"{csv_file.name}: {problem}", err=True)
        if report.applied:
            skipped = "".join(
                f", skipped {plural(len(rows), what)}"
                for rows, what in ((report.problems, "bad row"), (report.skipped, "erased member"))
                if rows
            )
            click.echo(f"Imported {plural(report.imported, 'member')}{skipped}.")
            _untranslated(state, report.languages)
    if not report.applied:
        them = "it" if len(report.problems) == 1 else "them"
        raise click.ClickException(
            f"{plural(len(report.problems), 'bad row')}: nothing was imported "
            f"(fix {them}, or use --skip-bad to import the good rows)"
        )


def _untranslated(state: State, imported: frozenset[str]) -> None:
    """Say which languages of the members just imported have no catalogue yet, and what
    those members read."""
    ctx = state.app.ctx
    lacking = sorted(t for t in imported if not i18n.supported(t))
    if lacking:
        click.echo(
            f"No words yet for {', '.join(lacking)}: those members read "
            f"{i18n.language_of(ctx, None)} (see docs/officer-guide/languages.md)."
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


def _age(ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    if value is None:
        return None
    try:
        return invite_batch.parse_age(value)
    except invite_batch.OptionError as error:
        raise click.BadParameter(str(error)) from None


@members.command()
@click.option("--member", "member_ids", multiple=True, help="Only this member (repeatable).")
@click.option(
    "--constituency",
    "constituencies",
    multiple=True,
    help="Members of this group not yet connected (repeatable; default: the groups that "
    "join by Telegram or WhatsApp, everyone not in Slack).",
)
@click.option("--not-joined", is_flag=True, help="Only members not connected yet.")
@click.option(
    "--older-than",
    callback=_age,
    metavar="AGE",
    help="Only members whose last invite is at least this old, e.g. 14d (for reminders).",
)
@click.option(
    "--letters",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a PDF with one letter per member, ready to print.",
)
@click.option(
    "--qr-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one QR code PNG per member, and invites.csv, to this folder.",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Do not ask before stopping earlier unused invites (for scripts).",
)
@json_option
@pass_state
def invite(
    state: State,
    member_ids: tuple[str, ...],
    constituencies: tuple[str, ...],
    not_joined: bool,
    older_than: timedelta | None,
    letters: Path | None,
    qr_dir: Path | None,
    yes: bool,
    as_json: bool,
) -> None:
    """One-time join links: each revokes the member's earlier unused links.

    By default, for members not yet connected whose group joins by Telegram. If some of
    them hold a link not yet used, it says how many stop working and asks first.
    """
    app = state.app
    if letters and qr_dir:
        raise click.UsageError("choose --letters or --qr-dir, not both")
    options = invite_batch.Options(
        member_ids,
        constituencies,
        not_joined,
        older_than,
        invite_batch.LETTERS if letters else invite_batch.QR_CODES if qr_dir else "",
    )
    if invite_batch.join_link_missing(app):
        asyncio.run(invite_batch.learn_join_link(app))
    try:
        if letters:
            invite_files.check_pdf_path(letters)
        if qr_dir:
            invite_files.check_qr_dir(qr_dir)
        batch = invite_batch.prepare(app, options)
    except invite_batch.OptionError as error:
        raise click.BadParameter(str(error), param_hint=error.option) from None
    except (invite_service.InviteError, invite_files.InviteFileError) as error:
        raise click.ClickException(str(error)) from None
    issued, head = batch.invites, batch.head
    if not issued:
        click.echo(invite_batch.nobody(options), err=as_json)
        if as_json:
            emit_json([])
        return
    live = invite_service.still_live(app.ctx, [i.member_id for i in issued])
    if live:
        click.echo(invite_service.replacing(live), err=as_json)
        if not yes:  # a script without --yes (no answer on stdin) stops here: nothing issued
            click.confirm(f"Issue {plural(len(issued), 'new invite')}?", abort=True, err=True)

    def commit() -> None:
        invite_service.record(app.ctx, issued, state.actor())

    if letters and head:
        invite_files.write_letter_file(issued, head, letters, commit)
    elif qr_dir:
        invite_files.write_qr_folder(issued, qr_dir, commit)
    else:
        commit()
    if as_json:
        emit_json([i.to_dict() for i in issued])
        return
    until = f"valid until {issued[0].expires_at:%d %b %Y %H:%M} UTC"
    if letters:
        click.echo(f"Wrote {plural(len(issued), 'letter')} to {letters} ({until}).")
        return
    if qr_dir:
        click.echo(f"Wrote {plural(len(issued), 'QR code')} and invites.csv to {qr_dir} ({until}).")
        return
    for item in issued:
        link = item.link or f"send the bot: JOIN {item.code}"
        click.echo(f"{item.member_id}\t{item.name}\t{link}")
    click.echo(f"{plural(len(issued), 'invite')}, {until}.")
    if not state.app.ctx.join_links:
        click.echo("Tip: set telegram.bot_username in the config to print t.me join links.")


@members.command()
@json_option
@pass_state
def joining(state: State, as_json: bool) -> None:
    """Who has joined: per group, and per member when invited and joined and how they are
    reached (chat apps, SMS, e-mail, or a letter only, with any that stopped and why)."""
    report = joining_report.build(state.app.ctx)
    if as_json:
        emit_json(report.to_dict())
        return
    emit_table(
        [{k: str(v) for k, v in vars(row).items()} for row in report.groups],  # 0 shows as 0
        [
            "constituency",
            "members",
            "invited",
            "joined",
            "waiting",
            "expired",
            "never_invited",
            "letter_only",
        ],
        "No members yet. Import a roster: mutual-voice members import roster.csv",
    )
    if report.members:
        click.echo()
        emit_table(
            [
                {**vars(row), "invited": _minute(row.invited), "joined": _minute(row.joined)}
                for row in report.members
            ],
            ["member_id", "name", "constituency", "status", "invited", "joined", "reach"],
            "",
        )


def _minute(stamp: str) -> str:
    """An ISO time as the officer reads it: 2026-12-02 12:55 (UTC)."""
    return stamp[:16].replace("T", " ")


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
    """Print what is held about a member, as JSON.

    It leaves out what could tell who sent an anonymous suggestion (listed under
    "left_out", with why); the member gets all of it by sending /mydata to the bot.
    """
    _existing(state, member_id)
    emit_json(member_data.export(state.app.ctx, member_id, state.actor()))


def _confirmed(question: str) -> bool:
    """The answer to a yes/no question; no answer (a pipe that ended, Ctrl-D) is no."""
    try:
        return click.confirm(question)
    except click.Abort:
        click.echo(err=True)
        return False


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
    if not yes and not _confirmed(f"Erase {row['name']} ({member_id})? This cannot be undone"):
        raise click.ClickException(
            f"{member_id} was not erased (to erase without being asked, as in a script, add --yes)"
        )
    member_data.erase(state.app.ctx, member_id, state.actor())
    click.echo(
        f"Erased {member_id}: personal data and connections removed; anonymous results kept."
    )
