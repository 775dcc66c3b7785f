"""The organisation's own words in a Welsh member's language: its name and contact, the
roster's constituencies and groups, suggestion topics, the quick-poll wrapper."""

from __future__ import annotations

import json

import pypdfium2

from bot.config import ConfigError, load_settings
from handlers import i18n
from handlers.votes.admin import quick_poll
from storage.db import open_database
from tests.bot.test_invite_letters import mv
from tests.handlers.members.test_languages import roster_chat, text_of
from tests.helpers import FakeClock, make_context

CONFIG = """
[organisation]
name = { en = "Riverside Homes", cy = "Cartrefi Glan yr Afon" }
contact = { en = "Jo Bloggs at the office, 01632 960123", cy = "Siân yn y swyddfa, 01632 960123" }

[organisation.names]
tenant = { cy = "tenantiaid" }

[suggestions]
categories = [{ en = "repairs", cy = "atgyweirio" }, "other"]

[telegram]
bot_username = "riverside_voice_bot"
"""


def welsh_ctx(tmp_path):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return make_context(FakeClock(), policy=load_settings(path, environ={}).policy)


def test_a_welsh_member_reads_the_organisations_words_in_welsh(tmp_path):
    ctx = welsh_ctx(tmp_path)
    chat = roster_chat(
        ctx, "member_id,name,email,constituency,language\nt1,Pat,,tenant,cy\nt2,Lee,,tenant,en\n"
    )
    welsh = text_of(chat.command("t1", "start"))
    assert "gwasanaeth llais aelodau Cartrefi Glan yr Afon (eich grŵp: tenantiaid)" in welsh
    assert "Riverside" not in welsh and "tenant)" not in welsh
    me = text_of(chat.command("t1", "me"))
    assert "un o aelodau Cartrefi Glan yr Afon (eich grŵp: tenantiaid)" in me
    assert "Cartrefi Glan yr Afon: dweud eich dweud" in text_of(chat.command("t1", "help"))
    english = text_of(chat.command("t2", "start"))
    assert "Riverside Homes as a tenant member" in english

    chat.command("t1", "suggest")
    chat.say("t1", "Mae'r lifft wedi torri eto ers wythnos.")
    topics = [o["label"] for o in chat.last_with_buttons("t1")["payload"]["choices"]]
    assert topics[:2] == ["Atgyweirio", "Other"]
    chat.tap("t1", "Atgyweirio")  # stored as the config's English, which the council reads
    assert ctx.db.execute("select topic from suggestion_drafts").fetchone()[0] == "repairs"
    ctx.db.close()


def test_the_default_topics_have_welsh_names(ctx):
    from handlers.settings import Suggestions

    welsh = i18n.translator("cy")
    assert [welsh.pick(t) for t in Suggestions().categories] == [
        "gwasanaethau", "fy nghartref", "gweithle", "cronfa gymunedol", "arall"]
    assert [str(t) for t in Suggestions().categories][0] == "services"


def test_a_quick_poll_is_introduced_in_each_members_language(ctx):
    from handlers.messages import Member

    officer = Member("o1", "Jo Bloggs", "staff", language="en")
    vote, _messages = quick_poll(ctx, officer, "Tea or coffee? | Tea | Coffee")
    welsh = i18n.translator("cy")
    assert welsh.pick(vote.definition.explanation) == (
        "Arolwg cyflym gan eich swyddog aelodaeth, Jo Bloggs: Tea or coffee?"
    )
    assert str(vote.definition.explanation) == "A quick poll from Jo Bloggs: Tea or coffee?"


def test_a_welsh_letter_prints_the_welsh_name_and_contact(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    (tmp_path / "mutual-voice.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(
        "member_id,name,email,constituency,address,language\n"
        "T-1,Siân Llŷr,,tenant,Fflat 3|Caernarfon LL55 1AB,cy\n"
        "T-2,Pat Murphy,,tenant,12 Oak Road|Leeds LS1 1AA,en\n",
        encoding="utf-8",
    )
    open_database(tmp_path / "mutual-voice.db").close()
    assert mv("members", "import", "roster.csv").exit_code == 0
    result = mv("members", "invite", "--letters", "invites.pdf", "--json")
    assert result.exit_code == 0, result.output
    assert [i["language"] for i in json.loads(result.output)] == ["cy", "en"]
    document = pypdfium2.PdfDocument(tmp_path / "invites.pdf")
    welsh, english = (" ".join(p.get_textpage().get_text_range().split()) for p in document)
    document.close()
    assert "Cartrefi Glan yr Afon" in welsh and "Siân yn y swyddfa, 01632" in welsh
    assert "Riverside" not in welsh and "Jo Bloggs" not in welsh
    assert "Riverside Homes" in english and "Jo Bloggs at the office" in english


def test_a_text_per_language_must_be_a_table_of_languages(tmp_path):
    path = tmp_path / "mutual-voice.toml"
    for bad, key in (
        ('[organisation]\nname = { cymraeg = "x" }\n', "organisation.name"),
        ('[organisation.names]\ntenant = "tenantiaid"\n', "organisation.names.tenant"),
        ('[organisation]\ncontact = { cy = "a\\nb" }\n', "organisation.contact"),
    ):
        path.write_text(bad, encoding="utf-8")
        try:
            load_settings(path, environ={})
        except ConfigError as error:
            assert key in str(error) and "\n" not in str(error)
        else:
            raise AssertionError(f"accepted {bad!r}")


def test_an_expired_invite_is_refused_in_the_language_the_roster_gives(ctx, clock):
    from handlers import build_router
    from handlers.members import invites
    from tests.handlers.members.test_onboarding import command
    from tests.helpers import add_members

    add_members(ctx, "member_id,name,email,constituency,language\nt1,Siân,,tenant,cy\n")
    [invite] = invites.issue(ctx, ["t1"], actor="officer")
    clock.advance(ctx.policy.invites.expiry_days * 86400 + 1)
    [refused] = build_router().dispatch(ctx, command(ctx, "start", invite.token))
    assert refused.text.startswith("Mae'r gwahoddiad hwnnw wedi dod i ben.")
    [unknown] = build_router().dispatch(ctx, command(ctx, "start", "NOT-A-TOKEN"))
    assert unknown.text.startswith("Sorry, I don't recognise that invite")  # the app's
