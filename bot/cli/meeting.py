"""`mutual-voice meeting ...`: general meetings run by the society's rules."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state
from handlers.meetings import admin, attendance, motions
from handlers.meetings.notice import IN_PERSON, ONLINE, notices
from surveys.meetings.definitions import MeetingError, load_meeting_file
from surveys.toml_reader import load_toml
from surveys.votes.definitions import VoteDefinitionError


@click.group()
def meeting() -> None:
    """General meetings: create one by the rules (roll and notice), show it live, check in, motions."""


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
    report = state.app.postman.post(notices(ctx, shown["meeting"]))
    if as_json:
        emit_json({**shown, "notices_queued": report.queued})
        return
    click.echo(f"Created meeting {shown['meeting']}; its roll is fixed on the notice date.")
    for line in admin.describe(shown):
        click.echo(line)
    click.echo(
        f"Notice queued to {report.queued:,} members on their channels"
        + (
            f" ({len(report.not_joined):,} not connected to the bot yet)."
            if report.not_joined
            else "."
        )
    )


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
    live = attendance.summary(state.app.ctx, meeting_id)
    if as_json:
        emit_json({**shown, **live})
        return
    for line in admin.describe(shown) + attendance.describe(live):
        click.echo(line)


@meeting.command()
@click.argument("meeting_id")
@click.option("--member", "member_id", help="The member's id on the roll.")
@click.option("--code", help="Or the code on the member's invite letter (its QR code).")
@click.option("--online", is_flag=True, help="They are joining online (default: in person).")
@pass_state
def checkin(
    state: State, meeting_id: str, member_id: str | None, code: str | None, online: bool
) -> None:
    """Check a member in at the meeting (a teller at the door); a second check-in is harmless."""
    ctx = state.app.ctx
    if bool(member_id) == bool(code):
        raise click.UsageError("give the member: --member ID or --code CODE (one of them)")
    if code:
        member_id = attendance.member_of_code(ctx, code)
        if member_id is None:
            raise click.ClickException("that code is not on any invite letter")
    assert member_id is not None
    how = ONLINE if online else IN_PERSON
    try:
        new, kept = attendance.check_in(ctx, meeting_id, member_id, how, state.actor())
    except attendance.CheckInProblem as error:
        raise click.ClickException(str(error)) from None
    words = attendance.HOW[kept]
    click.echo(
        f"Checked in {member_id} ({words})."
        if new
        else f"{member_id} was already checked in ({words})."
    )
    quorum = attendance.summary(ctx, meeting_id)["quorum"]
    click.echo(
        f"Quorum {'reached' if quorum['reached'] else 'not reached'}: "
        f"{quorum['present']:,} of {quorum['needed']:,} needed."
    )


@meeting.command()
@click.argument("meeting_id")
@click.argument("toml_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def motion(state: State, meeting_id: str, toml_file: Path) -> None:
    """Put a resolution to the members checked in, now (see examples/motion-new-rules.toml);
    refused while the meeting is not quorate. The chair closes it with `vote close`."""
    app = state.app
    ctx = app.ctx
    try:
        data = load_toml(toml_file, VoteDefinitionError)
        definition = motions.motion_file(ctx, meeting_id, data, str(toml_file))
        vote, ballots = motions.open_motion(ctx, meeting_id, definition, state.actor())
    except VoteDefinitionError as error:
        raise click.ClickException(str(error)) from None
    except motions.MotionProblem as error:
        raise click.ClickException(f"{toml_file}: {error}") from None
    report = app.postman.post(ballots)
    click.echo(motions.describe(ctx, vote))
    click.echo(f"{report.queued:,} ballots sent to members in chat.")
