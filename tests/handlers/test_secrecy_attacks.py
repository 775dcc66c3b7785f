"""The audit's attacks, played on the database file: after close they link no better than chance.

Six members vote (and answer) one after another in a known order, each in a way that
only they did, so that the test knows whose ballot (or comment) is whose. The attacks
read the file's raw pages (tests/sqlite_pages.py) and pair the N-th voter with the N-th
ballot by where their bytes sit, or by rowid, or by time. Before close they must link
all six (which shows the attack works); after close, over many closes, no better than
chance: a random pairing of six gets one right on average, so at most two on average.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter

from handlers.pulses.rounds import close as close_round
from handlers.votes.admin import close_vote
from storage import secrecy
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round
from tests.handlers.votes.test_votes import Kit, options
from tests.helpers import FakeClock, make_context
from tests.sqlite_pages import table_cells, written_order

MEMBERS = [f"m{n}" for n in range(1, 7)]
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Member {m},,tenant\n" for m in MEMBERS
)
RANKINGS = list(itertools.permutations(("Amber", "Birch", "Cedar")))  # six different ballots
TRIALS = 20  # chance pairs over 40 in about 1 of 30,000 tries of an attack


def _paired(voters: list[str], ballots: list[str], truth: dict[str, str]) -> int:
    """How many members the N-th voter / N-th ballot pairing gets right."""
    return sum(truth[member] == ballot for member, ballot in zip(voters, ballots, strict=True))


def _vote_attacks(ctx, path) -> dict[str, list[str]]:
    """The orders an attacker reads: voters by rowid and by bytes, ballots by bytes."""
    secrecy.checkpoint(ctx.db)  # what is in the write-ahead log is in the file now
    voters = table_cells(ctx.db, path, "vote_voters")
    ballots = table_cells(ctx.db, path, "vote_ballots")
    return {
        "voters in the order they voted": MEMBERS,  # known from elsewhere, say
        "voters by rowid": [c.values[1] for c in sorted(voters, key=lambda c: c.rowid)],
        "voters by bytes": [c.values[1] for c in written_order(voters)],
        "ballots by bytes": [c.values[2] for c in written_order(ballots)],
        "ballots by bytes, reversed": [c.values[2] for c in written_order(ballots)][::-1],
    }


def _six_votes(tmp_path, n: int, without_slots: bool = False):
    clock = FakeClock()
    path = tmp_path / f"vote-{n}.db"
    ctx = make_context(clock, path)
    kit = Kit(ctx, roster=ROSTER, linked=MEMBERS)
    kit.create(id="chair", method="irv", options=options("Amber", "Birch", "Cedar"))
    kit.tick()
    if without_slots:  # as a vote opened by an earlier release: each cast adds its rows
        ctx.db.execute("delete from vote_voters")
        ctx.db.execute("delete from vote_ballots")
    truth = {}
    for member, ranking in zip(MEMBERS, RANKINGS, strict=True):
        kit.vote(member, "chair", *ranking)
        truth[member] = ",".join(str("ABC".index(name[0])) for name in ranking)
        clock.advance(minutes=7)
    ctx.db.execute("update outbox set status = 'sent'")  # delivered
    return ctx, path, truth


def _pairings(attacks: dict[str, list[str]], truth: dict[str, str]) -> dict[str, int]:
    return {
        f"{voters} / {ballots}": _paired(attacks[voters], attacks[ballots], truth)
        for voters in ("voters in the order they voted", "voters by rowid", "voters by bytes")
        for ballots in ("ballots by bytes", "ballots by bytes, reversed")
    }


def test_page_order_pairs_every_voter_with_their_ballot_while_a_vote_without_slots_is_open(
    tmp_path,
):
    ctx, path, truth = _six_votes(tmp_path, 0, without_slots=True)
    links = _pairings(_vote_attacks(ctx, path), truth)
    assert links["voters by rowid / ballots by bytes"] == 6  # the attack works on open votes


def test_while_open_rows_filled_in_place_pair_no_better_than_chance(tmp_path):
    """Every voter's row and every ballot slot exist from the opening, all of a size, and
    a cast overwrites them in place: neither bytes nor rowids follow the order of votes."""
    linked: Counter[str] = Counter()
    for n in range(TRIALS):
        ctx, path, truth = _six_votes(tmp_path, n)
        linked.update(_pairings(_vote_attacks(ctx, path), truth))
        ctx.db.close()
    assert all(total <= 2 * TRIALS for total in linked.values()), linked


def test_after_close_page_order_rowids_and_days_pair_no_better_than_chance(tmp_path):
    linked: Counter[str] = Counter()
    for n in range(TRIALS):
        ctx, path, truth = _six_votes(tmp_path, n)
        close_vote(ctx, "chair", "test")
        assert (path.parent / f"{path.name}-wal").stat().st_size == 0  # the log is emptied
        linked.update(_pairings(_vote_attacks(ctx, path), truth))
        days = {r[0] for r in ctx.db.execute("select voted_on from vote_voters")}
        assert len(days) == 1  # every voter "voted" on the closing day
        ctx.db.close()
    assert all(total <= 2 * TRIALS for total in linked.values()), linked


def test_after_close_the_outbox_counts_the_same_for_every_voter(tmp_path):
    ctx, _, truth = _six_votes(tmp_path, 0)
    close_vote(ctx, "chair", "test")
    per_member = Counter(
        member
        for member, key in ctx.db.execute("select member_id, key from outbox")
        if key.startswith("vote:chair:")
    )
    assert set(per_member) == set(MEMBERS) and len(set(per_member.values())) == 1
    assert not list(ctx.db.execute("select 1 from outbox where key like 'vote:chair:b:%'"))


def test_a_delivered_receipt_is_blanked_at_once(tmp_path):
    from storage import outbox

    ctx, _, _ = _six_votes(tmp_path, 0)
    ctx.db.execute("update outbox set status = 'pending' where key like 'vote:chair:b:%'")
    for row in outbox.claim_due(ctx.db, "telegram", ctx.now(), 1000):
        outbox.mark_sent(ctx.db, row, ctx.now())
    texts = [json.loads(p)["text"] for (p,) in ctx.db.execute("select payload from outbox")]
    assert texts and not [t for t in texts if "receipt code" in t]


# --- a pulse round --------------------------------------------------------------------


def _six_answers(tmp_path, n: int):
    clock = FakeClock()
    path = tmp_path / f"pulse-{n}.db"
    ctx = make_context(clock, path)
    staff = join(ctx, staff=6)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    chat.tick()
    truth = {}  # each member's comment, and their answer to the eNPS question
    # eNPS answers in an order of their own (fixed per trial): had the N-th member given
    # answer N, any file sorted by answer (every index, once rebuilt) would "pair" them.
    scores = random.Random(n).sample(range(6), 6)
    for number, member in enumerate(staff):
        comment = f"Comment number {number}"
        score = str(scores[number])
        chat.answer(member, ["Agree", "Agree", "Neither", "Agree", score, f"text:{comment}"])
        truth[member] = (comment, score)
        clock.advance(minutes=11)
    return ctx, path, truth, round_row


def _pulse_attacks(ctx, path) -> dict[str, list[str]]:
    secrecy.checkpoint(ctx.db)
    took_part = table_cells(ctx.db, path, "pulse_participation")
    comments = table_cells(ctx.db, path, "pulse_comments")
    answers = table_cells(ctx.db, path, "pulse_answers")
    index = table_cells(ctx.db, path, "pulse_answers_counts")  # (round, question, group, value, ..)
    by_time = sorted(took_part, key=lambda c: (c.values[5] or "", c.rowid))
    return {
        "members in the order they answered": sorted(c.values[1] for c in took_part),
        "members by answer time": [c.values[1] for c in by_time],
        "members by bytes": [c.values[1] for c in written_order(took_part)],
        "comments by bytes": [c.values[4] for c in written_order(comments)],
        "eNPS answers by bytes": [
            c.values[4] for c in written_order(answers) if c.values[2] == "enps"
        ],
        "eNPS index entries by bytes": [
            c.values[3] for c in written_order(index) if c.values[1] == "enps"
        ],
    }


def _pulse_pairings(attacks: dict[str, list[str]], truth: dict[str, tuple]) -> dict[str, int]:
    comment = {member: pair[0] for member, pair in truth.items()}
    enps = {member: pair[1] for member, pair in truth.items()}
    found = {}
    for members in ("members in the order they answered", "members by answer time"):
        found[f"{members} / comments"] = _paired(
            attacks[members], attacks["comments by bytes"], comment
        )
        found[f"{members} / eNPS answers"] = _paired(
            attacks[members], attacks["eNPS answers by bytes"], enps
        )
    found["in order / eNPS index"] = _paired(
        attacks["members in the order they answered"], attacks["eNPS index entries by bytes"], enps
    )
    found["members by bytes / comments"] = _paired(
        attacks["members by bytes"], attacks["comments by bytes"], comment
    )
    return found


def test_answer_times_and_page_order_pair_every_respondent_while_the_round_is_open(tmp_path):
    ctx, path, truth, _ = _six_answers(tmp_path, 0)
    links = _pulse_pairings(_pulse_attacks(ctx, path), truth)
    assert links["members by answer time / comments"] == 6
    assert links["members by answer time / eNPS answers"] == 6
    assert links["in order / eNPS index"] == 6


def test_after_close_answer_times_and_page_order_pair_no_better_than_chance(tmp_path):
    attack_closed_rounds(tmp_path, close_round)


def attack_closed_rounds(tmp_path, close) -> None:
    """Close TRIALS rounds of six with `close(ctx, round)`; the attacks must pair no better
    than chance, and the write-ahead log must be empty."""
    linked: Counter[str] = Counter()
    for n in range(TRIALS):
        ctx, path, truth, round_row = _six_answers(tmp_path, n)
        close(ctx, round_row)
        assert (path.parent / f"{path.name}-wal").stat().st_size == 0
        linked.update(_pulse_pairings(_pulse_attacks(ctx, path), truth))
        times = {r[0] for r in ctx.db.execute("select answered_at from pulse_participation")}
        assert times == {round_row["opened_at"]}
        ctx.db.close()
    assert all(total <= 2 * TRIALS for total in linked.values()), linked


def test_privacy_says_what_is_protected_while_open_and_after_close(ctx):
    from handlers import build_router
    from handlers.messages import Command, Sender

    event = Command(Sender("telegram", "u-x", "u-x"), None, "e1", name="privacy", args="")
    [reply] = build_router().dispatch(ctx, event)
    assert "While a check-in is open" in reply.text and "When it closes" in reply.text
    assert "While a vote is open, someone holding a copy of the bot's database file could see" in reply.text
    assert "but not which ballot is yours, unless the vote lets you change your vote" in reply.text
    assert "nothing links your ballot to you any more" in reply.text


def test_closing_shuffles_the_order_in_which_tiers_saw_members_first_take_part(tmp_path):
    from storage.tiers import queries as tiers

    ctx, path, _ = _six_votes(tmp_path, 0)
    first_seen = [f"member-{n}" for n in range(10)]
    ctx.db.execute("pragma foreign_keys = off")  # nudges of members not on this roll
    for member in first_seen:  # one at a time, as the nudge tick finds them
        tiers.mark_seen(ctx.db, "vote", [member])
    close_vote(ctx, "chair", "test")
    secrecy.checkpoint(ctx.db)
    cells = table_cells(ctx.db, path, "tier_nudges")
    by_rowid = [c.values[0] for c in sorted(cells, key=lambda c: c.rowid)]
    by_bytes = [c.values[0] for c in written_order(cells)]
    assert sorted(by_rowid) == sorted(first_seen)
    assert by_rowid != first_seen and by_bytes != first_seen  # 1 in 3.6 million by chance
