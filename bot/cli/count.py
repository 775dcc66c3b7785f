"""`mutual-voice count FILE.blt`: count any ranked ballots in BLT format by our own rules.

So anyone can recount a closed vote (exported with `vote ballots ID --blt`), or check
our counting against another program's on the same file. Needs no config or database.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click
from tabulate import tabulate

from bot.cli.output import emit_json
from bot.cli.state import ConfigProblem
from surveys.votes.tally import IrvResult, StvResult, blt, count_irv, count_stv
from surveys.wording import plural

METHODS = {"stv": "Scottish STV", "irv": "instant-runoff"}


@click.command()
@click.argument("blt_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--method",
    type=click.Choice(sorted(METHODS)),
    default="stv",
    show_default=True,
    help="Single transferable vote (Scottish rules) or instant-runoff (one seat).",
)
@click.option("--seats", type=int, help="Seats to fill (default: what the file says).")
@click.option(
    "--seed",
    help="What the lot that settles a last tie is drawn from (default: the file's title; "
    "files from `vote ballots --blt` carry the vote's id there, as its count did).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def count(blt_file: Path, method: str, seats: int | None, seed: str | None, as_json: bool) -> None:
    """Count the ranked ballots of a BLT file, stage by stage."""
    election = _read(blt_file)
    seats = election.seats if seats is None else seats
    if seats < 1:
        raise ConfigProblem(f"--seats: {seats} is not a number of seats (from 1)")
    if method == "irv" and seats != 1:
        raise ConfigProblem(
            f"{blt_file}: instant-runoff fills one seat, and this count is for {seats} "
            "(use --method stv, or --seats 1)"
        )
    lot = election.title if seed is None else seed
    if method == "irv":
        result: StvResult | IrvResult = count_irv(
            election.expanded(), election.candidates, seed=lot
        )
    else:
        result = count_stv(election.expanded(), election.candidates, seats, seed=lot)
    if as_json:
        emit_json(
            {
                "title": election.title,
                "withdrawn": list(election.withdrawn),
                "for_withdrawn": election.for_withdrawn,
                **result.to_dict(),
            }
        )
        return
    click.echo(f"{election.title or blt_file.name}: {METHODS[method]}, {plural(seats, 'seat')}")
    if election.withdrawn:
        them = (
            f" {plural(election.for_withdrawn, 'ballot')} ranked no one else, so "
            f"{'it is' if election.for_withdrawn == 1 else 'they are'} not counted."
            if election.for_withdrawn
            else ""
        )
        click.echo(f"Withdrawn: {', '.join(election.withdrawn)}.{them}")
    click.echo(_table(result))
    click.echo()
    for line in result.explain():
        click.echo(line)


def _read(path: Path) -> blt.Election:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not a UTF-8 text file"
        raise ConfigProblem(f"{path}: cannot read it ({reason})") from None
    try:
        return blt.parse(text)
    except blt.BltError as error:
        raise ConfigProblem(f"{path}: {error}") from None


def _table(result: StvResult | IrvResult) -> str:
    """Candidates down the side, one column per stage (or round) of the count."""
    if isinstance(result, IrvResult):
        stages = [(r.number, r.votes, {"exhausted": r.exhausted}) for r in result.rounds]
        heading = "round"
    else:
        stages = [
            (
                s.number,
                s.votes,
                {"non-transferable": s.non_transferable, "lost to rounding": s.rounding_loss},
            )
            for s in result.stages
        ]
        heading = "stage"
    if not stages:
        return "No valid ballots: nothing to count."
    extra = list(stages[0][2])
    rows = [
        [name, *(_number(votes.get(name)) for _, votes, _ in stages)] for name in result.candidates
    ]
    rows += [[name, *(_number(more[name]) for _, _, more in stages)] for name in extra]
    return tabulate(
        rows,
        headers=[heading, *(str(number) for number, _, _ in stages)],
        disable_numparse=True,
        colalign=("left", *("right" for _ in stages)),
    )


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.5f}"
