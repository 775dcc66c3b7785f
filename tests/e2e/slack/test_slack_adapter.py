"""The Slack adapter end to end: signed requests to its HTTP endpoint, real Bolt and slack_sdk,
FakeSlack as the Web API, the outbox on an injected clock.

Nothing here waits on the wall clock: the clock moves only when the outbox sender has
something due (pacing, Retry-After), and the tests wait on what FakeSlack receives.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.adapters.slack import adapter as slack
from bot.app import App
from bot.config import OutboxSettings, Settings, SlackSettings
from bot.engine import SORRY
from handlers.home import NOT_ON_ROSTER
from handlers.messages import Event, Message, Option, Recipient, reply
from handlers.router import ANYONE, NOT_JOINED
from storage import members, outbox
from storage.db import open_database
from tests.e2e.slack.harness import COUNCIL, IDLE, SECRET, TOKEN, SimClock, running_slack
from tests.fakes.slack_api import FakeSlack, live_markup, readable_text
from tests.fakes.slack_requests import (
    Reply,
    app_home_opened,
    as_slack_returns,
    block_actions,
    event_callback,
    message_im,
    post,
    slash_command,
    view_submission,
)
from tests.helpers import ROSTER

SAM = "U0SAM0001"  # on the roster as s1, sam@example.org
STRANGER = "U0NOBODY1"
LITERAL = "<!channel> hi <@U123> <https://x.example|click> *bold*"


@dataclass
class Slack:
    app: App
    adapter: slack.SlackAdapter
    fake: FakeSlack
    clock: SimClock
    session: aiohttp.ClientSession
    seen: list[Event] = field(default_factory=list)

    def now(self) -> int:
        return int(self.clock().timestamp())

    async def send(self, request: tuple[str, str], **options) -> Reply:
        options.setdefault("timestamp", self.now())
        options.setdefault("secret", SECRET)
        return await post(self.session, request, url=self.adapter.url, **options)

    async def voice(self, user: str, text: str, channel: str = COUNCIL) -> Reply:
        """`/voice <text>` typed by `user`, with a fresh trigger as Slack sends."""
        trigger = self.fake.new_trigger_id(user)
        return await self.send(
            slash_command(text=text, user_id=user, channel_id=channel, trigger_id=trigger)
        )

    async def dm(self, user: str, text: str, **options) -> Reply:
        ts = f"{self.now()}.{len(self.fake.calls):06d}"
        return await self.send(message_im(user, text, self.fake.dm_channel(user), ts), **options)

    async def posted_to(self, user_or_channel: str, count: int = 1) -> list[dict]:
        """Wait until `count` messages are in a DM or channel; return them all."""
        channel = (
            self.fake.dm_channel(user_or_channel) if user_or_channel[0] == "U" else user_or_channel
        )
        await self.fake.wait_for(lambda: len(self.fake.posted(channel)) >= count)
        await self.adapter.settle()
        return self.fake.posted(channel)

    async def press(self, user: str, message: dict, index: int = 0, twice: bool = False) -> None:
        """Press a button of `message` (a stored message) as `user`, as Slack would send it."""
        button = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]][
            index
        ]
        press = block_actions(
            user,
            button["action_id"],
            button.get("value"),
            message["channel"],
            message["ts"],
            trigger_id=self.fake.new_trigger_id(user),
            message=as_slack_returns(message),
            text=as_slack_returns(button)["text"]["text"],
        )
        for _ in range(2 if twice else 1):
            assert (await self.send(press)).status == 200
        await self.adapter.settle()


def register_test_routes(slack: Slack) -> None:
    """Handlers of our own, so these tests do not depend on what the features say."""
    router = slack.app.router

    def pick(ctx, event):
        options = (Option("Tea", "test.pick", "tea"), Option("Coffee", "test.pick", "coffee"))
        return reply(event, "Tea or coffee?", choices=(*options, Option("Ask me", "test.ask")))

    def picked(ctx, event):
        slack.seen.append(event)
        return reply(event, f"You picked {event.value}.")

    def ask(ctx, event):
        return reply(event, "Say something and I'll say it back.", title="Echo", prompt="test.echo")

    def echo(ctx, event):
        slack.seen.append(event)
        card = Message(
            Recipient.staff_council(),
            event.text,
            title=event.text,
            choices=(Option(event.text, "test.pick", "x"),),
        )
        return [reply(event, event.text, title=event.text), card]

    router.command("pick")(pick)
    router.action("test.pick", who=ANYONE)(picked)
    router.command("ask")(ask)
    router.action("test.ask")(ask)
    router.prompt("test.echo")(echo)


@pytest.fixture
async def slack_app() -> AsyncIterator[Slack]:
    users = {
        SAM: ("Sam@Example.org", "Sam Okafor"),
        STRANGER: ("nobody@example.org", "Nobody Known"),
    }
    async with (
        running_slack(ROSTER, users) as (app, adapter, fake, clock),
        aiohttp.ClientSession() as session,
    ):
        harness = Slack(app, adapter, fake, clock, session)
        register_test_routes(harness)
        yield harness


def texts(messages: list[dict]) -> list[str]:
    """What each message's blocks say (the notification text repeats their start)."""
    return [readable_text(m["blocks"]) for m in messages]


# ---------------------------------------------------------------------- who is who


async def test_a_roster_member_is_matched_by_email_and_answered_in_the_dm(slack_app: Slack) -> None:
    assert (await slack_app.dm(SAM, "/me")).status == 200  # Slack shows /me as text in a DM
    reply_ = await slack_app.voice(SAM, "me")
    assert reply_.status == 200

    dm = slack_app.fake.dm_channel(SAM)
    answers = await slack_app.posted_to(SAM, 2)
    assert any("You are Sam Okafor (member s1)" in text for text in texts(answers))
    link = members.identity(slack_app.app.db, "slack", SAM)
    assert (link["member_id"], link["chat_id"]) == ("s1", dm)
    # Looked up once, then known by the link.
    assert len(slack_app.fake.calls_to("users.info")) == 1


async def test_a_stranger_gets_a_polite_note_and_no_data(slack_app: Slack) -> None:
    await slack_app.voice(STRANGER, "me")
    await slack_app.dm(STRANGER, "what do you know about me?")

    notes = texts(await slack_app.posted_to(STRANGER, 2))
    assert notes[0] == NOT_JOINED.replace("/privacy", "/voice privacy")
    assert all(
        "Sam" not in note and "s1" not in note and "example.org" not in note for note in notes
    )
    assert members.identity(slack_app.app.db, "slack", STRANGER) is None


async def test_when_slack_cannot_say_who_someone_is_they_are_asked_to_retry(
    slack_app: Slack,
) -> None:
    slack_app.fake.fail_next(1, method="users.info")
    await slack_app.dm(SAM, "hello")
    [sorry] = texts(await slack_app.posted_to(SAM))
    assert sorry == SORRY  # not "I don't know you": they may well be a member
    assert members.identity(slack_app.app.db, "slack", SAM) is None

    await slack_app.voice(SAM, "me")  # the next message finds them
    assert "You are Sam Okafor" in texts(await slack_app.posted_to(SAM, 2))[1]


async def test_no_token_or_secret_reaches_the_logs(slack_app: Slack, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await slack_app.voice(SAM, "pick")
    [question] = await slack_app.posted_to(SAM)
    await slack_app.press(SAM, question, index=0)
    await slack_app.dm(SAM, "hello", secret="wrong")
    await slack_app.posted_to(SAM, 2)
    assert "slack_sdk" in caplog.text  # the client did log its requests
    assert TOKEN not in caplog.text and SECRET not in caplog.text


async def test_bots_edits_and_joins_are_ignored(slack_app: Slack) -> None:
    body, kind = message_im(SAM, "edited", slack_app.fake.dm_channel(SAM), "1.000001")
    for change in ('"subtype": "message_changed", ', '"bot_id": "B0OTHER01", '):
        altered = body.replace('"type": "message", ', '"type": "message", ' + change)
        assert (await slack_app.send((altered, kind))).status == 200
    await slack_app.adapter.settle()
    assert outbox.rows_for(slack_app.app.db) == []


# ---------------------------------------------------------------------- signatures and retries


async def test_bad_signatures_and_stale_timestamps_are_refused_and_change_nothing(
    slack_app: Slack,
) -> None:
    forged = await slack_app.dm(SAM, "/me", secret="not-the-secret")
    stale = await slack_app.dm(SAM, "/me", timestamp=slack_app.now() - 301)
    unsigned = await slack_app.session.post(slack_app.adapter.url, data=b"{}")

    assert (forged.status, stale.status, unsigned.status) == (401, 401, 401)
    await slack_app.adapter.settle()
    db = slack_app.app.db
    assert db["processed_events"].count == 0 and db["outbox"].count == 0
    assert slack_app.fake.calls == []
    # A timestamp just inside Slack's five minutes is accepted.
    assert (await slack_app.dm(SAM, "/me", timestamp=slack_app.now() - 290)).status == 200


async def test_an_event_slack_retries_is_processed_once(slack_app: Slack) -> None:
    request = message_im(
        SAM, "/me", slack_app.fake.dm_channel(SAM), "1.000002", event_id="Ev0RETRY01"
    )
    assert (await slack_app.send(request)).status == 200
    again = await slack_app.send(request, retry_num=1, retry_reason="http_timeout")
    assert again.status == 200

    await slack_app.posted_to(SAM)
    await slack_app.adapter.settle()
    await slack_app.app.senders["slack"].drain()
    assert len(slack_app.fake.posted(slack_app.fake.dm_channel(SAM))) == 1
    assert len(outbox.rows_for(slack_app.app.db)) == 1


# ---------------------------------------------------------------------- /voice


async def test_voice_help_is_acknowledged_in_the_request_and_answered_by_dm(
    slack_app: Slack,
) -> None:
    answer = await slack_app.voice(SAM, "help")
    assert (answer.status, answer.text) == (200, slack.ON_ITS_WAY)

    [help_] = texts(await slack_app.posted_to(SAM))
    assert "/voice help - what I can do" in help_
    assert "\n/help" not in help_  # Slack would not pass a bare /help to us


async def test_bare_voice_is_help_and_arguments_are_passed_on(slack_app: Slack) -> None:
    await slack_app.voice(SAM, "")
    await slack_app.posted_to(SAM)
    await slack_app.voice(STRANGER, "START bad-token")
    [refusal] = texts(await slack_app.posted_to(STRANGER))
    assert (
        "/voice help - what I can do"
        in texts(slack_app.fake.posted(slack_app.fake.dm_channel(SAM)))[0]
    )
    assert "don't recognise that invite" in refusal


# ---------------------------------------------------------------------- buttons and modals


async def test_a_button_press_is_recorded_once_and_ticked_in_place(slack_app: Slack) -> None:
    await slack_app.voice(SAM, "pick")
    [question] = await slack_app.posted_to(SAM)

    await slack_app.press(SAM, question, index=1, twice=True)

    assert [(e.action, e.value, e.message_ref) for e in slack_app.seen] == [
        ("test.pick", "coffee", question["ts"])
    ]
    [ticked, answer] = await slack_app.posted_to(SAM, 2)
    assert all(b["type"] != "actions" for b in ticked["blocks"])
    assert ticked["blocks"][-1]["elements"][0]["text"] == "✓ Coffee"
    assert readable_text(ticked["blocks"][0]) == "Tea or coffee?"
    assert "You picked coffee." in readable_text(answer)


async def test_a_prompt_right_after_a_press_opens_a_modal_whose_answer_reaches_the_prompt(
    slack_app: Slack,
) -> None:
    await slack_app.voice(SAM, "pick")
    [question] = await slack_app.posted_to(SAM)
    await slack_app.press(SAM, question, index=2)  # "Ask me"
    [modal] = await slack_app.fake.wait_for(lambda: slack_app.fake.views_opened)
    assert modal["title"]["text"] == "Echo"

    submit = view_submission(
        SAM,
        modal["callback_id"],
        modal["private_metadata"],
        {"answer": {"text": "Hello from the modal"}},
        view_id=modal["id"],
    )
    assert (await slack_app.send(submit)).status == 200
    assert (await slack_app.send(submit)).status == 200  # re-sent: handled once
    await slack_app.adapter.settle()

    [echoed] = slack_app.seen
    assert (echoed.text, echoed.reply_to, echoed.member.member_id) == (
        "Hello from the modal",
        "test.echo",
        "s1",
    )


async def test_a_prompt_without_a_fresh_trigger_is_asked_in_the_dm(slack_app: Slack) -> None:
    await slack_app.voice(SAM, "ask")
    await slack_app.adapter.settle()
    slack_app.clock.advance(10)  # the command's trigger has expired
    await slack_app.app.senders["slack"].drain()
    [question] = await slack_app.posted_to(SAM)
    assert "Type your answer here" in readable_text(question)

    await slack_app.dm(SAM, "my reply")
    await slack_app.adapter.settle()
    assert [(e.text, e.reply_to) for e in slack_app.seen] == [("my reply", "test.echo")]


# ---------------------------------------------------------------------- member text stays literal


async def test_member_text_shows_literally_wherever_it_is_posted(slack_app: Slack) -> None:
    await slack_app.voice(SAM, "ask")
    await slack_app.adapter.settle()
    slack_app.clock.advance(10)  # answer in the DM, not a modal
    await slack_app.posted_to(SAM)
    # Typed literally, Slack sends & < > as entities.
    typed = LITERAL.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    await slack_app.dm(SAM, typed)
    await slack_app.posted_to(SAM, 2)
    [card] = await slack_app.posted_to(COUNCIL)
    await slack_app.press(SAM, card)  # the tick repeats the text too

    assert slack_app.seen[0].text == LITERAL
    calls = slack_app.fake.calls
    assert {"chat.postMessage", "chat.update"} <= {c.method for c in calls}
    assert [c for c in calls if live_markup(c)] == []  # nothing would ping, mention or link
    echo = slack_app.fake.posted(slack_app.fake.dm_channel(SAM))[1]
    [ticked_card] = slack_app.fake.posted(COUNCIL)
    for message in (echo, ticked_card):
        assert readable_text({"text": message["text"]}).startswith(f"{LITERAL} {LITERAL}")
        assert readable_text(message["blocks"]).split("\n")[:2] == [LITERAL, LITERAL]
    assert ticked_card["blocks"][-1]["elements"][0]["text"] == "✓ " + LITERAL


async def test_real_mentions_and_links_from_a_member_arrive_as_plain_words(
    slack_app: Slack,
) -> None:
    await slack_app.voice(SAM, "ask")
    await slack_app.adapter.settle()
    slack_app.clock.advance(10)
    await slack_app.posted_to(SAM)
    await slack_app.dm(SAM, "<!channel> hi <@U123> <https://x.example|click> &amp; <#C1|general>")
    await slack_app.posted_to(COUNCIL)

    assert slack_app.seen[0].text == "@channel hi @U123 click (https://x.example) & #general"
    assert all(live_markup(c) == [] for c in slack_app.fake.calls)


# ---------------------------------------------------------------------- App Home and council


async def test_app_home_shows_the_member_their_summary(slack_app: Slack) -> None:
    await slack_app.send(app_home_opened(SAM))
    await slack_app.send(app_home_opened(STRANGER))
    await slack_app.send(app_home_opened(SAM, tab="messages"))
    await slack_app.adapter.settle()

    views = slack_app.fake.views_published
    home = readable_text(views[SAM])
    assert (
        "Hello, Sam" in home
        and "staff member of Our Mutual" in home
        and "Make a suggestion" in home
    )
    assert readable_text(views[STRANGER]) == "Our Mutual\n" + NOT_ON_ROSTER.format(org="Our Mutual")
    assert len(slack_app.fake.calls_to("views.publish")) == 2

    # The home's buttons work like any other; "Make a suggestion" runs /suggest.
    [suggest] = [
        e
        for b in views[SAM]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Make a suggestion"
    ]
    press = block_actions(
        SAM,
        suggest["action_id"],
        suggest["value"],
        trigger_id=slack_app.fake.new_trigger_id(SAM),
        view=views[SAM],
        text=suggest["text"]["text"],
    )
    assert (await slack_app.send(press)).status == 200
    await slack_app.adapter.settle()
    await slack_app.fake.wait_for(
        lambda: slack_app.fake.views_opened or slack_app.fake.posted(slack_app.fake.dm_channel(SAM))
    )


async def test_council_presses_come_from_the_council_channel(slack_app: Slack) -> None:
    card = Message(
        Recipient.staff_council(),
        "A new suggestion",
        choices=(Option("Acknowledge", "test.pick", "ack"),),
    )
    slack_app.app.postman.post([card])
    [posted] = await slack_app.posted_to(COUNCIL)

    await slack_app.press(SAM, posted)

    [press] = slack_app.seen
    assert press.sender.chat_id == COUNCIL and press.member.member_id == "s1"
    assert slack_app.app.ctx.in_council_chat(press.sender.platform, press.sender.chat_id)
    # The council member's DM link is their own DM, not the channel.
    assert members.identity(slack_app.app.db, "slack", SAM)["chat_id"] == slack_app.fake.dm_channel(
        SAM
    )


async def test_the_council_answers_in_its_channel_only_when_asked(slack_app: Slack) -> None:
    def channel_message(text: str, n: int) -> tuple[str, str]:
        event = {
            "type": "message",
            "channel_type": "channel",
            "channel": COUNCIL,
            "user": SAM,
            "text": text,
            "ts": f"{slack_app.now()}.00000{n}",
        }
        return event_callback(event, event_id=f"Ev{n}")

    chatter = await slack_app.send(channel_message("Lunch at one?", 1))
    assert chatter.status == 200
    await slack_app.adapter.settle()
    assert slack_app.seen == [] and outbox.rows_for(slack_app.app.db) == []

    question = Message(Recipient.staff_council(), "Why not adopted?", prompt="test.echo")
    slack_app.app.postman.post([question])
    [asked] = await slack_app.posted_to(COUNCIL)
    assert "Type your answer here" in readable_text(asked["blocks"])
    await slack_app.send(channel_message("It costs too much this year", 2))
    await slack_app.adapter.settle()
    [answer] = slack_app.seen
    assert answer.text == "It costs too much this year" and answer.reply_to == "test.echo"
    assert answer.sender.chat_id == COUNCIL


# ---------------------------------------------------------------------- Socket Mode


async def test_socket_mode_is_wired_to_the_same_bolt_app(monkeypatch) -> None:
    clock = SimClock()
    settings = Settings(
        slack=SlackSettings(
            enabled=True,
            bot_token=TOKEN,
            app_token="xapp-1-test",
            mode="socket",
            api_url="http://127.0.0.1:9/api/",
        ),
        outbox=OutboxSettings(poll_seconds=IDLE),
    )
    app = App(settings, clock=clock, db=open_database(), sleep=clock.sleep)
    adapter = slack.SlackAdapter(app)
    handler = adapter.socket
    assert isinstance(handler, AsyncSocketModeHandler)
    assert handler.app is adapter.bolt and handler.app_token == "xapp-1-test"
    assert handler.client.web_client.base_url == "http://127.0.0.1:9/api/"

    calls = []

    async def record(name):
        calls.append(name)

    monkeypatch.setattr(handler, "connect_async", lambda: record("connect"))
    monkeypatch.setattr(handler, "close_async", lambda: record("close"))
    await adapter.start()
    assert adapter.url == "" and "slack" in app.senders
    await adapter.stop()
    assert calls == ["connect", "close"] and "slack" not in app.senders
    app.db.close()


async def test_voice_is_acknowledged_in_the_members_own_language(slack_app: Slack) -> None:
    # Sam is on the roster as s1, matched by the roster's Slack id before ever linking.
    slack_app.app.db["members"].update("s1", {"slack_user_id": SAM, "language": "cy"})
    answer = await slack_app.voice(SAM, "help")
    assert (answer.status, answer.text) == (200, "Ar ei ffordd i'n negeseuon uniongyrchol.")
    await slack_app.posted_to(SAM)
    members.set_language(slack_app.app.db, "s1", "en")  # their own choice wins
    assert (await slack_app.voice(SAM, "help")).text == slack.ON_ITS_WAY
    # Someone the bot does not know is answered in the organisation's language.
    assert (await slack_app.voice(STRANGER, "help")).text == slack.ON_ITS_WAY
