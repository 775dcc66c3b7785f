"""`mutual-voice survey ...`: pulse surveys for the engagement officer.

`send` only writes rows (the round, the invitations in the outbox); the running bot
delivers them. `--follow` watches that delivery.
"""

from __future__ import annotations

import contextlib
import sys
import time
from datetime import timedelta

import click

from bot import demo
from bot.adapters.sms import estimate as sms_estimate
from bot.adapters.whatsapp import limits as whatsapp_limits
from bot.cli.output import emit_json, emit_table
from bot.cli.state import State, pass_state
from handlers import i18n
from handlers.context import Context
from handlers.messages import unquoted
from handlers.pulses import admin as pulse_admin
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses.questions import closing_time
from handlers.pulses.results import NoSuchRound, find_round, render, results_of
from handlers.quiet_hours import quiet_until
from storage import outbox
from storage.pulses import queries as pulses
from surveys.pulses.definitions import DefinitionError
from surveys.wording import lacking, plural

POLL_SECONDS = 1.0
DONE = ("sent", "failed", "unreachable")
# A running bot's senders beat every few seconds; this long without one, none is running.
SENDER_SILENCE = timedelta(seconds=30)
NO_BOT = (
    "\nNo bot is running, so nothing is being delivered: the invitations wait in the "
    "outbox. Start the bot with: mutual-voice run"
)
CONSOLE_ONLY = (
    "Only the console bot is running: it delivers to the member it speaks as; the others "
    "get theirs when you speak as them (mutual-voice run --as MEMBER_ID)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def survey() -> None:
    """Pulse surveys: list them, send a round, close it, read the results."""


@survey.command(name="list")
@json_option
@pass_state
def list_(state: State, as_json: bool) -> None:
    """Surveys (built-in and your folder) and their rounds, with response counts."""
    rows = pulse_admin.surveys(state.app.ctx)
    if as_json:
        emit_json(rows)
        return
    table = []
    for row in rows:
        latest = row["rounds"][-1] if row["rounds"] else None
        table.append(
            {
                "survey": row["id"],
                "title": row["title"],
                "audience": ", ".join(row.get("audience", [])),
                "schedule": row.get("schedule") or "by hand",
                "rounds": len(row["rounds"]) or "-",
                "latest": latest
                and f"{latest['number']}: {latest['status']}, "
                f"{latest['respondents']} of {latest['eligible']} answered",
            }
        )
    emit_table(
        table, ["survey", "title", "audience", "schedule", "rounds", "latest"], "No surveys."
    )


@survey.command()
@click.argument("survey_id")
@click.option("--follow", is_flag=True, help="Show delivery progress until it is done.")
@pass_state
def send(state: State, survey_id: str, follow: bool) -> None:
    """Open a round of SURVEY_ID now and queue the invitations."""
    app = state.app
    ctx = app.ctx
    try:
        with ctx.db.atomic():
            round_row, invitations = pulse_admin.send_now(ctx, survey_id, state.actor())
            report = app.postman.post(invitations)
    except pulse_admin.PulseError as error:
        raise click.ClickException(str(error)) from None
    definition = pulse_admin.definition(ctx, survey_id)
    eligible = sum(pulses.turnout(ctx.db, round_row)[1].values())
    click.echo(
        f"Opened round {round_row['number']} of {survey_id} ({definition.title}) for "
        f"{plural(eligible, 'member')}, open until {closing_time(ctx, round_row)}."
    )
    click.echo(f"Queued {plural(report.queued, 'invitation')}; the running bot delivers them.")
    waiting = pulses.not_joined(ctx.db, round_row["id"])
    if waiting:
        click.echo(
            f"{plural(waiting, 'member')} {'has' if waiting == 1 else 'have'} not joined yet: they get it if they join before it "
            "closes (invite them: mutual-voice members invite)."
        )
    policy = ctx.policy
    morning = quiet_until(ctx.now(), None, policy.quiet_hours, policy.organisation.timezone)
    if morning is not None and report.queued:
        click.echo(f"It is quiet hours: invitations wait until {morning:%H:%M}.")
    reach = whatsapp_limits.broadcast_line(app.settings, ctx.db, ctx.now())
    if reach and report.queued:
        click.echo(reach)
    texts = sms_estimate.broadcast_line(app.settings, ctx.db)
    if texts and report.queued:
        click.echo(texts)
    if follow and report.queued:
        _follow(ctx, round_row["id"], report.queued)


def _follow(ctx: Context, round_id: int, total: int) -> None:
    """Delivery of the round's invitations as it happens, with the figure: a bar on a
    terminal, else a line at each change ("Delivered 40 of 120"), for a log or a pipe."""
    live = outbox.live_senders(ctx.db, ctx.now() - SENDER_SILENCE)
    if not live:
        click.echo(NO_BOT)
        return
    click.echo("Watching delivery (Ctrl-C stops watching; delivery carries on).")
    if live == [demo.CONSOLE]:
        click.echo(CONSOLE_ONLY)
    bar = click.progressbar(length=total, label="Delivered", show_pos=True)
    terminal = sys.stdout.isatty()
    shown = -1
    try:
        with bar if terminal else contextlib.nullcontext(bar):
            while True:
                progress = pulses.invitation_progress(ctx.db, round_id)
                if not progress:
                    break  # the round was closed meanwhile
                done = sum(progress.get(status, 0) for status in DONE)
                if terminal:
                    bar.update(done - bar.pos)
                elif done != shown:
                    click.echo(f"Delivered {done} of {total}")
                    shown = done
                if done >= total:
                    break
                if not outbox.live_senders(ctx.db, ctx.now() - SENDER_SILENCE):
                    click.echo(NO_BOT)
                    return
                time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        click.echo("\nStopped watching; delivery carries on.")
        return
    progress = pulses.invitation_progress(ctx.db, round_id)
    failed = sum(progress.get(s, 0) for s in ("failed", "unreachable"))
    click.echo(
        f"{progress.get('sent', 0)} delivered" + (f", {failed} could not be." if failed else ".")
    )


@survey.command()
@pass_state
def check(state: State) -> None:
    """Check every survey file, and list the translations members would miss."""
    ctx = state.app.ctx
    try:
        definitions = pulse_definitions.load(ctx)
    except DefinitionError as error:
        raise click.ClickException(str(error)) from None
    languages = ", ".join(i18n.readers(ctx))
    valid = "is valid" if len(definitions) == 1 else "are valid"
    click.echo(f"{plural(len(definitions), 'survey')} {valid}. Members read: {languages}.")
    for survey_id, definition in sorted(definitions.items()):
        gaps = i18n.missing(ctx, definition)
        if not gaps:
            click.echo(f"{survey_id}: every text is translated.")
            continue
        click.echo(f"{survey_id} ({definition.source}): {lacking(len(gaps))}:")
        for gap in gaps:
            click.echo(f"  {gap}")


@survey.command()
@click.argument("survey_id")
@pass_state
def close(state: State, survey_id: str) -> None:
    """Close the open round of SURVEY_ID now (its answers stay; late answers are refused)."""
    try:
        current = pulse_admin.close_now(state.app.ctx, survey_id, state.actor())
    except pulse_admin.PulseError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Closed round {current['number']} of {survey_id}.")


@survey.command()
@click.argument("survey_id")
@click.option("--round", "number", type=int, help="Round number (default: the latest).")
@json_option
@pass_state
def results(state: State, survey_id: str, number: int | None, as_json: bool) -> None:
    """Results of a round; small groups and few comments are hidden, with the reason."""
    ctx = state.app.ctx
    try:
        round_row = find_round(ctx, survey_id, number)
    except NoSuchRound as error:
        raise click.ClickException(str(error)) from None
    found = results_of(ctx, round_row)
    if as_json:
        emit_json(
            {
                **found.to_dict(),
                "turnout_by_channel": pulses.channel_turnout(ctx.db, round_row),
                "round": pulse_admin.round_summary(ctx, round_row),
            }
        )
    else:
        click.echo(unquoted(render(ctx, round_row, found)))
