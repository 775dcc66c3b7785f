"""Paper ballots entered by two tellers and counted with the ballots by chat: checked
against the roll, one member counted once (the rules say which ballot wins), spoilt and
refused ballots kept as counts with reasons, turnout by origin at close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.meetings import paper
from handlers.meetings.admin import MeetingProblem, create_meeting
from handlers.settings import Organisation, Policy
from handlers.votes.admin import close_vote, create_vote
from storage.meetings import paper as paper_store
from storage.votes import queries as store
from surveys.meetings.definitions import AgendaItem, Meeting
from surveys.rules import RulesError, parse_rules
from tests.handlers.votes.test_votes import CANDIDATES, Kit, definition, options
from tests.helpers import START, make_context

RULES = """
[eligibility]
constituencies = ["tenant"]
[notice]
clear_days = 14
[quorum]
members = 2
[proxies]
allowed = false
[paper]
wins = "{wins}"
"""
MEMBERS = [f"m{n}" for n in range(1, 9)]
ROSTER = "member_id,name,email,constituency\n" + "".join(
    f"{m},Member {m},,tenant\n" for m in MEMBERS
)
AGM = Meeting(
    id="agm-2027",
    title="Annual general meeting 2027",
    starts=START + timedelta(days=20),
    agenda=(AgendaItem("Adopt the new rules", resolution="special"),),
)


def meeting_kit(tmp_path, wins: str = "first", allow_change: bool = False) -> Kit:
    """Eight tenants (m1-m5 in chat), a meeting, and its two votes open: a special
    resolution `rules` and an STV election `board`."""
    (tmp_path / "rules.toml").write_text(RULES.format(wins=wins))
    ctx = make_context(policy=Policy(organisation=Organisation(rules=str(tmp_path / "rules.toml"))))
    kit = Kit(ctx, roster=ROSTER, linked=("m1", "m2", "m3", "m4", "m5"))
    create_meeting(ctx, AGM, "test")
    window = {"opens": START + timedelta(days=15), "closes": START + timedelta(days=21)}
    common = {"meeting": AGM.id, "reminder_hours": (), "allow_change": allow_change, **window}
    create_vote(ctx, definition(id="rules", resolution="special", **common), "test")
    create_vote(
        ctx,
        definition(
            id="board", title="Board", method="stv", seats=2, options=options(*CANDIDATES), **common
        ),
        "test",
    )
    ctx.clock.advance(days=15)
    kit.tick()
    return kit


@pytest.fixture
def kit(tmp_path):
    made = meeting_kit(tmp_path)
    yield made
    made.ctx.db.close()


CSV = """vote,member,choice,spoilt,origin
rules,m5,for,,paper
rules,m6,against,,post
rules,m1,for,,paper
rules,m7,,two crosses,paper
rules,nobody,for,,paper
board,m5,Birch > 1,,paper
board,m6,3>4>2,,post
board,m5,Amber,,paper
"""


def test_two_tellers_agree_and_paper_counts_once_with_chat(kit):
    ctx = kit.ctx
    kit.vote("m1", "rules", "Against")  # m1 votes in chat first: their paper is refused
    rows = paper.read_csv(ctx, AGM.id, CSV, "ballots.csv")
    waiting = paper.enter(ctx, AGM.id, "Ann Teller", rows)
    assert waiting["status"] == "waiting"
    assert store.choice_counts(ctx.db, "rules") == [("against", 1)]  # nothing counted yet
    assert "Nothing is counted until a second teller" in paper.describe(waiting)[0]

    # The second teller's file lists the same ballots in another order: they agree.
    shuffled = CSV.splitlines()[0] + "\n" + "\n".join(reversed(CSV.splitlines()[1:])) + "\n"
    done = paper.enter(ctx, AGM.id, "Bo Teller", paper.read_csv(ctx, AGM.id, shuffled, "b.csv"))
    assert done["status"] == "counted" and done["by"] == "Ann Teller and Bo Teller"
    assert done["counted"] == {"rules": 2, "board": 2}
    assert done["spoilt"] == {"rules": {"two crosses": 1}}
    assert done["refused"] == {
        "rules": {paper.ALREADY_BY_OTHER: 1, paper.NOT_ON_ROLL: 1},
        "board": {paper.SECOND_PAPER: 1},
    }
    assert sorted(store.choice_counts(ctx.db, "rules")) == [("against", 2), ("for", 1)]
    assert sorted(store.choice_counts(ctx.db, "board")) == [("1,0", 1), ("2,3,1", 1)]
    # Who voted how: m1 by Telegram (not paper), m5 paper, m6 post, m7 spoilt on paper.
    assert store.voters_by_channel(ctx.db, "rules") == {"telegram": 1, "paper": 2, "post": 1}
    assert paper_store.counts(ctx.db, "rules")["spoilt"] == {"two crosses": 1}
    assert paper_store.entries(ctx.db, AGM.id) == {}  # the entries naming members are gone
    # A chat ballot after the paper one is refused as any second ballot is.
    [refused] = kit.command("m5", "vote", "rules")
    assert "already voted" in refused.text and not refused.choices
    lines = paper.describe(done)
    assert "  rules: 2 ballots counted" in lines
    assert f"    1 refused: {paper.NOT_ON_ROLL}" in lines


def test_tellers_who_differ_are_shown_the_rows_and_nothing_counts(kit):
    ctx = kit.ctx
    paper.enter(ctx, AGM.id, "Ann", paper.read_csv(ctx, AGM.id, CSV, "a.csv"))
    other = CSV.replace("rules,m6,against", "rules,m6,for").replace("board,m5,Amber,,paper\n", "")
    differ = paper.enter(ctx, AGM.id, "Bo", paper.read_csv(ctx, AGM.id, other, "b.csv"))
    assert differ["status"] == "differ"
    assert differ["differences"] == [
        "vote board, member m5: 2 ballots in Ann's entry (line 7, 9), 1 in Bo's (line 7)",
        "vote rules, member m6: choice differ (line 3 of Ann's entry, line 3 of Bo's)",
    ]
    assert "against" not in " ".join(paper.describe(differ))  # choices are not shown
    assert store.count_voters(ctx.db, "rules") == 0
    # The returning officer accepts Ann's entry: counted as it stands.
    with pytest.raises(MeetingProblem, match="no entry by 'Cy' is waiting"):
        paper.accept(ctx, AGM.id, "Cy", "Dee Officer")
    done = paper.accept(ctx, AGM.id, "Ann", "Dee Officer")
    assert done["by"] == "Ann, accepted by Dee Officer" and done["counted"]["rules"] == 3
    assert paper_store.entries(ctx.db, AGM.id) == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("vote,member\nrules,m1\n", "line 1: the header needs the columns"),
        ("vote,member,choice\nrules,m1,maybe\n", "line 2: a resolution's choice is for, against"),
        ("vote,member,choice\nboard,m1,Amber>Zed\n", "line 2: 'Zed' is not one of vote board"),
        ("vote,member,choice\nboard,m1,Amber>1\n", "line 2: the same option is marked twice"),
        ("vote,member,choice\nother,m1,for\n", "'other' is not a vote of meeting agm-2027"),
        ("vote,member,choice,spoilt,origin\nrules,m1,for,,fax\n", "origin must be paper or post"),
    ],
)
def test_a_bad_row_is_one_line_and_nothing_is_entered(kit, text, problem):
    with pytest.raises(MeetingProblem, match=problem):
        paper.read_csv(kit.ctx, AGM.id, text, "ballots.csv")
    assert paper_store.entries(kit.ctx.db, AGM.id) == {}


def test_paper_wins_replaces_a_chat_ballot_where_the_vote_allows_a_change(tmp_path):
    kit = meeting_kit(tmp_path, wins="paper", allow_change=True)
    ctx = kit.ctx
    kit.vote("m1", "rules", "Against")
    done = paper.accept(
        ctx,
        AGM.id,
        paper.enter(
            ctx,
            AGM.id,
            "Ann",
            paper.read_csv(ctx, AGM.id, "vote,member,choice\nrules,m1,for\n", "a"),
        )["teller"],
        "Dee",
    )
    assert done["counted"] == {"rules": 1} and not done["refused"]
    assert store.choice_counts(ctx.db, "rules") == [("for", 1)]
    assert store.voters_by_channel(ctx.db, "rules") == {"paper": 1}
    close_vote(ctx, "rules", "test")
    ctx.db.close()


def test_paper_wins_cannot_replace_a_ballot_no_longer_linked_to_its_voter(tmp_path):
    kit = meeting_kit(tmp_path, wins="paper")
    ctx = kit.ctx
    kit.vote("m1", "rules", "Against")
    paper.enter(
        ctx, AGM.id, "Ann", paper.read_csv(ctx, AGM.id, "vote,member,choice\nrules,m1,for\n", "a")
    )
    done = paper.accept(ctx, AGM.id, "Ann", "Dee")
    assert done["refused"] == {"rules": {paper.ALREADY_UNLINKED: 1}}
    assert store.choice_counts(ctx.db, "rules") == [("against", 1)]
    ctx.db.close()


def test_a_teller_is_named_and_waiting_entries_can_be_discarded(kit):
    ctx = kit.ctx
    rows = paper.read_csv(ctx, AGM.id, CSV, "a.csv")
    with pytest.raises(MeetingProblem, match="--teller: name the teller"):
        paper.enter(ctx, AGM.id, " ", rows)
    paper.enter(ctx, AGM.id, "Ann", rows)
    with pytest.raises(MeetingProblem, match="--returning-officer: name"):
        paper.discard(ctx, AGM.id, "")
    done = paper.discard(ctx, AGM.id, "Dee")
    assert paper.describe(done) == [
        "Discarded the paper ballots waiting (entered by Ann); nothing was counted."
    ]
    assert paper_store.entries(ctx.db, AGM.id) == {} and store.count_voters(ctx.db, "rules") == 0


def test_the_rules_say_which_ballot_wins_in_plain_words():
    base = RULES.replace('[paper]\nwins = "{wins}"\n', "")
    assert parse_rules(base).paper.wins == "first"
    assert "the first to arrive counts and the other is refused." in parse_rules(base).summary()[7]
    assert parse_rules(RULES.format(wins="paper")).paper.wins == "paper"
    with pytest.raises(RulesError, match="paper.wins"):
        parse_rules(RULES.format(wins="chat"))


def test_a_vote_that_closes_leaves_no_row_of_it_in_the_entries_waiting(kit):
    ctx = kit.ctx
    paper.enter(ctx, AGM.id, "Ann", paper.read_csv(ctx, AGM.id, CSV, "a.csv"))
    close_vote(ctx, "rules", "test")
    [(teller, rows)] = paper_store.entries(ctx.db, AGM.id).items()
    assert teller == "Ann" and {row["vote"] for row in rows} == {"board"} and len(rows) == 3
    assert rows[0] == {
        "line": 7,
        "vote": "board",
        "member": "m5",
        "choice": "1,0",
        "spoilt": "",
        "origin": "paper",
    }
    close_vote(ctx, "board", "test")
    assert paper_store.entries(ctx.db, AGM.id) == {}  # nothing waits to link a member
