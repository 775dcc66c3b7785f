"""`mutual-voice meeting ...`: general meetings run by the society's rules."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state
from handlers import i18n
from handlers.meetings import admin, proxies
from handlers.votes.state import load as load_vote
from storage import audit
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


def _instructions(given: tuple[str, ...]) -> dict[str, str]:
    told = {}
    for item in given:
        vote_id, sign, choice = item.partition("=")
        if not sign or not vote_id.strip() or not choice.strip():
            raise click.BadParameter(
                f"{item!r}: give an instruction as VOTE-ID=CHOICE, e.g. adopt-rules=For",
                param_hint="--instruction",
            )
        told[vote_id.strip()] = choice.strip()
    return told


@meeting.command()
@click.argument("meeting_id")
@click.option("--member", "member_id", required=True, help="The member (id) appointing.")
@click.option("--holder", help='Their proxy: another member\'s id, or "chair".')
@click.option(
    "--instruction",
    "instructions",
    multiple=True,
    metavar="VOTE-ID=CHOICE",
    help="How the proxy must vote in one of the meeting's votes (again for more).",
)
@click.option("--revoke", is_flag=True, help="Revoke the member's proxy instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def proxy(
    state: State,
    meeting_id: str,
    member_id: str,
    holder: str | None,
    instructions: tuple[str, ...],
    revoke: bool,
    as_json: bool,
) -> None:
    """Appoint a member's proxy (another member or the chair) by the rules, or revoke it."""
    ctx = state.app.ctx
    _ = i18n.for_organisation(ctx)
    if revoke == bool(holder):
        raise click.UsageError("give either --holder (to appoint) or --revoke")
    try:
        if revoke:
            proxies.revoke(ctx, meeting_id, member_id, state.actor(), _)
            done = {"meeting": meeting_id, "member": member_id, "revoked": True}
            text = f"{member_id}'s proxy for {meeting_id} is revoked."
        else:
            row = proxies.appoint(
                ctx, meeting_id, member_id, holder or "", _instructions(instructions),
                state.actor(), _,
            )  # fmt: skip
            done = {
                "meeting": meeting_id,
                "member": member_id,
                "holder": row["holder_id"] or proxies.CHAIR,
                "instructions": row["instructions"],
            }
            text = f"{member_id} appointed {proxies.name_of(ctx, row['holder_id'], _)} as their proxy for {meeting_id}" + (
                "; instructed: " + ", ".join(f"{v} {c}" for v, c in row["instructions"].items())
                if row["instructions"]
                else ""
            ) + "."  # fmt: skip
    except proxies.ProxyRefused as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(done)
    else:
        click.echo(text)


@meeting.command("proxy-vote")
@click.argument("meeting_id")
@click.option("--holder", required=True, help='The proxy: a member\'s id, or "chair".')
@click.option("--member", "member_id", required=True, help="The member they vote for.")
@click.option("--vote", "vote_id", required=True, help="The vote (one put to this meeting).")
@click.option(
    "--choice",
    "choices",
    multiple=True,
    required=True,
    help="The choice as the ballot names it (For, Against, a candidate); again in order "
    "of preference for a ranked vote.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def proxy_vote(
    state: State,
    meeting_id: str,
    holder: str,
    member_id: str,
    vote_id: str,
    choices: tuple[str, ...],
    as_json: bool,
) -> None:
    """Cast a represented member's ballot as their proxy (a teller entering the chair's
    proxies, or a holder's at the desk), sealed as any ballot."""
    ctx = state.app.ctx
    _ = i18n.for_organisation(ctx)
    vote = load_vote(ctx, vote_id)
    if vote is None or vote.definition.meeting != meeting_id:
        raise click.ClickException(f"no vote {vote_id!r} is put to meeting {meeting_id!r}")
    names = {name.lower(): n for n, name in enumerate(vote.definition.choices)}
    unknown = [c for c in choices if c.strip().lower() not in names]
    if unknown:
        raise click.BadParameter(
            f"{unknown[0]!r} is not on the ballot: {', '.join(vote.definition.choices)}",
            param_hint="--choice",
        )
    picks = [names[c.strip().lower()] for c in choices]
    try:
        outcome, receipt = proxies.cast_for(
            ctx, vote, None if holder == proxies.CHAIR else holder, member_id, picks, _
        )
    except proxies.ProxyRefused as error:
        raise click.ClickException(str(error)) from None
    audit.record(ctx.db, ctx.now(), state.actor(), "meeting.proxy_vote", meeting_id,
                 vote=vote.id, holder=holder)  # fmt: skip
    if as_json:
        emit_json({"vote": vote.id, "member": member_id, "outcome": outcome, "receipt": receipt})
    else:
        click.echo(
            f"{member_id}'s ballot in {vote.id} is cast by proxy ({outcome}); receipt {receipt}."
        )
