"""The declaration of a meeting's results: electorate, turnout by origin, spoilt and
refused ballots with reasons, the result with the rules' threshold, STV stages, quorum,
the returning officer; as JSON, Markdown and a PDF read back as text."""

from __future__ import annotations

import pypdfium2
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.cli.declaration_pdf import write_pdf
from handlers.meetings import declaration, paper
from handlers.meetings.admin import MeetingProblem
from handlers.votes.admin import close_vote
from storage import audit
from tests.handlers.meetings.test_paper import AGM, CSV, meeting_kit


@pytest.fixture(scope="module")
def declared(tmp_path_factory):
    kit = meeting_kit(tmp_path_factory.mktemp("agm"))
    ctx = kit.ctx
    for member in ("m1", "m2", "m3", "m4"):
        kit.vote(member, "rules", "For")
    for member, first in (("m2", "Amber"), ("m3", "Cedar"), ("m4", "Amber")):
        kit.vote(member, "board", first, "Birch", "Done")
    paper.accept(
        ctx,
        AGM.id,
        paper.enter(ctx, AGM.id, "Ann", paper.read_csv(ctx, AGM.id, CSV, "a"))["teller"],
        "Dee",
    )
    close_vote(ctx, "rules", "test")
    close_vote(ctx, "board", "test")
    ctx.db.execute("update members set language_chosen = 'cy' where member_id = 'm2'")
    made = declaration.declare(ctx, AGM.id, "Dee Officer")
    made["messages"] = {m.to.member_id: m for m in declaration.messages(ctx, made)}
    ctx.db.close()
    return made


def test_each_vote_is_declared_with_its_origins_reasons_and_threshold(declared):
    rules, board = declared["items"]  # in the order they were put to the meeting
    assert rules["electorate"] == 8 and rules["voted"] == 7  # m1-m4 chat; m5, m6, m7 spoilt
    # Telegram 4, paper 2, post 1: each under the anonymity threshold of 5, so merged.
    assert rules["turnout_by_origin"] == {"other": 7}
    assert rules["spoilt"] == {"two crosses": 1}
    assert rules["refused"] == {paper.ALREADY_BY_OTHER: 1, paper.NOT_ON_ROLL: 1}
    assert rules["count"]["for"] == 5 and rules["count"]["against"] == 1
    assert "special resolution passes with at least 75% of the votes cast" in rules["threshold"]
    assert board["kind"] == "election" and board["count"]["stages"]
    assert declared["quorum"] is None and declared["returning_officer"] == "Dee Officer"
    text = declaration.markdown(declared)
    assert "Quorum: not recorded (2 needed)." in text
    assert "## Adopt the new rules (resolution, rules)" in text
    assert "Refused ballots: 2 (not on the meeting's roll: 1; the member had already" in text
    assert "| Stage | Action | Amber | Birch | Cedar | Dara | Non-transferable |" in text
    # Amber: m2, m4 in chat; Birch: m5 on paper; Cedar: m3 in chat, m6 by post.
    assert "| 1 | first preferences | 2 | 1 | 2 | 0 | 0 |" in text
    assert "Declared by the returning officer, Dee Officer" in text


def test_every_member_on_the_roll_gets_the_results_in_their_language(declared):
    sent = declared["messages"]
    assert sorted(sent) == [f"m{n}" for n in range(1, 9)]
    english, welsh = sent["m1"], sent["m2"]
    assert english.title == "Results: Annual general meeting 2027"
    rules, board = declared["items"]
    assert english.text.splitlines() == [
        "The returning officer has declared the results of Annual general meeting 2027:",
        f"• Adopt the new rules: {rules['headline']}",
        f"• Board: {board['headline']}",
        "",
        "Ask the returning officer for the full declaration, with every count.",
    ]
    assert welsh.language == "cy" and welsh.title == "Canlyniadau: Annual general meeting 2027"
    assert welsh.text.startswith("Mae'r swyddog canlyniadau wedi cyhoeddi canlyniadau")
    assert "• Board: Wedi'u hethol: Amber, Cedar." in welsh.text  # the headline in Welsh
    assert "• Adopt the new rules: Penderfyniad" in welsh.text
    assert english.key == "meeting:agm-2027:declaration:m1"


def test_the_pdf_reads_as_the_declaration(declared, tmp_path):
    write_pdf(declared, tmp_path / "declaration.pdf")
    document = pypdfium2.PdfDocument(tmp_path / "declaration.pdf")
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    document.close()
    assert "Declaration of results: Annual general meeting 2027" in text
    assert "Spoilt ballots: 1 (two crosses: 1)." in text
    assert "Quota:" in text and "Declared by the returning officer, Dee Officer" in text


def test_the_commands_are_in_the_help():
    shown = CliRunner().invoke(cli, ["meeting", "--help"]).output
    assert "paper" in shown and "declare" in shown
    for command in ("paper", "declare"):
        assert CliRunner().invoke(cli, ["meeting", command, "--help"]).exit_code == 0


def test_a_vote_still_open_is_not_declared(tmp_path):
    kit = meeting_kit(tmp_path)
    declared = declaration.declare(kit.ctx, AGM.id, "")
    text = declaration.markdown(declared)
    assert text.count("Not declared: the vote is open.") == 2
    assert "the returning officer is not named yet." in text
    assert "Not signed off yet: a draft until the returning officer signs it off." in text
    assert [m.to.member_id for m in declaration.messages(kit.ctx, declared)][:2] == ["m1", "m2"]
    kit.ctx.db.close()


def test_the_returning_officer_signs_off_once_and_members_are_told_once(tmp_path):
    kit = meeting_kit(tmp_path)
    ctx = kit.ctx
    kit.vote("m1", "rules", "For")
    paper.enter(ctx, AGM.id, "Ann", paper.read_csv(ctx, AGM.id, CSV, "a"))
    with pytest.raises(MeetingProblem, match="paper ballots entered by Ann are not counted yet"):
        declaration.sign_off(ctx, AGM.id, "Dee Officer", "test")
    paper.accept(ctx, AGM.id, "Ann", "Dee Officer")
    open_ = "vote rules \\(Adopt the new rules\\) is still open: close it \\(or cancel it\\)"
    with pytest.raises(MeetingProblem, match=open_):
        declaration.sign_off(ctx, AGM.id, "Dee Officer", "test")
    close_vote(ctx, "rules", "test")
    # A close under way (the bot's, or another command's): closed, its result not in yet.
    ctx.db.execute("update votes set status = 'closed' where vote_id = 'board'")
    counting = "vote board \\(.*\\) is closed and still being counted: sign the declaration off"
    with pytest.raises(MeetingProblem, match=counting):
        declaration.sign_off(ctx, AGM.id, "Dee Officer", "test")
    ctx.db.execute("update votes set status = 'open' where vote_id = 'board'")
    close_vote(ctx, "board", "test")
    with pytest.raises(MeetingProblem, match="name the returning officer"):
        declaration.sign_off(ctx, AGM.id, "  ", "test")
    assert declaration.declare(ctx, AGM.id, "")["signed_off"] is None
    ctx.db.execute("update members set language_chosen = 'cy' where member_id = 'm2'")

    signed, told = declaration.sign_off(ctx, AGM.id, " Dee Officer ", "member:s1")
    assert signed["signed_off"]["by"] == "Dee Officer" and signed["returning_officer"] == (
        "Dee Officer"
    )
    assert [m.to.member_id for m in told] == [f"m{n}" for n in range(1, 9)]
    assert told[1].language == "cy" and told[1].text.startswith("Mae'r swyddog canlyniadau")
    assert told[0].text.startswith("The returning officer has declared the results of")
    # Shown afterwards as signed (later views do not move its date), and never again.
    ctx.clock.advance(days=1)
    again = declaration.declare(ctx, AGM.id, "Someone Else")
    assert again == signed
    text = declaration.markdown(again)
    assert f"Signed off by Dee Officer on {signed['signed_off']['when']} (the returning" in text
    assert "Not signed off yet" not in text and "Someone Else" not in text
    with pytest.raises(MeetingProblem, match="was signed off by Dee Officer on .*: it is signed"):
        declaration.sign_off(ctx, AGM.id, "Someone Else", "test")
    [entry] = audit.entries(ctx.db, "meeting.declaration.signoff")
    assert entry["actor"] == "member:s1" and entry["subject"] == AGM.id
    ctx.db.close()
