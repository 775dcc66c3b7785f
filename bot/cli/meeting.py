"""`mutual-voice meeting ...`: general meetings run by the society's rules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state
from handlers.meetings import admin
from surveys.meetings.definitions import MeetingError, load_meeting_file


@click.group()
def meeting() -> None:
    """General meetings: create one by the society's rules (fixing its roll), and show it."""


@meeting.command()
@click.argument("toml_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def create(state: State, toml_file: Path, as_json: bool) -> None:
    """Create a meeting from a TOML file (see examples/meeting-agm.toml) and fix its roll."""
    ctx = state.app.ctx
    try:
        found = load_meeting_file(toml_file, ctx.policy.organisation.timezone)
        shown = admin.create_meeting(ctx, found, state.actor())
    except MeetingError as error:
        raise click.ClickException(str(error)) from None
    except admin.MeetingProblem as error:
        raise click.ClickException(f"{toml_file}: {error}") from None
    if as_json:
        emit_json(shown)
        return
    click.echo(f"Created meeting {shown['meeting']}; its roll is fixed on the notice date.")
    for line in admin.describe(shown):
        click.echo(line)


@meeting.command()
@click.argument("meeting_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the roll's member ids).")
@pass_state
def show(state: State, meeting_id: str, as_json: bool) -> None:
    """Show a meeting: when and where, notice, the roll, the quorum and the agenda."""
    try:
        shown = admin.show(state.app.ctx, meeting_id)
    except admin.MeetingProblem as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(shown)
        return
    for line in admin.describe(shown):
        click.echo(line)


@meeting.command()
@click.argument("meeting_id")
@click.option("--open", "open_", is_flag=True, help="Open nominations for the rules' period.")
@click.option("--close", is_flag=True, help="Close nominations now, before their time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def nominations(state: State, meeting_id: str, open_: bool, close: bool, as_json: bool) -> None:
    """Nominations for the meeting's seats: open them (members are told and stand with
    /nominate in chat), close them early, or show where they stand."""
    from handlers.meetings import nominations as nominating

    if open_ and close:
        raise click.UsageError("give --open or --close, not both")
    app = state.app
    told = 0
    try:
        if open_:
            _period, notices = nominating.open_nominations(app.ctx, meeting_id, state.actor())
            told = len(sent := list(notices))
            app.postman.post(sent)
        elif close:
            app.postman.post(nominating.close_nominations(app.ctx, meeting_id, state.actor()))
        shown = nominating.candidates(app.ctx, meeting_id)
    except nominating.NominationProblem as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(shown)
        return
    if open_:
        click.echo(
            f"Nominations for {meeting_id} are open until {shown['closes_at']}; "
            f"{told} members who may stand are told."
        )
    for line in nominating.describe(shown):
        click.echo(line)


@meeting.command()
@click.argument("meeting_id")
@click.option("--confirm", "confirm", metavar="MEMBER", help="Confirm MEMBER as a candidate.")
@click.option("--reject", "reject", metavar="MEMBER", help="Reject MEMBER's nomination.")
@click.option("--reason", default="", help="Why a nomination is rejected (the member is told).")
@click.option("--seat", default=None, help="The seat, if MEMBER is nominated for more than one.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the statements).")
@pass_state
def candidates(
    state: State,
    meeting_id: str,
    confirm: str | None,
    reject: str | None,
    reason: str,
    seat: str | None,
    as_json: bool,
) -> None:
    """The nominations for each seat; once nominations close, confirm or reject each."""
    from handlers.meetings import nominations as nominating

    if confirm and reject:
        raise click.UsageError("give --confirm or --reject, not both")
    app = state.app
    try:
        if confirm or reject:
            member = confirm or reject
            assert member is not None
            app.postman.post(
                nominating.decide(
                    app.ctx, meeting_id, member, seat, bool(confirm), state.actor(), reason
                )
            )
            click.echo(f"{'Confirmed' if confirm else 'Rejected'} {member}; they are told.")
        shown = nominating.candidates(app.ctx, meeting_id)
    except nominating.NominationProblem as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(shown)
        return
    for line in nominating.describe(shown):
        click.echo(line)


@meeting.command()
@click.argument("meeting_id")
@click.option("--seat", required=True, help="The seat to elect (its id in the meeting file).")
@click.option(
    "--opens",
    default=None,
    help="When voting opens, e.g. 2027-03-01T09:00 (else: now, by vote open).",
)
@click.option("--closes", required=True, help="When voting closes, e.g. 2027-03-18T17:00.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def election(
    state: State, meeting_id: str, seat: str, opens: str | None, closes: str, as_json: bool
) -> None:
    """Create the seat's election: a vote by the rules' method with the confirmed
    candidates and their statements, announced to the seat's electorate when it opens."""
    from handlers.meetings import nominations as nominating

    app = state.app
    zone = app.ctx.policy.organisation.timezone
    try:
        vote = nominating.create_election(
            app.ctx,
            meeting_id,
            seat,
            _moment(opens, "--opens", zone) if opens else None,
            _moment(closes, "--closes", zone),
            state.actor(),
        )
    except nominating.NominationProblem as error:
        raise click.ClickException(str(error)) from None
    d = vote.definition
    shown = {
        "vote": vote.id,
        "meeting": d.meeting,
        "method": d.method,
        "seats": d.seats,
        "candidates": [o.name for o in d.options],
        "constituencies": list(d.constituencies),
        "opens": d.opens.isoformat() if d.opens else None,
        "closes": d.closes.isoformat(),
    }
    if as_json:
        emit_json(shown)
        return
    opening = (
        f"opens {d.opens:%Y-%m-%d %H:%M}"
        if d.opens
        else f"opens on: mutual-voice vote open {vote.id}"
    )
    click.echo(
        f"Created vote {vote.id}: {d.method} for {d.seats} of {len(d.options)} candidates "
        f"({', '.join(shown['candidates'])}); {opening}, closes {d.closes:%Y-%m-%d %H:%M}. "
        "The candidates and their statements go to the electorate when it opens."
    )


def _moment(text: str, option: str, zone: str) -> datetime:
    """A date and time; without a UTC offset it is in the organisation's time zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date and time like 2027-03-18T17:00", param_hint=option
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
