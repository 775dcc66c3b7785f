"""`mutual-voice count FILE.blt` and `vote ballots ID --blt`: anyone can recount a closed vote."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from handlers.context import system_clock
from surveys.votes.tally import count_irv
from tests.bot.test_vote_cli import mv
from tests.handlers.votes.test_votes import Kit
from tests.helpers import make_context
from tests.surveys.votes.test_tally_stv import DROOP_SC_STAGES, SC_BLT, parse_blt

MEMBERS = [f"m{n}" for n in range(1, 10)]
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Member {m},,tenant\n" for m in MEMBERS
)
BOARD = """
id = "board"
title = "Board election"
explanation = "Two seats on the board."
method = "{method}"
{seats}
closes = 2099-03-14T17:00:00
[[options]]
name = "Amber"
[[options]]
name = "Birch"
[[options]]
name = "Cedar"
[[options]]
name = "Dara"
"""
RANKINGS = [
    ("Amber", "Birch"),
    ("Amber", "Cedar", "Dara"),
    ("Amber", "Birch", "Cedar", "Dara"),
    ("Amber",),
    ("Birch", "Amber"),
    ("Cedar", "Dara", "Birch"),
    ("Cedar", "Birch"),
    ("Dara", "Cedar"),
    ("Dara", "Birch", "Amber"),
]


def _moving(stages: list[dict]) -> list[tuple]:
    """The stages that move votes, as the reference fixture lists them."""
    return [
        (
            s["action"],
            s["candidate"],
            {c: Decimal(v) for c, v in s["votes"].items() if Decimal(v)},
            Decimal(s["non_transferable"]),
            Decimal(s["rounding_loss"]),
        )
        for s in stages
        if s["number"] == 1 or s["transfers"]
    ]


def test_counting_sc_blt_gives_droops_reference_stages_and_the_same_elected(tmp_path):
    (tmp_path / "SC.blt").write_text(SC_BLT)
    counted = mv("count", str(tmp_path / "SC.blt"), "--method", "stv", "--json")
    assert counted.exit_code == 0, counted.output
    result = json.loads(counted.output)
    assert _moving(result["stages"]) == [
        (action, who, {c: Decimal(v) for c, v in votes.items()}, Decimal(nt), Decimal(lost))
        for action, who, votes, nt, lost in DROOP_SC_STAGES
    ]
    assert result["elected"] == ["Rebecca Rotzler", "Pat LaMarche", "Steve Kramer", "Tom Sevigny"]
    assert (result["quota"], result["valid"]) == (19, 94)

    table = mv("count", str(tmp_path / "SC.blt")).output
    lines = table.splitlines()
    assert lines[0] == "GPUS Steering Committee Election 2005-07-24: Scottish STV, 4 seats"
    assert lines[1].split()[:3] == ["stage", "1", "2"]
    assert lines[3].split() == [
        "Budd",
        "Dickinson",
        "6",
        "6.84848",
        "7.80300",
        *lines[3].split()[5:],
    ]
    assert "Elected: Rebecca Rotzler, Pat LaMarche, Steve Kramer, Tom Sevigny." in lines


def test_instant_runoff_counts_one_seat(tmp_path):
    (tmp_path / "SC.blt").write_text(SC_BLT)
    counted = mv("count", str(tmp_path / "SC.blt"), "--method", "irv", "--seats", "1")
    assert counted.exit_code == 0, counted.output
    assert counted.output.splitlines()[1].split()[:2] == ["round", "1"]
    names, _, ballots = parse_blt(SC_BLT)
    winner = count_irv(ballots, names, seed="GPUS Steering Committee Election 2005-07-24").winner
    assert f"{winner} wins with" in counted.output.splitlines()[-1]
    refused = mv("count", str(tmp_path / "SC.blt"), "--method", "irv")
    assert refused.exit_code == 2
    assert "instant-runoff fills one seat, and this count is for 4" in refused.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('2 1\n1 1 3 0\n0\n"A"\n"B"\n', "line 2: there is no candidate 3 (they are 1 to 2)"),
        ("nine 1\n", "line 1: expected the number of candidates and of seats, found 'nine 1'"),
    ],
)
def test_a_bad_blt_file_is_one_line_and_exit_status_2(tmp_path, text, message):
    (tmp_path / "bad.blt").write_text(text)
    counted = mv("count", str(tmp_path / "bad.blt"))
    assert counted.exit_code == 2
    assert counted.output == f"mutual-voice: {tmp_path / 'bad.blt'}: {message}\n"


def test_a_missing_file_is_one_line(tmp_path):
    counted = mv("count", str(tmp_path / "nope.blt"))
    assert counted.exit_code == 2 and counted.output.count("\n") == 1
    assert "nope.blt: cannot read it" in counted.output


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    (tmp_path / "roster.csv").write_text(ROSTER)
    assert mv("init").exit_code == 0
    assert mv("members", "import", "roster.csv").exit_code == 0
    return tmp_path


@pytest.mark.parametrize(("method", "seats"), [("stv", "seats = 2"), ("irv", "")])
def test_a_closed_vote_exported_as_blt_counts_to_its_own_result(folder, method, seats):
    (folder / "board.toml").write_text(BOARD.format(method=method, seats=seats))
    assert mv("vote", "create", "board.toml").exit_code == 0
    assert mv("vote", "open", "board").exit_code == 0
    ctx = make_context(path=folder / "mutual-voice.db")
    ctx.clock = system_clock
    kit = Kit(ctx, roster="", linked=MEMBERS)
    for member, ranking in zip(MEMBERS, RANKINGS, strict=True):
        done = ("Done",) if len(ranking) < 4 else ()  # a full ranking asks to confirm at once
        kit.vote(member, "board", *ranking, *done)
    ctx.db.close()
    early = mv("vote", "ballots", "board", "--blt")
    assert early.exit_code == 1 and "published only after it closes" in early.output
    assert mv("vote", "close", "board", "--yes").exit_code == 0

    exported = mv("vote", "ballots", "board", "--blt").output
    assert exported.splitlines()[0] == f"4 {2 if method == 'stv' else 1}"
    assert exported.splitlines()[-5:] == ['"Amber"', '"Birch"', '"Cedar"', '"Dara"', '"board"']
    (folder / "board.blt").write_text(exported)
    recount = json.loads(mv("count", "board.blt", "--method", method, "--json").output)
    own = json.loads(mv("vote", "results", "board", "--json").output)["count"]
    assert {
        k: v for k, v in recount.items() if k not in ("title", "withdrawn", "for_withdrawn")
    } == own
    assert own["ballots"] == len(RANKINGS)


def test_only_ranked_votes_export_as_blt(folder):
    from tests.bot.test_vote_cli import AGM

    (folder / "agm.toml").write_text(AGM)
    mv("vote", "create", "agm.toml")
    mv("vote", "open", "agm")
    mv("vote", "close", "agm", "--yes")
    refused = mv("vote", "ballots", "agm", "--blt")
    assert refused.exit_code == 1
    assert "agm is a resolution: only ranked votes (irv, stv) export as BLT" in refused.output


def test_the_guide_documents_recounting_and_how_secrecy_is_kept():
    from tests.bot.test_vote_cli import ROOT

    guide = (ROOT / "docs" / "officer-guide" / "votes.md").read_text()
    assert "mutual-voice vote ballots VOTE_ID --blt" in guide
    assert "mutual-voice count FILE.blt" in guide and "/PRIVACY.md)" in guide
    privacy = (ROOT / "PRIVACY.md").read_text()
    assert privacy.startswith("# How secrecy is kept")
    assert "## While a round or vote is open" in privacy and "## At close" in privacy
    assert "## What is not protected" in privacy


def test_a_real_world_file_counts_as_its_strict_form(tmp_path):
    from tests.surveys.votes import test_blt_quirks as quirks

    messy = quirks.strict()
    for quirk in (quirks.weights, quirks.withdrawn, quirks.unquoted, quirks.spaces_and_blank_lines):
        messy = quirk(messy)
    (tmp_path / "strict.blt").write_text(quirks.strict(), encoding="utf-8")
    (tmp_path / "messy.blt").write_bytes(quirks.no_final_newline(messy).encode("utf-8"))
    strict = mv("count", str(tmp_path / "strict.blt"), "--json")
    counted = mv("count", str(tmp_path / "messy.blt"), "--json")
    assert strict.exit_code == counted.exit_code == 0, counted.output
    assert json.loads(counted.output) == {
        **json.loads(strict.output),
        "withdrawn": ["Elm Withdrew"],
    }
    table = mv("count", str(tmp_path / "messy.blt")).output
    assert table.startswith(
        "Riverside board 2026: Scottish STV, 2 seats\nWithdrawn: Elm Withdrew."
    )
