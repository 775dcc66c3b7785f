"""Sending a suggestion, through the real router, postman and outbox on SQLite.

`Chat` is shared by the other suggestion tests: it dispatches one event the way the
engine does (prompts are kept by the postman) and returns the outbox rows it queued.
"""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest

from bot.postman import Postman
from handlers import build_router
from handlers.members.identity import member_for
from handlers.messages import Choice, Command, Sender, Text, unquoted
from handlers.settings import Suggestions
from handlers.suggestions.chat import EMPTY, IDENTIFY, OFFER, STALE, TOO_LONG
from storage import outbox
from storage.suggestions import queries as suggestions
from tests.helpers import add_members, link

ROSTER = """member_id,name,email,constituency
tenant-0042,Pat Murphy,pat.murphy@example.org,tenant
tenant-0043,Lee Chen,,tenant
staff-0007,Sam Okafor,sam@example.org,staff
"""
PAT_ID, PAT_USER = "tenant-0042", "777000111"
LEE_ID, LEE_USER = "tenant-0043", "777000222"
SAM_ID, SAM_USER = "staff-0007", "U0SAM0007"
COUNCIL = ("slack", "C0COUNCIL")
PAT = Sender("telegram", PAT_USER, PAT_USER, "Pat")
LEE = Sender("telegram", LEE_USER, LEE_USER, "Lee")
SAM = Sender("slack", SAM_USER, SAM_USER, "Sam")
COUNCILLOR = Sender("slack", "U0COUNCIL1", COUNCIL[1], "Councillor")
MARKUP = "<!channel> *bold* <https://x.example|y> <b>hi</b>"
FORBIDDEN = (PAT_ID, PAT_USER, "Pat", "Murphy", "pat.murphy@example.org")


class Chat:
    """Members and the council talking to the bot; every reply lands in the real outbox."""

    def __init__(self, ctx) -> None:
        add_members(ctx, ROSTER)
        link(ctx, PAT_ID, "telegram", PAT_USER)
        link(ctx, LEE_ID, "telegram", LEE_USER)
        link(ctx, SAM_ID, "slack", SAM_USER)
        ctx.council = COUNCIL
        ctx.policy = dataclasses.replace(
            ctx.policy, admin=dataclasses.replace(ctx.policy.admin, officers=(SAM_ID,))
        )
        self.ctx = ctx
        self.router = build_router()
        self.postman = Postman(ctx.db, ctx.clock, COUNCIL, "Europe/London")
        self.seen: set[str] = set()

    def limits(self, **changes) -> None:
        self.ctx.policy = dataclasses.replace(
            self.ctx.policy, suggestions=dataclasses.replace(Suggestions(), **changes)
        )

    def handle(self, event) -> list[dict]:
        with self.ctx.db.atomic():
            messages = self.router.dispatch(self.ctx, event)
            self.postman.post(messages, key_prefix=f"{event.sender.platform}:{event.event_id}")
        return self.new_rows()

    def new_rows(self) -> list[dict]:
        rows = [r for r in self.rows() if r["key"] not in self.seen]
        self.seen.update(r["key"] for r in rows)
        return rows

    def rows(self) -> list[dict]:
        return outbox.rows_for(self.ctx.db)  # opens the sealed rows, as the sender does

    def _member(self, who: Sender):
        return member_for(self.ctx, who.platform, who.platform_user_id)

    def command(self, who: Sender, name: str, args: str = "") -> list[dict]:
        return self.handle(Command(who, self._member(who), uuid.uuid4().hex, name=name, args=args))

    def say(self, who: Sender, text: str) -> list[dict]:
        return self.handle(Text(who, self._member(who), uuid.uuid4().hex, text=text))

    def press(self, who: Sender, row: dict, label: str) -> list[dict]:
        [option] = [o for o in row["payload"]["choices"] if o["label"] == label]
        event = Choice(
            who,
            self._member(who),
            uuid.uuid4().hex,
            action=option["action"],
            value=option["value"],
            message_ref=row["key"],
        )
        return self.handle(event)

    def suggest(self, who: Sender, text: str, topic: str = "My home", how: str = "Anonymous"):
        """The whole flow; returns (card row, confirmation row)."""
        self.command(who, "suggest")
        [question] = self.say(who, text)
        [named] = self.press(who, question, topic)
        return tuple(self.press(who, named, how))

    def council_rows(self) -> list[dict]:
        return [r for r in self.rows() if (r["platform"], r["chat_id"]) == COUNCIL]


def to(rows: list[dict], who: Sender) -> list[dict]:
    return [r for r in rows if r["chat_id"] == who.chat_id]


def labels(row: dict) -> list[str]:
    return [o["label"] for o in row["payload"]["choices"]]


@pytest.fixture
def chat(ctx) -> Chat:
    return Chat(ctx)


def assert_council_never_learns_who(chat: Chat) -> None:
    rows = chat.council_rows()
    assert rows
    for row in rows:
        assert row["member_id"] is None
        seen = json.dumps(row["payload"]) + row["key"]
        for secret in FORBIDDEN:
            assert secret not in seen, (secret, row)


def test_whole_flow_sends_an_anonymous_card_and_says_what_happens_next(chat):
    [ask] = chat.command(PAT, "suggest")
    assert ask["payload"]["prompt"] == "suggest.text"
    assert "What would you like to tell the staff council?" in ask["payload"]["text"]
    [topic] = chat.say(PAT, "The stairwell light at Oak House has been broken for weeks")
    assert labels(topic) == [
        "Services",
        "My home",
        "Workplace",
        "Community fund",
        "Other",
        "Cancel",
    ]
    [named] = chat.press(PAT, topic, "My home")
    assert labels(named) == ["Anonymous", "With my name", "Cancel"]
    assert (
        "Pat Murphy" in named["payload"]["text"] and "not who you are" in named["payload"]["text"]
    )
    card, thanks = chat.press(PAT, named, "Anonymous")

    assert (card["platform"], card["chat_id"]) == COUNCIL
    assert card["key"] == "suggestion:1:card"
    payload = card["payload"]
    assert payload["title"] == "Suggestion #1 · my home"
    assert unquoted(payload["text"]).startswith(
        "The stairwell light at Oak House has been broken for weeks\n"
    )
    assert "From: Anonymous" in payload["text"] and "Sentiment: " in payload["text"]
    assert labels(card) == ["Acknowledge", "Under discussion", "Adopted", "Not adopted", "Reply"]

    assert thanks["chat_id"] == PAT.chat_id
    assert "#1" in thanks["payload"]["text"] and "anonymously" in thanks["payload"]["text"]
    assert "within 14 days" in thanks["payload"]["text"]
    assert suggestions.get(chat.ctx.db, 1)["status"] == "new"
    assert chat.ctx.db["suggestion_drafts"].count == 0
    assert_council_never_learns_who(chat)


def test_member_markup_reaches_the_council_as_the_same_plain_text(chat):
    card, _ = chat.suggest(PAT, MARKUP, topic="Services")
    first_line = unquoted(card["payload"]["text"]).split("\n")[0]
    assert first_line == MARKUP
    assert suggestions.get(chat.ctx.db, 1)["text"] == MARKUP
    assert_council_never_learns_who(chat)


def test_suggest_with_words_skips_the_question_and_named_shows_the_name(chat):
    [topic] = chat.command(PAT, "suggest", "More benches in the community garden please")
    [named] = chat.press(PAT, topic, "Community fund")
    card, thanks = chat.press(PAT, named, "With my name")
    assert "From: Pat Murphy" in card["payload"]["text"]
    assert "with your name" in thanks["payload"]["text"]
    assert suggestions.get(chat.ctx.db, 1)["name"] == "Pat Murphy"


def test_the_button_starts_the_same_flow(chat):
    from handlers.messages import Option

    row = {
        "key": "k",
        "payload": {"choices": [Option("Make a suggestion", "suggest.start").__dict__]},
    }
    [ask] = chat.press(PAT, row, "Make a suggestion")
    assert ask["payload"]["prompt"] == "suggest.text"


def test_free_text_is_offered_as_a_suggestion(chat):
    [offer] = chat.say(PAT, "The bins at Elm Court have not been collected for three weeks")
    assert offer["payload"]["text"] == OFFER
    assert labels(offer) == ["Yes, send it", "No"]
    [topic] = chat.press(PAT, offer, "Yes, send it")
    [named] = chat.press(PAT, topic, "Services")
    card, _ = chat.press(PAT, named, "Anonymous")
    assert unquoted(card["payload"]["text"]).startswith("The bins at Elm Court")


def test_saying_no_to_the_offer_sends_nothing(chat):
    [offer] = chat.say(PAT, "I was just wondering about something today")
    [answer] = chat.press(PAT, offer, "No")
    assert "won't send it" in answer["payload"]["text"]
    assert chat.council_rows() == [] and chat.ctx.db["suggestion_drafts"].count == 0


def test_a_greeting_is_not_offered_but_gets_a_way_in(chat):
    [answer] = chat.say(PAT, "hello")
    assert labels(answer) == ["Make a suggestion", "What can I do?"]
    assert chat.ctx.db["suggestion_drafts"].count == 0


def test_text_in_the_council_chat_is_never_offered(chat):
    chat.ctx.db["identities"].update((COUNCIL[0], SAM_USER), {"chat_id": COUNCIL[1]})
    councillor_sam = Sender("slack", SAM_USER, COUNCIL[1], "Sam")
    assert chat.say(councillor_sam, "We should talk about the stairwell lights next week") == []


def test_strangers_are_told_how_to_join(chat):
    stranger = Sender("telegram", "555", "555", "Who")
    [answer] = chat.command(stranger, "suggest")
    assert "invite" in answer["payload"]["text"]


def test_empty_text_is_refused_and_asked_again(chat):
    chat.command(PAT, "suggest")
    [again] = chat.say(PAT, "   \n\t ")
    assert again["payload"]["text"] == EMPTY and again["payload"]["prompt"] == "suggest.text"
    [topic] = chat.say(PAT, "Please fix the lift at Oak House")
    assert "Choose the closest topic" in topic["payload"]["text"]


def test_too_long_text_gets_a_friendly_limit_and_another_go(chat):
    chat.limits(max_length=60)
    chat.command(PAT, "suggest")
    [again] = chat.say(PAT, "x" * 61)
    assert again["payload"]["text"] == TOO_LONG.format(length=61, limit=60)
    assert again["payload"]["prompt"] == "suggest.text"
    [topic] = chat.say(PAT, "Shorter: fix the lift at Oak House")
    assert labels(topic)[0] == "Services"


OVER_LIMIT = (
    "You've sent 2 suggestions today, which is the most I can take in a day. "
    "Thank you for speaking up! Please send the next one tomorrow."
)


def test_daily_limit_per_member_per_day(chat, clock):
    chat.limits(per_day=2)
    chat.suggest(PAT, "First idea about the garden benches")
    chat.suggest(PAT, "Second idea about the laundry room hours")
    [refused] = chat.command(PAT, "suggest")
    assert refused["payload"]["text"] == OVER_LIMIT
    [refused] = chat.say(PAT, "A third idea typed without asking first")
    [refused] = chat.press(PAT, refused, "Yes, send it")
    assert refused["payload"]["text"] == OVER_LIMIT
    [other] = chat.command(LEE, "suggest")  # the limit is per member
    assert other["payload"]["prompt"] == "suggest.text"
    clock.advance(days=1)
    [offer] = chat.command(PAT, "suggest")  # the refused third idea is kept, and offered back
    assert labels(offer) == ["Carry on with it", "Start a new one"]
    [topic] = chat.press(PAT, offer, "Carry on with it")
    assert topic["payload"]["text"].startswith("What is it about?")


def test_contact_details_in_an_anonymous_suggestion_warn_and_can_be_edited(chat):
    chat.command(PAT, "suggest")
    [topic] = chat.say(PAT, "Ring me on 07700 900123 about the damp in my flat")
    [named] = chat.press(PAT, topic, "My home")
    [warning] = chat.press(PAT, named, "Anonymous")
    assert warning["payload"]["text"] == IDENTIFY
    assert labels(warning) == ["Send anyway", "Edit"]
    assert chat.council_rows() == []
    [ask] = chat.press(PAT, warning, "Edit")
    assert ask["payload"]["prompt"].startswith("suggest.text:")
    card, _ = chat.say(PAT, "There is damp in the flats on the north side")
    assert unquoted(card["payload"]["text"]).startswith("There is damp in the flats")
    assert card["payload"]["title"] == "Suggestion #1 · my home"


def test_an_email_address_can_be_sent_anyway(chat):
    chat.command(PAT, "suggest")
    [topic] = chat.say(PAT, "Write to me at pat.murphy@example.org about the rent letter")
    [named] = chat.press(PAT, topic, "Services")
    [warning] = chat.press(PAT, named, "Anonymous")
    card, _ = chat.press(PAT, warning, "Send anyway")
    assert "pat.murphy@example.org" in card["payload"]["text"]  # the member chose to


def test_named_suggestions_are_not_warned_about_contact_details(chat):
    card, _ = chat.suggest(PAT, "Call me on +44 7700 900123 about the boiler", how="With my name")
    assert card["chat_id"] == COUNCIL[1]


def test_cancel_and_stale_buttons(chat):
    chat.command(PAT, "suggest")
    [topic] = chat.say(PAT, "An idea I will think better of")
    [done] = chat.press(PAT, topic, "Cancel")
    assert "haven't sent anything" in done["payload"]["text"]
    [stale] = chat.press(PAT, topic, "Services")
    assert stale["payload"]["text"] == STALE
    card, _ = chat.suggest(PAT, "A real idea about the community room")
    [stale] = chat.press(LEE, card, "Acknowledge")  # a tenant can't act for the council
    assert "only the staff council" in stale["payload"]["text"]


def test_drafts_live_in_the_database_across_a_restart(chat):
    chat.command(PAT, "suggest")
    [topic] = chat.say(PAT, "The playground gate does not close properly")
    chat.router = build_router()  # as if the bot restarted between two taps
    [named] = chat.press(PAT, topic, "Community fund")
    assert labels(named)[0] == "Anonymous"


def test_similar_earlier_suggestions_are_listed(chat):
    chat.suggest(PAT, "The stairwell light at Oak House is broken")
    chat.suggest(LEE, "Could someone fix the laundry room door")
    card, _ = chat.suggest(LEE, "Broken stairwell light in Oak House again")
    assert "Similar earlier suggestions: #1" in card["payload"]["text"]
    first = chat.council_rows()[0]
    assert "Similar earlier" not in first["payload"]["text"]


def test_sentiment_label_is_on_the_card(chat):
    card, _ = chat.suggest(PAT, "The new garden is wonderful and the staff are great")
    assert "Sentiment: positive" in card["payload"]["text"]


def test_every_button_fits_telegram_callback_data(chat):
    chat.suggest(PAT, "Ring 07700 900123 please, about my broken window", how="Anonymous")
    chat.suggest(LEE, "An idea about the bins at Elm Court")
    for row in chat.rows():
        for option in row["payload"]["choices"]:
            assert len((option["action"] + option["value"]).encode()) <= 60, option


def test_drafts_and_daily_counts_are_forgotten_in_time(chat, clock):
    from handlers.suggestions.council import housekeeping

    chat.command(PAT, "suggest")
    chat.say(PAT, "A draft I never finish writing")
    chat.suggest(LEE, "An idea that was sent")
    clock.advance(days=8)
    housekeeping(chat.ctx, clock())
    assert chat.ctx.db["suggestion_drafts"].count == 0
    assert chat.ctx.db["suggestion_sends"].count == 0
    assert suggestions.get(chat.ctx.db, 1) is not None


def test_the_limit_counts_sends_per_day_and_keeps_no_time(chat, clock):
    """A time of sending kept with the member would match an anonymous suggestion's."""
    from datetime import UTC, datetime

    clock.now = datetime(2026, 12, 6, 23, 50, tzinfo=UTC)
    chat.limits(per_day=1)
    chat.suggest(PAT, "One idea about the garden today")
    rows = list(chat.ctx.db.query("select * from suggestion_sends"))
    assert rows == [{"member_id": PAT_ID, "day": "2026-12-06", "sends": 1}]
    clock.advance(minutes=5)
    [refused] = chat.command(PAT, "suggest")
    assert "tomorrow" in refused["payload"]["text"]
    clock.advance(minutes=10)  # the next day
    [ask] = chat.command(PAT, "suggest")
    assert ask["payload"]["prompt"] == "suggest.text"


def test_sends_kept_with_their_times_become_counts_per_day_on_upgrade(tmp_path):
    """A database from before: its send times (which matched suggestions' times) go."""
    from storage.db import open_database
    from storage.schema import migrate

    db = open_database(tmp_path / "old.db")
    db.execute("insert into members (member_id, constituency, created_at) values ('m1', 't', 'x')")
    db.execute("drop table suggestion_sends")
    db.execute("create table suggestion_sends (id integer primary key, member_id text, at text)")
    for at in (
        "2026-12-01T09:00:07+00:00",
        "2026-12-01T17:45:00+00:00",
        "2026-12-02T08:00:00+00:00",
    ):
        db.execute("insert into suggestion_sends (member_id, at) values ('m1', ?)", [at])
    db.execute("delete from _sqlite_migrations where name = 'm002_sends_by_day'")
    migrate(db)
    rows = db.execute("select member_id, day, sends from suggestion_sends order by day").fetchall()
    assert rows == [("m1", "2026-12-01", 2), ("m1", "2026-12-02", 1)]
    sql = db.execute("select sql from sqlite_master where name = 'suggestion_sends'").fetchone()[0]
    assert "without rowid" in sql.lower()
