"""Nominations for a meeting's seats through the chat handlers: the statement's length by
the rules, a seconder who says No and one who says Yes, withdrawing, the close on the
tick; then the officer confirms candidates and the election runs by the rules' method."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.scheduler import collect_jobs
from handlers.meetings import nominations
from handlers.meetings.admin import create_meeting
from handlers.members.identity import member_for
from handlers.messages import Text, unquoted
from handlers.settings import Organisation, Policy
from handlers.votes.admin import close_vote, open_vote, published_result
from handlers.votes.cancel import cancel_vote
from handlers.votes.state import load
from storage.votes import queries as votes_store
from surveys.meetings.definitions import AgendaItem, Meeting, Seat
from tests.handlers.votes.test_votes import Kit
from tests.helpers import START, add_members, make_context

RULES = """
[eligibility]
constituencies = ["tenant", "staff"]
[notice]
clear_days = 14
[quorum]
members = 2
[proxies]
allowed = false
[nominations]
period_days = 7
seconder = {seconder}
statement_words = 10
[elections]
method = "{method}"
"""
ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,,tenant
t2,Lee Chen,,tenant
t3,Ruth Adeyemi,,tenant
t4,Jo Bloggs,,tenant
s1,Sam Okafor,,staff
"""
AGM = Meeting(
    id="agm-2027",
    title="AGM 2027",
    starts=START + timedelta(days=30),
    agenda=(AgendaItem("Election of the board"),),
    place="Riverside Community Hall",
    seats=(Seat("board", "Board", 1, ("tenant",)),),
)


def society(tmp_path, seconder: bool = True, method: str = "stv") -> Kit:
    (tmp_path / "rules.toml").write_text(
        RULES.format(seconder=str(seconder).lower(), method=method)
    )
    organisation = Organisation(
        rules=str(tmp_path / "rules.toml"), constituencies=("staff", "tenant")
    )
    kit = Kit(
        make_context(policy=Policy(organisation=organisation)),
        roster=ROSTER,
        linked=("t1", "t2", "t3", "t4", "s1"),
    )
    create_meeting(kit.ctx, AGM, "test")
    return kit


@pytest.fixture
def kit(tmp_path):
    kit = society(tmp_path)
    yield kit
    kit.ctx.db.close()


def say(kit: Kit, member_id: str, text: str):
    """Type `text` in the member's chat (it answers the question the chat was asked)."""
    who = kit.sender(member_id)
    member = member_for(kit.ctx, who.platform, who.platform_user_id)
    return kit._dispatch(Text(who, member, uuid.uuid4().hex, text=text))


def stand(kit: Kit, member_id: str, statement: str) -> list:
    [menu] = kit.command(member_id, "nominate")
    assert [o.label for o in menu.choices] == ["Stand: Board"]
    [ask] = kit.press(member_id, "Stand: Board")
    assert "in up to 10 words" in ask.text and ask.prompt == "nom.text:agm-2027/board"
    return say(kit, member_id, statement)


def test_chat_nominations_with_a_seconder_then_the_election_counted(kit):
    _, made = nominations.open_nominations(kit.ctx, "agm-2027", "officer")
    notices = list(made)
    # Tenants may stand for the board; the staff member is told nothing and may not.
    assert sorted(m.to.member_id for m in notices) == ["t1", "t2", "t3", "t4"]
    kit.postman.post(notices)
    kit.last["t1"] = notices[0]
    [menu] = kit.press("t1", "Stand for election")  # the notice's button is /nominate
    assert [o.label for o in menu.choices] == ["Stand: Board"]
    [none] = kit.command("s1", "nominate")
    assert none.text == "There are no nominations open for you at the moment."

    [too_long] = stand(kit, "t1", "I have lived here twenty years and I would like to help.")
    assert too_long.text == (
        "Thank you. Your statement has 12 words, and the society's rules allow up to 10. "
        "Please shorten it a little and send it again."
    )
    [who] = say(kit, "t1", "Twenty years a tenant; I will listen.")
    assert "Please type their full name" in who.text
    [told, ask] = say(kit, "t1", "  lee CHEN ")
    assert unquoted(told.text).startswith("Thank you. I've asked Lee Chen to second")
    assert ask.to.member_id == "t2" and "Twenty years a tenant" in unquoted(ask.text)
    assert [o.label for o in ask.choices] == ["Yes, I second it", "No"]
    # The seconder says No: the nominee is told kindly, and may name another.
    [thanks, no] = kit.press("t2", "No")
    assert no.to.member_id == "t1" and "decided not to second" in unquoted(no.text)
    assert kit.press("t2", "Yes")[0].text.startswith("Nominations for this seat have closed")

    stand(kit, "t1", "Twenty years a tenant; I will listen.")
    [myself] = say(kit, "t1", "Pat Murphy")
    assert myself.text.startswith("You can't second your own nomination")
    [_told, ask] = say(kit, "t1", "t3")
    assert ask.to.member_id == "t3"
    [_thanks, yes] = kit.press("t3", "Yes")
    assert unquoted(yes.text).startswith("Ruth Adeyemi has seconded your nomination.")

    stand(kit, "t2", "Fix the lifts first.")
    say(kit, "t2", "Jo Bloggs")
    kit.press("t4", "Yes")
    stand(kit, "t4", "More green space.")
    say(kit, "t4", "t1")
    kit.press("t1", "Yes")
    [menu] = kit.command("t4", "nominate")
    assert [o.label for o in menu.choices] == ["Withdraw: Board"]
    assert kit.press("t4", "Withdraw")[0].text == "You've withdrawn your nomination for Board."
    stand(kit, "t3", "Safer stairs.")
    say(kit, "t3", "t4")  # t4 never answers: the nomination lapses at the close

    with pytest.raises(nominations.NominationProblem, match="are not closed"):
        nominations.decide(kit.ctx, "agm-2027", "t1", None, True, "officer")
    kit.ctx.clock.advance(days=7)
    # The bot's scheduler runs the tick that closes nominations on time.
    [job] = [job for job in collect_jobs(kit.ctx) if job.id == "nominations"]
    [closed] = list(job.run(kit.ctx, kit.ctx.now()))
    assert closed.to.council and "Nominated: Board 2." in closed.text
    assert list(job.run(kit.ctx, kit.ctx.now())) == []
    statuses = {
        n["member_id"]: n["status"]
        for n in nominations.candidates(kit.ctx, "agm-2027")["seats"][0]["nominations"]
    }
    assert statuses == {"t1": "nominated", "t2": "nominated", "t3": "lapsed", "t4": "withdrawn"}

    tomorrow = kit.ctx.now() + timedelta(days=1)
    with pytest.raises(nominations.NominationProblem, match="waiting: t2, t1"):
        nominations.create_election(kit.ctx, "agm-2027", "board", tomorrow, tomorrow, "o")
    for member in ("t1", "t2"):
        [confirmed] = nominations.decide(kit.ctx, "agm-2027", member, None, True, "officer")
        assert confirmed.to.member_id == member and "You are a candidate" in confirmed.text
    vote = nominations.create_election(
        kit.ctx, "agm-2027", "board", kit.ctx.now(), kit.ctx.now() + timedelta(days=3), "o"
    )
    d = vote.definition
    assert (d.method, d.seats, d.meeting, d.constituencies) == ("stv", 1, "agm-2027", ("tenant",))
    assert [(o.name, o.statement) for o in d.options] == [
        ("Lee Chen", "Fix the lifts first."),
        ("Pat Murphy", "Twenty years a tenant; I will listen."),
    ]
    # The vote's own announcement takes the candidates and statements to the tenants.
    announced = [m for m in kit.tick() if m.title == "New vote: Election: Board"]
    assert sorted(m.to.member_id for m in announced) == ["t1", "t2", "t3", "t4"]
    assert "Pat Murphy\nTwenty years a tenant; I will listen." in unquoted(announced[0].text)
    for member, first in (("t1", "Pat"), ("t2", "Lee"), ("t3", "Pat"), ("t4", "Pat")):
        kit.vote(member, d.id, first, "Done")
    close_vote(kit.ctx, d.id, "officer")
    assert load(kit.ctx, d.id).status == "closed"
    count = published_result(kit.ctx, d.id)["count"]
    assert count["elected"] == ["Pat Murphy"] and count["valid"] == 4
    assert count["stages"][0]["votes"] == {"Lee Chen": "1.00000", "Pat Murphy": "3.00000"}


def test_without_a_seconder_plurality_and_a_rejection_with_its_reason(tmp_path):
    kit = society(tmp_path, seconder=False, method="plurality")
    try:
        nominations.open_nominations(kit.ctx, "agm-2027", "officer")
        with pytest.raises(nominations.NominationProblem, match="opened already"):
            nominations.open_nominations(kit.ctx, "agm-2027", "officer")
        for member in ("t1", "t2", "t3"):
            [done] = stand(kit, member, "I will listen.")
            assert done.text.startswith("Your nomination for Board is in.")
        nominations.close_nominations(kit.ctx, "agm-2027", "officer")
        assert kit.command("t4", "nominate")[0].text.startswith("There are no nominations")
        with pytest.raises(nominations.NominationProblem, match="give the reason"):
            nominations.decide(kit.ctx, "agm-2027", "t3", None, False, "officer")
        [rejected] = nominations.decide(
            kit.ctx, "agm-2027", "t3", "board", False, "officer", "Not a member for a year"
        )
        assert unquoted(rejected.text).endswith("The reason given: Not a member for a year")
        nominations.decide(kit.ctx, "agm-2027", "t1", None, True, "officer")
        nominations.decide(kit.ctx, "agm-2027", "t2", None, False, "officer", "Papers late")
        with pytest.raises(nominations.NominationProblem, match="no contest"):
            nominations.create_election(
                kit.ctx, "agm-2027", "board", None, kit.ctx.now() + timedelta(days=3), "o"
            )
        nominations.decide(kit.ctx, "agm-2027", "t2", None, True, "officer")
        vote = nominations.create_election(
            kit.ctx, "agm-2027", "board", None, kit.ctx.now() + timedelta(days=3), "o"
        )
        assert vote.definition.method == "single"  # plurality: one cross
        assert [o.name for o in vote.definition.options] == ["Lee Chen", "Pat Murphy"]
        with pytest.raises(nominations.NominationProblem, match="is scheduled already"):
            nominations.decide(kit.ctx, "agm-2027", "t3", None, True, "officer")
        # Cancelled (say, a candidate left out by mistake): the candidates may change, and
        # the election is held again under a new id.
        cancel_vote(kit.ctx, vote.id, "A candidate was left out", "officer")
        nominations.decide(kit.ctx, "agm-2027", "t3", None, True, "officer")
        again = nominations.create_election(
            kit.ctx, "agm-2027", "board", None, kit.ctx.now() + timedelta(days=3), "o"
        )
        assert again.id == "agm-2027-board-2" and len(again.definition.options) == 3
    finally:
        kit.ctx.db.close()


def test_welsh_readers_get_the_nomination_in_welsh(tmp_path):
    kit = society(tmp_path)
    try:
        kit.ctx.db.execute("update members set language = 'cy' where member_id = 't1'")
        nominations.open_nominations(kit.ctx, "agm-2027", "officer")
        [menu] = kit.command("t1", "nominate")
        assert menu.text.startswith("Mae enwebiadau ar agor tan ddydd Llun 30 Tachwedd am 10:00.")
        assert [o.label for o in menu.choices] == ["Sefyll: Board"]
        kit.press("t1", "Sefyll")
        [too_long] = say(kit, "t1", "un dau tri pedwar pump chwech saith wyth naw deg un")
        assert too_long.language == "cy" and too_long.text == (
            "Diolch. Mae 11 o eiriau yn eich datganiad, ac mae rheolau'r gymdeithas yn caniatáu "
            "hyd at 10. Byrhewch ef ychydig a'i anfon eto, os gwelwch yn dda."
        )
    finally:
        kit.ctx.db.close()


def test_a_meeting_without_seats_or_a_period_past_the_meeting_is_refused(tmp_path):
    kit = society(tmp_path)
    try:
        create_meeting(kit.ctx, replace(AGM, id="egm", seats=()), "test")
        with pytest.raises(nominations.NominationProblem, match="lists no"):
            nominations.open_nominations(kit.ctx, "egm", "officer")
        kit.ctx.clock.advance(days=25)
        with pytest.raises(nominations.NominationProblem, match="after the meeting starts"):
            nominations.open_nominations(kit.ctx, "agm-2027", "officer")
    finally:
        kit.ctx.db.close()


def test_the_election_is_for_the_meetings_roll_not_the_members_by_its_creation(tmp_path):
    """The roll is fixed when notice is given; a member who joins while nominations are
    open is not on it, and so not in the seat's electorate either (the election is
    created weeks later: the members by then are not the meeting's roll)."""
    kit = society(tmp_path, seconder=False)
    try:
        kit.ctx.clock.advance(days=1)
        add_members(kit.ctx, "member_id,name,email,constituency\nt9,Late Joiner,,tenant\n")
        nominations.open_nominations(kit.ctx, "agm-2027", "officer")
        for member in ("t1", "t2"):
            stand(kit, member, "I will listen.")
        nominations.close_nominations(kit.ctx, "agm-2027", "officer")
        for member in ("t1", "t2"):
            nominations.decide(kit.ctx, "agm-2027", member, None, True, "officer")
        vote = nominations.create_election(
            kit.ctx, "agm-2027", "board", None, kit.ctx.now() + timedelta(days=3), "o"
        )
        list(open_vote(kit.ctx, vote.id))
        on_roll = {m: votes_store.on_roll(kit.ctx.db, vote.id, m) for m in ("t1", "t4", "t9")}
        assert on_roll == {"t1": True, "t4": True, "t9": False}
        assert load(kit.ctx, vote.id).eligible == 4  # the tenants on the meeting's roll
    finally:
        kit.ctx.db.close()
