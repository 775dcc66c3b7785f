"""`mutual-voice meeting ...`: general meetings run by the society's rules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.cli.output import emit_json
from bot.cli.state import State, pass_state
from handlers import i18n
from handlers.meetings import admin, attendance, declaration, motions, proxies
from handlers.meetings import paper as paper_ballots
from handlers.meetings.notice import IN_PERSON, ONLINE, notices
from handlers.votes.state import load as load_vote
from storage import audit
from surveys.meetings.definitions import MeetingError, load_meeting_file
from surveys.toml_reader import load_toml
from surveys.votes.definitions import VoteDefinitionError
from surveys.wording import plural


@click.group()
def meeting() -> None:
    """General meetings by the society's rules: create one (roll and notice), show it
    live, check in, motions, nominations, paper ballots, the declaration."""


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
@click.argument("csv_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--teller", default="", help="The teller who entered this file.")
@click.option("--accept", "accept_teller", default="", help="Count this teller's entry as it is.")
@click.option("--discard", is_flag=True, help="Discard the entries waiting (enter them again).")
@click.option("--returning-officer", default="", help="Who accepts or discards entries.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def paper(
    state: State,
    meeting_id: str,
    csv_file: Path | None,
    teller: str,
    accept_teller: str,
    discard: bool,
    returning_officer: str,
    as_json: bool,
) -> None:
    """Enter paper or postal ballots (CSV: vote,member,choice,spoilt,origin) as a teller;
    counted once a second teller's entry agrees, or the returning officer --accept's one
    (or --discard's them all, to be entered again)."""
    ctx = state.app.ctx
    try:
        if discard:
            done = paper_ballots.discard(ctx, meeting_id, returning_officer)
        elif accept_teller:
            done = paper_ballots.accept(ctx, meeting_id, accept_teller, returning_officer)
        elif csv_file is None:
            raise click.UsageError("give the tellers' CSV file, or --accept TELLER")
        else:
            try:
                text = csv_file.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as error:
                raise click.ClickException(f"{csv_file}: cannot read: {error}") from None
            rows = paper_ballots.read_csv(ctx, meeting_id, text, str(csv_file))
            done = paper_ballots.enter(ctx, meeting_id, teller, rows)
    except admin.MeetingProblem as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(done)
    else:
        for line in paper_ballots.describe(done):
            click.echo(line)
    if done["status"] == "differ":
        raise SystemExit(1)


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
@click.option(
    "--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path), help="Write a PDF."
)
@click.option(
    "--markdown",
    "markdown_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write Markdown to this file (else it is printed).",
)
@click.option(
    "--returning-officer",
    default="",
    help="The returning officer: with --tell-members, they sign the declaration off.",
)
@click.option(
    "--tell-members",
    is_flag=True,
    help="Sign the declaration off (once) and send every member on the roll the results, "
    "in their language.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with who signed it off).")
@pass_state
def declare(
    state: State,
    meeting_id: str,
    pdf_file: Path | None,
    markdown_file: Path | None,
    returning_officer: str,
    tell_members: bool,
    as_json: bool,
) -> None:
    """The declaration of results for each election and resolution of the meeting: the
    electorate, turnout by origin, spoilt and refused ballots, results, STV stages; with
    --returning-officer NAME --tell-members, signed off and sent to the members."""
    app, ctx = state.app, state.app.ctx
    if tell_members and not returning_officer.strip():
        raise click.UsageError(
            "--tell-members: members are told the results when the returning officer signs "
            "the declaration off: name them with --returning-officer"
        )
    for target in (pdf_file, markdown_file):
        if target is not None and not target.parent.resolve().is_dir():
            raise click.ClickException(f"{target}: the folder {target.parent} does not exist")
    try:
        if tell_members:
            with ctx.db.atomic():  # signed off and the members' results queued together
                declared, told = declaration.sign_off(
                    ctx, meeting_id, returning_officer, state.actor(), attendance.recorded_quorum
                )
                declared["messages_queued"] = app.postman.post(told).queued
        else:
            declared = declaration.declare(
                ctx, meeting_id, returning_officer, quorum=attendance.recorded_quorum
            )
    except admin.MeetingProblem as error:
        raise click.ClickException(str(error)) from None
    if pdf_file is not None:
        from bot.cli.declaration_pdf import write_pdf  # fpdf only when a PDF is asked for

        write_pdf(declared, pdf_file)
    text = declaration.markdown(declared)
    if markdown_file is not None:
        markdown_file.write_text(text, encoding="utf-8")
    if as_json:
        emit_json(declared)
        return
    if markdown_file is None:
        click.echo(text, nl=False)
    if tell_members:
        signed = declared["signed_off"]
        click.echo(
            f"Signed off by {signed['by']} on {signed['when']}; "
            f"{plural(declared['messages_queued'], 'result message')} queued "
            "(members who can be reached, each once)."
        )


@meeting.command()
@click.argument("meeting_id")
@click.argument("toml_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def motion(state: State, meeting_id: str, toml_file: Path) -> None:
    """Put a resolution to the members checked in and those present by proxy, now (see
    examples/motion-new-rules.toml); refused while the meeting is not quorate. The chair
    closes it with `vote close`."""
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
    click.echo(
        f"{plural(report.queued, 'message')} sent in chat: a ballot to each member present, "
        "and to each proxy holder present the ballots they hold."
    )


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
    try:
        picks = proxies.picks_of(vote, choices)
    except proxies.ProxyRefused as error:
        raise click.BadParameter(str(error), param_hint="--choice") from None
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
