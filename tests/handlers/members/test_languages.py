"""Members read their own language: the Welsh catalogue, /language, surveys in two languages."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot import demo
from handlers import i18n
from handlers.members.roster import import_roster
from handlers.messages import unquoted
from handlers.pulses import rounds as pulse_rounds
from handlers.pulses.results import results_of
from handlers.votes.chat import RECEIPT
from storage import members
from storage.pulses import queries as pulses
from surveys.localised import missing_translations
from surveys.pulses.definitions import parse_definition
from tests.handlers.pulses.test_pulse_chat import PulseChat, open_round
from tests.helpers import link

ROOT = Path(__file__).resolve().parents[3]
WELSH = ROOT / "handlers" / "locale" / "cy" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[a-z_]+(?:![a-z])?(?::[^{}]*)?\}")


def member_facing_messages() -> set[tuple[str | None, str | tuple[str, ...]]]:
    """What pybabel extracts from the files babel.cfg names, with the developer's guide's keywords."""
    keywords = {
        "_": None,
        "N_": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "phrase": None,
        "phrase_n": (1, 2),
    }
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, _options = parse_mapping_cfg(config, "babel.cfg")
    return {
        (context, message)
        for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords
        )
    }


def test_every_member_facing_message_has_a_welsh_translation():
    with WELSH.open("rb") as source:
        catalogue = read_po(source, locale="cy")
    problems = []
    for context, message in sorted(member_facing_messages(), key=str):
        entry = catalogue.get(message if isinstance(message, str) else message[0], context)
        strings = () if entry is None else entry.string
        strings = (strings,) if isinstance(strings, str) else strings
        if entry is None or entry.fuzzy or not all(strings):
            problems.append(f"no Welsh for {message!r}")
            continue
        wanted = set(PLACEHOLDER.findall(str(message)))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted:
                problems.append(f"Welsh for {message!r} names a placeholder English lacks")
    found = member_facing_messages()
    assert len(found) > 350  # the extraction really ran over every folder babel.cfg names
    for words in (
        "Please type a number from 1 to {n}.",  # the console's nudge
        "On its way to our direct messages.",  # Slack's ack
        "The resolution is passed.",  # a vote's result (handlers)
        "Votes: {counts}.",  # the count explained (surveys)
        "(up {step})",  # a check-in's figure in the newsletter (surveys)
    ):
        assert any(words in (m if isinstance(m, tuple) else (m,)) for _c, m in found), words
    assert problems == []


def roster_chat(ctx, rows: str) -> PulseChat:
    report = import_roster(ctx, io.StringIO(rows), skip_bad=False, actor="test")
    assert report.applied, report.problems
    for row in members.all_members(ctx.db):
        link(ctx, row["member_id"])
    return PulseChat(ctx)


def text_of(rows: list[dict]) -> str:
    return "\n".join(f"{r['payload']['title']}\n{r['payload']['text']}" for r in rows)


def test_a_welsh_member_reads_welsh_and_can_switch_to_english_and_back(ctx):
    chat = roster_chat(
        ctx, "member_id,name,email,constituency,language\nt1,Pat Murphy,,tenant,cy\n"
    )
    open_round(ctx, "tenant-pulse")
    demo.open_demo_vote(ctx)

    assert "/pulse - ateb holiadur yr wythnos hon" in text_of(chat.command("t1", "help"))
    pulse = chat.command("t1", "pulse")[-1]["payload"]
    assert pulse["title"] == "Holiadur tenantiaid"
    assert "Cwestiwn 1 o 4: Pa mor fodlon ydych chi" in pulse["text"]
    assert [o["label"] for o in pulse["choices"]][-2:] == ["Hapus iawn", "Hepgor"]
    ballot = chat.command("t1", "vote")[-1]["payload"]
    assert "Sut ydych chi'n pleidleisio?" in ballot["text"]
    assert [o["label"] for o in ballot["choices"]] == ["O blaid", "Yn erbyn", "Ymatal"]
    assert "• Aelod (rydych chi yma)" in text_of(chat.command("t1", "tiers"))
    me = text_of(chat.command("t1", "me"))
    assert "Chi yw Pat Murphy" in me and "Iaith: Cymraeg" in me

    menu = chat.command("t1", "language")[-1]["payload"]
    assert [o["label"] for o in menu["choices"]] == ["English", "Cymraeg"]
    assert "From now on I'll speak English" in text_of(chat.tap("t1", "English"))
    assert "/pulse - answer this week's check-in" in text_of(chat.command("t1", "help"))
    chat.command("t1", "language")
    assert "O hyn ymlaen bydda i'n siarad Cymraeg" in text_of(chat.tap("t1", "Cymraeg"))
    assert "beth alla i ei wneud" in text_of(chat.command("t1", "help"))

    # Re-importing the roster (here without a language) keeps the member's own choice.
    import_roster(
        ctx,
        io.StringIO("member_id,name,email,constituency\nt1,Pat Murphy,,tenant\n"),
        False,
        "test",
    )
    assert "beth alla i ei wneud" in text_of(chat.command("t1", "help"))


def test_the_organisation_language_is_the_default(ctx):
    from dataclasses import replace

    ctx.policy = replace(ctx.policy, organisation=replace(ctx.policy.organisation, language="cy"))
    chat = roster_chat(
        ctx, "member_id,name,email,constituency,language\nt1,Pat,,tenant,\nt2,Lee,,tenant,en\n"
    )
    assert "beth alla i ei wneud" in text_of(chat.command("t1", "help"))
    assert "what I can do" in text_of(chat.command("t2", "help"))


def test_invitations_go_out_in_each_members_language(ctx):
    chat = roster_chat(
        ctx, "member_id,name,email,constituency,language\nt1,Pat,,tenant,cy-GB\nt2,Lee,,tenant,pl\n"
    )
    open_round(ctx, "tenant-pulse")
    chat.tick()
    assert chat.last("t1")["payload"]["title"] == "Holiadur tenantiaid"
    assert chat.last("t2")["payload"]["title"] == "Tenant pulse"  # no Polish yet: English


def test_a_round_answered_half_in_welsh_and_half_in_english_gives_one_result(ctx):
    rows = ["member_id,name,email,constituency,language"]
    rows += [f"t{n},Tenant {n},,tenant,{'cy' if n <= 3 else 'en'}" for n in range(1, 7)]
    chat = roster_chat(ctx, "\n".join(rows) + "\n")
    round_row = open_round(ctx, "tenant-pulse")
    for n in range(1, 7):
        welsh = n <= 3
        chat.answer(
            f"t{n}",
            ["Hapus", "Gan amlaf", "Galwad ffôn", "text:Diolch"]
            if welsh
            else ["Happy", "Mostly", "Phone call", "text:Thanks"],
        )
    pulse_rounds.close(ctx, round_row)  # figures are shown once a round has closed
    found = results_of(ctx, pulses.get_round(ctx.db, round_row["id"]))
    satisfaction = found.question("satisfaction")
    assert found.respondents == 6 and satisfaction.mean == 4.0
    assert found.question("have-your-say").distribution["Phone call"] == 6


def test_survey_text_per_language_and_the_missing_translations():
    definition = parse_definition(
        {
            "id": "wellbeing",
            "title": {"en": "Wellbeing", "cy": "Lles"},
            "audience": ["staff"],
            "thanks": "Thank you.",
            "questions": [
                {
                    "id": "choice",
                    "kind": "choice",
                    "text": {"en": "Which?", "cy": "Pa un?"},
                    "options": {"en": ["Tea", "Coffee"], "cy": ["Te", "Coffi"]},
                }
            ],
        },
        "wellbeing.toml",
    )
    welsh = i18n.translator("cy", "en")
    assert welsh.pick(definition.title) == "Lles" and definition.title == "Wellbeing"
    assert [welsh.pick(o) for o in definition.questions[0].options] == ["Te", "Coffi"]
    assert i18n.translator("pl", "en").pick(definition.title) == "Wellbeing"
    assert missing_translations(definition, "en") == ["thanks: no cy ('Thank you.')"]
    assert missing_translations(definition, "en", ["pl"])[0] == "title: no pl ('Wellbeing')"


def test_language_names_are_written_in_the_language_itself():
    assert [i18n.native_name(code) for code in ("en", "cy", "pl")] == [
        "English",
        "Cymraeg",
        "Polski",
    ]
    assert i18n.supported("cy-GB") == "cy" and i18n.supported("pl") is None


def test_vote_announcements_and_reminders_go_out_in_each_members_language(ctx, clock):
    from datetime import timedelta

    from storage import outbox
    from tests.handlers.votes.test_votes import Kit
    from tests.helpers import START

    kit = Kit(
        ctx,
        "member_id,name,email,constituency,language\nt1,Pat,,tenant,cy\nt2,Lee,,tenant,\n",
        linked=("t1", "t2"),
    )
    closes = START + timedelta(days=2)
    kit.create(closes=closes, constituencies=("tenant",), reminder_hours=(20,))
    kit.tick()
    clock.now = closes - timedelta(hours=20)
    kit.tick()
    sent = {(r["member_id"], r["key"].split(":")[2]): r["payload"] for r in outbox.rows_for(ctx.db)}
    assert sent[("t1", "open")]["title"].startswith("Pleidlais newydd: ")
    assert (
        "Mae'r bleidlais ar agor tan ddydd Mercher 25 Tachwedd am 10:00."
        in sent[("t1", "open")]["text"]
    )
    assert [c["label"] for c in sent[("t1", "open")]["choices"]] == ["Pleidleisio nawr"]
    assert sent[("t2", "open")]["title"].startswith("New vote: ")
    assert sent[("t1", "remind")]["title"].startswith("Nodyn atgoffa: ")
    assert "you haven't voted yet" in sent[("t2", "remind")]["text"]


def test_the_newsletter_and_the_home_speak_the_readers_language(ctx):
    from handlers import home
    from handlers.digests import scheduled as digests
    from handlers.members.identity import member_for
    from tests.handlers.digests.test_digest_members import adopt

    chat = roster_chat(
        ctx,
        "member_id,name,email,constituency,language\n"
        "staff-01,Sam,,staff,cy\nstaff-02,Priya,,staff,\n",
    )
    adopt(ctx)
    built = {m.to.member_id: m for m in digests.members(ctx, ctx.now()).messages}
    assert built["staff-01"].title == "Newyddion Our Mutual"
    assert built["staff-01"].text.startswith("Fe ddywedoch chi, fe wnaethon ni\n")
    assert built["staff-01"].text.endswith("Teipiwch /settings i stopio'r cylchlythyrau hyn.")
    assert built["staff-02"].text.startswith("You said, we did\n")
    sam = member_for(ctx, "telegram", "u-staff-01")
    sections = home.summary(ctx, sam, chat.engine.router)
    assert sections[0].title == "Helo, Sam"
    assert [s.title for s in sections][-1] == "Oes gennych chi syniad?"


def test_the_guides_explain_languages_to_officers_and_translators():
    officers = (ROOT / "docs" / "officer-guide" / "languages.md").read_text(encoding="utf-8")
    for words in ("/language", "organisation.language", "survey check", "native Welsh speaker"):
        assert words in officers
    developers = (ROOT / "docs" / "developer-guide.md").read_text(encoding="utf-8")
    translators = developers.split("\n## Translations\n", 1)[1].split("\n## ", 1)[0]
    for words in ("pybabel extract", "pybabel update", "babel.cfg", "msgstr"):
        assert words in translators
    assert "(../developer-guide.md#translations)" in officers


def test_a_vote_result_goes_to_each_member_in_their_language(ctx, clock):

    from storage import outbox
    from tests.handlers.votes.test_votes import Kit

    kit = Kit(
        ctx,
        "member_id,name,email,constituency,language\n"
        "t1,Pat,,tenant,cy\nt2,Lee,,tenant,\nt3,Ruth,,tenant,cy\n",
        linked=("t1", "t2", "t3"),
    )
    kit.create(constituencies=("tenant",), quorum=50)
    kit.tick()
    kit.command("t1", "vote", "agm")
    kit.press("t1", "O blaid")
    [confirmed] = [m for m in kit.press("t1", "Cadarnhau") if RECEIPT.search(m.text)]
    code = RECEIPT.search(confirmed.text).group(0)
    kit.vote("t2", "agm", "Against")
    clock.advance(days=7)
    kit.tick()
    sent = {
        r["member_id"] or r["chat_id"]: r["payload"]
        for r in outbox.rows_for(ctx.db)
        if ":result" in r["key"]
    }
    welsh = sent["t1"]["text"]
    assert sent["t1"]["title"] == "Canlyniad: Adopt the new rules"
    assert welsh.startswith(
        "Pleidleisiodd 2 o'r 3 aelod sydd â hawl i bleidleisio (66.7%).\n"
        "Cyrhaeddwyd y cworwm: roedd rhaid i o leiaf 50% (2 aelod) bleidleisio.\n"
        "Dydy'r cynnig ddim wedi'i basio.\n"
        "2 bapur pleidleisio: 1 o blaid, 1 yn erbyn, 0 yn ymatal, 0 annilys.\n"
    )
    assert "Pleidleisiodd 1 o 2 o blaid: dydy'r cynnig ddim wedi'i basio." in welsh
    assert " the " not in welsh and sent["t3"]["text"] == welsh
    english = sent["t2"]["text"]
    assert english.startswith("2 of 3 eligible members voted (66.7%).\nQuorum met: at least 50%")
    assert "1 of 2 voted for: the resolution is not passed." in english
    assert sent["C-COUNCIL"]["text"].startswith("2 of 3 eligible members voted")  # en org

    # /vote's result button reads the stored result in the member's own language too.
    kit.command("t1", "vote")
    [shown] = kit.press("t1", "Canlyniad")
    assert shown.text.startswith("Pleidleisiodd 2 o'r 3 aelod") and shown.title.startswith(
        "Canlyniad: "
    )
    [receipt] = kit.command("t1", "receipt", code)
    assert receipt.text == f"Adopt the new rules: mae'r papur pleidleisio {code} yn y cyfrif."


def test_every_counting_method_explains_itself_in_welsh_without_english_left():
    from surveys.votes import tally

    welsh = i18n.translator("cy")
    ranked = [("ash", "elm"), ("elm", "ash"), ("oak",), ("oak", "elm"), ("ash",), ("elm",)]
    trees = ["ash", "elm", "oak"]
    counts = [
        tally.count_resolution(["for", "against", "for", "abstain", "?"]),
        tally.count_single_choice(["ash", "elm"], trees),
        tally.count_approval([{"ash"}, {"elm"}, {"oak"}], trees, 2),
        tally.count_budget([{"ash"}, {"elm"}, {"ash", "oak"}], {"ash": 5, "elm": 9, "oak": 3}, 10),
        tally.count_irv([("ash",), ("elm",), ("oak", "ash"), ("oak",)], trees, seed="s"),
        tally.count_stv(ranked * 3, [*trees, "yew"], 2, seed="s"),
    ]
    for result in counts:
        lines = [line.render(welsh) for line in result.phrases()]
        assert len(lines) == len(result.explain())
        english = {"ballot", "votes", "valid", "Round", "Stage", "Tie", "wins", "approval"}
        leftover = [line for line in lines if set(re.findall(r"[A-Za-z]+", line)) & english]
        assert leftover == []
    assert "Cyfartal rhwng ash, elm: does dim rownd gynharach yn eu gwahanu" in "\n".join(
        line.render(welsh) for line in counts[4].phrases()
    )


def closed_round_with_comments(ctx, readers: list[str], writing: list[str]):
    """Tenants reading `readers` languages ("" = the roster gives none); those whose
    language is in `writing` (by position) answer with a comment in it."""
    rows = ["member_id,name,email,constituency,language"]
    rows += [f"t{n:02},Tenant {n},,tenant,{tag}" for n, tag in enumerate(readers)]
    chat = roster_chat(ctx, "\n".join(rows) + "\n")
    round_row = open_round(ctx, "tenant-pulse")
    for n, tag in enumerate(readers):
        if n < len(writing):
            welsh = tag == "cy"
            labels = ["Hapus", "Gan amlaf", "Galwad ffôn"] if welsh else ["Happy", "Mostly"]
            chat.answer(
                f"t{n:02}",
                labels + ([] if welsh else ["Phone call"]) + [f"text:{writing[n]} {n:02}"],
            )
    pulse_rounds.close(ctx, round_row)
    closed = pulses.get_round(ctx.db, round_row["id"])
    return closed, results_of(ctx, closed)


def notes_of(found) -> dict[str, str | None]:
    return {c.text: c.language for group in found.comments.values() for c in group}


def test_a_comment_is_noted_with_its_language_when_enough_wrote_in_it(ctx):
    from handlers.pulses.results import render

    closed, found = closed_round_with_comments(
        ctx, ["cy"] * 6 + ["en"] * 4 + [""] * 2, ["Gwych"] * 6 + ["Great"] * 6
    )
    notes = notes_of(found)
    assert len(notes) == 12
    assert {notes[f"Gwych {n:02}"] for n in range(6)} == {"cy"}
    assert {notes[f"Great {n:02}"] for n in range(6, 12)} == {None}  # the organisation's
    text = unquoted(render(ctx, closed, found))
    assert "  - Gwych 00 (Welsh)\n" in text and "  - Great 06\n" in text
    # After close the language survives the rewrite, under new respondent keys.
    assert {language for _key, language in pulses.comment_writers(ctx.db, closed["id"])} == {
        None,
        "cy",
    }


def test_no_note_for_a_language_too_few_wrote_in(ctx):
    # Six read Welsh, so the language is kept with their comments; only four wrote.
    closed, found = closed_round_with_comments(
        ctx, ["cy"] * 4 + ["en"] * 8 + ["cy"] * 2, ["Gwych"] * 4 + ["Great"] * 8
    )
    assert set(notes_of(found).values()) == {None}
    assert "(Welsh)" not in pulse_results_text(ctx, closed, found)
    # Kept while the round was open, forgotten at close: a copy of the file can't say
    # which comments came from the four who read Welsh.
    assert {lang for _k, lang in pulses.comment_writers(ctx.db, closed["id"])} == {None}
    assert not list(ctx.db.execute("select 1 from pulse_comments where language is not null"))


def test_a_language_few_members_read_is_not_even_kept(ctx):
    closed, found = closed_round_with_comments(
        ctx, ["pl"] * 2 + ["en"] * 10, ["Dobrze"] * 2 + ["Great"] * 10
    )
    assert {lang for _k, lang in pulses.comment_writers(ctx.db, closed["id"])} == {None}
    assert set(notes_of(found).values()) == {None}


def test_no_notes_at_all_when_the_comments_left_unnoted_are_too_few(ctx):
    # Ten wrote in Welsh and two in English: noting Welsh would point to the two.
    closed, found = closed_round_with_comments(
        ctx, ["cy"] * 10 + ["en"] * 2, ["Gwych"] * 10 + ["Great"] * 2
    )
    assert len(notes_of(found)) == 12 and set(notes_of(found).values()) == {None}
    assert {lang for _k, lang in pulses.comment_writers(ctx.db, closed["id"])} == {None}


def pulse_results_text(ctx, closed, found) -> str:
    from handlers.pulses.results import render

    return unquoted(render(ctx, closed, found))


def test_a_results_option_names_are_in_the_readers_language(ctx, clock):
    from storage import outbox
    from surveys.localised import Local
    from surveys.votes.definitions import VoteOption
    from tests.handlers.votes.test_votes import Kit

    kit = Kit(
        ctx,
        "member_id,name,email,constituency,language\nt1,Pat,,tenant,cy\nt2,Lee,,tenant,\n",
        linked=("t1", "t2"),
    )
    names = [Local({"en": "Garden", "cy": "Gardd"}), Local({"en": "Bench", "cy": "Mainc"})]
    kit.create(id="days", method="single", options=tuple(VoteOption(name) for name in names))
    kit.tick()
    kit.vote("t2", "days", "Garden")
    clock.advance(days=7)
    kit.tick()
    sent = {
        r["member_id"]: r["payload"]["text"]
        for r in outbox.rows_for(ctx.db)
        if ":result:" in r["key"]
    }
    assert "Gardd sydd â'r nifer fwyaf o bleidleisiau." in sent["t1"]
    assert "Pleidleisiau: Gardd 1, Mainc 0." in sent["t1"]
    assert "Garden has the most votes." in sent["t2"] and "Votes: Garden 1, Bench 0." in sent["t2"]


def test_the_apology_when_something_fails_is_in_the_senders_language(ctx):
    from bot.engine import Engine
    from bot.postman import Postman
    from handlers.members.identity import member_for
    from handlers.messages import Command, Sender
    from storage import outbox

    roster_chat(ctx, "member_id,name,email,constituency,language\nt1,Pat,,tenant,cy\n")

    class Broken:
        def dispatch(self, ctx, event):
            raise RuntimeError("a bug")

    engine = Engine(ctx, Broken(), Postman(ctx.db, ctx.clock, None, "Europe/London"))
    who = Sender("telegram", "u-t1", "u-t1")
    member = member_for(ctx, "telegram", "u-t1")
    assert engine.handle(Command(who, member, "e1", name="help")) == 1
    [apology] = outbox.rows_for(ctx.db)
    assert apology["payload"]["text"].startswith("Mae'n ddrwg gen i, aeth rhywbeth o'i le")
