"""Tests of FakeSlack driven by the real slack_sdk client and a real Bolt app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from .slack_api import FakeSlack, all_text
from .slack_requests import (
    block_actions,
    message_im,
    post,
    serve_bolt,
    set_signature_clock,
    signed_headers,
    slash_command,
    url_verification,
    view_submission,
)

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
COUNCIL = "C0COUNCIL"
NOW = 1_700_000_000


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk routes every request through HTTP(S)_PROXY if set, even to 127.0.0.1.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN, clock=clock, channels=[COUNCIL]) as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.api_url)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str, action_id: str = "go", value: str = "v") -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }


def modal(title: str = "Share a view", blocks: list | None = None) -> dict:
    return {
        "type": "modal",
        "callback_id": "feedback",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": blocks if blocks is not None else [section("Tell us anything")],
    }


async def api_error(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value


# ---------------------------------------------------------------------- messages


async def test_post_and_update_message(fake: FakeSlack, client: AsyncWebClient) -> None:
    blocks = [section("*Survey* is open"), {"type": "actions", "elements": [button("Answer")]}]
    resp = await client.chat_postMessage(channel=COUNCIL, text="Survey open", blocks=blocks)
    assert resp["ok"] and resp["channel"] == COUNCIL and resp["message"]["text"] == "Survey open"
    ts = resp["ts"]

    await client.chat_update(channel=COUNCIL, ts=ts, text="Survey closed")
    [stored] = fake.posted(COUNCIL)
    assert stored["text"] == "Survey closed"
    assert stored["blocks"] == blocks  # omitted fields are kept, as on Slack
    assert "edited" in stored

    call = fake.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == blocks  # decoded from the JSON body
    assert call.headers["authorization"] == f"Bearer {TOKEN}"

    err = await api_error(client.chat_update(channel=COUNCIL, ts="1.000001", text="x"))
    assert err.response["error"] == "message_not_found"


async def test_form_encoded_blocks_are_decoded(fake: FakeSlack, client: AsyncWebClient) -> None:
    # api_call(data=...) sends a form body with blocks as a JSON string.
    blocks = [section("hello from a form")]
    await client.api_call(
        "chat.postMessage", data={"channel": COUNCIL, "blocks": json.dumps(blocks)}
    )
    assert fake.posted(COUNCIL)[0]["blocks"] == blocks


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_channel_and_text_errors(client: AsyncWebClient) -> None:
    err = await api_error(client.chat_postMessage(channel="C0NOWHERE", text="hi"))
    assert err.response["error"] == "channel_not_found"
    err = await api_error(client.chat_postMessage(channel=COUNCIL))
    assert err.response["error"] == "no_text"
    err = await api_error(client.chat_postMessage(channel=COUNCIL, text="x" * 40_001))
    assert err.response["error"] == "msg_too_long"


async def test_conversations_open_is_stable_per_user(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.conversations_open(users="U0ALICE01")
    again = await client.conversations_open(users=["U0ALICE01"])
    other = await client.conversations_open(users="U0BOB0001")
    dm = first["channel"]["id"]
    assert dm.startswith("D") and dm == again["channel"]["id"] == fake.dm_channel("U0ALICE01")
    assert other["channel"]["id"] != dm

    await client.chat_postMessage(channel=dm, text="Hello Alice")
    await client.chat_postMessage(channel="U0ALICE01", text="to the user id")
    assert [m["text"] for m in fake.posted(dm)] == ["Hello Alice", "to the user id"]


async def test_users_lookup_by_email_and_info(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_user("U0ALICE01", "alice@example.org", "Alice Example")
    hit = await client.users_lookupByEmail(email="Alice@Example.org")
    assert hit["user"]["id"] == "U0ALICE01"
    info = await client.users_info(user="U0ALICE01")
    assert info["user"]["real_name"] == "Alice Example"

    err = await api_error(client.users_lookupByEmail(email="nobody@example.org"))
    assert err.response["error"] == "users_not_found"
    err = await api_error(client.users_info(user="U0NOBODY1"))
    assert err.response["error"] == "user_not_found"


async def test_auth(fake: FakeSlack) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=fake.api_url)
    err = await api_error(wrong.chat_postMessage(channel=COUNCIL, text="hi"))
    assert err.response["error"] == "invalid_auth"
    anonymous = AsyncWebClient(base_url=fake.api_url)
    err = await api_error(anonymous.auth_test())
    assert err.response["error"] == "not_authed"

    me = await AsyncWebClient(token=TOKEN, base_url=fake.api_url).auth_test()
    assert me["user_id"] == fake.bot_user_id and me["team_id"] == fake.team_id

    err = await api_error(AsyncWebClient(token=TOKEN, base_url=fake.api_url).api_call("nope.x"))
    assert err.response["error"] == "unknown_method"


async def test_apps_connections_open_needs_app_token(fake: FakeSlack) -> None:
    resp = await AsyncWebClient(token=fake.app_token, base_url=fake.api_url).apps_connections_open(
        app_token=fake.app_token
    )
    assert resp["url"].startswith("ws://127.0.0.1")
    bot = AsyncWebClient(token=TOKEN, base_url=fake.api_url)
    err = await api_error(bot.apps_connections_open(app_token=TOKEN))
    assert err.response["error"] == "not_allowed_token_type"


# ---------------------------------------------------------------------- Block Kit


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section(f"row {i}") for i in range(51)], "no more than 50 items allowed"),
        ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text"),
        (
            [{"type": "actions", "elements": [button("b" * 76)]}],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "151"),
        ([{"type": "actions", "elements": [button(str(i)) for i in range(26)]}], "25 items"),
        ([section("ok") | {"block_id": "b" * 256}], "/blocks/0/block_id"),
        ([{"type": "actions", "elements": [button("ok", action_id="a" * 256)]}], "action_id"),
        ([{"type": "actions", "elements": [button("ok", value="v" * 2001)]}], "/value"),
    ],
)
async def test_block_kit_limits(client: AsyncWebClient, blocks: list, pointer: str) -> None:
    err = await api_error(client.chat_postMessage(channel=COUNCIL, text="t", blocks=blocks))
    assert err.response["error"] == "invalid_blocks"
    assert any(pointer in m for m in err.response["response_metadata"]["messages"])


async def test_static_select_limits(client: AsyncWebClient) -> None:
    def select(options: list) -> list:
        return [{"type": "actions", "elements": [{"type": "static_select", "options": options}]}]

    def opt(text: str, value: str = "v") -> dict:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    for options in ([opt(str(i)) for i in range(101)], [opt("o" * 76)], [opt("ok", "v" * 151)]):
        err = await api_error(
            client.chat_postMessage(channel=COUNCIL, text="t", blocks=select(options))
        )
        assert err.response["error"] == "invalid_blocks"
    await client.chat_postMessage(channel=COUNCIL, text="t", blocks=select([opt("fine")]))


# ---------------------------------------------------------------------- rate limits


async def test_forced_429_surfaces_with_retry_after(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    # The SDK only retries connection errors by default; 429 reaches the caller.
    assert not any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in client.retry_handlers)
    fake.fail_next(1, retry_after=7)
    err = await api_error(client.chat_postMessage(channel=COUNCIL, text="hi"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "7"
    assert err.response["error"] == "ratelimited"
    await client.chat_postMessage(channel=COUNCIL, text="hi")  # next call is fine
    assert [c.status for c in fake.calls] == [429, 200]


async def test_per_channel_limit_follows_the_clock(
    fake: FakeSlack, client: AsyncWebClient, clock: ManualClock
) -> None:
    for i in range(fake.post_burst):
        await client.chat_postMessage(channel=COUNCIL, text=f"burst {i}")
    err = await api_error(client.chat_postMessage(channel=COUNCIL, text="one too many"))
    assert err.response.status_code == 429
    assert int(err.response.headers["Retry-After"]) >= 1
    # Other channels have their own allowance.
    await client.chat_postMessage(channel="U0ALICE01", text="elsewhere")

    clock.now += 1.0
    await client.chat_postMessage(channel=COUNCIL, text="after a second")
    assert len(fake.posted(COUNCIL)) == fake.post_burst + 1


async def test_rate_limits_can_be_turned_off(clock: ManualClock) -> None:
    async with FakeSlack(bot_token=TOKEN, clock=clock, rate_limits=False) as fake:
        client = AsyncWebClient(token=TOKEN, base_url=fake.api_url)
        for i in range(10):
            await client.chat_postMessage(channel="U0ALICE01", text=str(i))
        assert len(fake.posted("U0ALICE01")) == 10


# ---------------------------------------------------------------------- views


async def test_views_open_needs_a_live_trigger(
    fake: FakeSlack, client: AsyncWebClient, clock: ManualClock
) -> None:
    trigger = fake.new_trigger_id("U0ALICE01")
    resp = await client.views_open(trigger_id=trigger, view=modal())
    assert resp["view"]["id"].startswith("V")
    assert fake.views_opened[0]["callback_id"] == "feedback"

    err = await api_error(client.views_open(trigger_id=trigger, view=modal()))
    assert err.response["error"] == "exchanged_trigger_id"
    err = await api_error(client.views_open(trigger_id="123.456.made-up", view=modal()))
    assert err.response["error"] == "invalid_trigger_id"

    stale = fake.new_trigger_id()
    clock.now += 3.5
    err = await api_error(client.views_open(trigger_id=stale, view=modal()))
    assert err.response["error"] == "expired_trigger_id"

    err = await api_error(
        client.views_open(trigger_id=fake.new_trigger_id(), view=modal(title="t" * 25))
    )
    assert err.response["error"] == "invalid_arguments"
    assert "[json-pointer:/view/title/text]" in err.response["response_metadata"]["messages"][0]

    updated = await client.views_update(view_id=resp["view"]["id"], view=modal(title="Thanks"))
    assert updated["view"]["id"] == resp["view"]["id"]
    assert fake.views_opened[0]["title"]["text"] == "Thanks"


async def test_views_publish_home(fake: FakeSlack, client: AsyncWebClient) -> None:
    home = {"type": "home", "blocks": [section("Welcome home")]}
    await client.views_publish(user_id="U0ALICE01", view=home)
    assert all_text(fake.views_published["U0ALICE01"]) == "Welcome home"
    too_many = {"type": "home", "blocks": [section(str(i)) for i in range(101)]}
    err = await api_error(client.views_publish(user_id="U0ALICE01", view=too_many))
    assert err.response["error"] == "invalid_arguments"


# ---------------------------------------------------------------------- files


async def test_files_upload_v2_records_bytes(fake: FakeSlack, client: AsyncWebClient) -> None:
    resp = await client.files_upload_v2(
        channel=COUNCIL,
        filename="results.csv",
        title="Survey results",
        content=b"question,score\nq1,4\n",
        initial_comment="Latest results",
    )
    assert resp["file"]["title"] == "Survey results"
    [uploaded] = fake.files
    assert uploaded.content == b"question,score\nq1,4\n"
    assert (uploaded.filename, uploaded.channel) == ("results.csv", COUNCIL)
    assert uploaded.initial_comment == "Latest results"
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


# ---------------------------------------------------------------------- all_text & waiting


def test_all_text_collects_what_a_reader_sees() -> None:
    payload = {
        "channel": "C1",
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Heading"}},
            section("Body *bold*")
            | {"accessory": button("Click", action_id="secret_id", value="secret_value")},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        ],
        "attachments": [{"title": "Att", "fields": [{"title": "F", "value": "fv"}]}],
        "metadata": {"event_payload": {"text": "hidden"}},
    }
    text = all_text(payload)
    for visible in ("fallback", "Heading", "Body *bold*", "Click", "small print", "Att", "fv"):
        assert visible in text
    for hidden in ("secret_id", "secret_value", "C1", "hidden"):
        assert hidden not in text


async def test_wait_for_wakes_on_calls(fake: FakeSlack, client: AsyncWebClient) -> None:
    task = asyncio.create_task(fake.wait_for(lambda: fake.posted(COUNCIL)))
    await asyncio.sleep(0)
    assert not task.done()
    await client.chat_postMessage(channel=COUNCIL, text="ping")
    assert (await task)[0]["text"] == "ping"


# ---------------------------------------------------------------------- Bolt


async def test_bolt_app_verifies_signatures_and_uses_fake(fake: FakeSlack) -> None:
    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=fake.api_url),
        process_before_response=True,  # the listener finishes before the HTTP reply
    )
    set_signature_clock(app, lambda: NOW)

    @app.event("message")
    async def echo(event, say) -> None:
        await say(f"echo: {event['text']}")

    @app.command("/voice")
    async def voice(ack, respond) -> None:
        await ack()
        await respond("Opening the survey")

    @app.action("answer")
    async def answer(ack, body, client) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=modal())

    @app.view("feedback")
    async def submitted(ack) -> None:
        await ack()

    assert fake.calls == []  # AsyncApp defers auth.test to the first request
    dm = fake.dm_channel("U0ALICE01")
    async with serve_bolt(app) as url:
        im = message_im("U0ALICE01", "hello", dm, "1700000000.000100")
        reply = await post(url, im, secret=SECRET, timestamp=NOW)
        assert reply.status == 200
        assert [m["text"] for m in fake.posted(dm)] == ["echo: hello"]
        assert [c.method for c in fake.calls] == ["auth.test", "chat.postMessage"]

        assert (await post(url, im, secret="wrong-secret", timestamp=NOW)).status == 401
        stale = await post(url, im, secret=SECRET, timestamp=NOW - 301)
        assert stale.status == 401  # checked against the injected clock

        redelivery = await post(url, im, secret=SECRET, timestamp=NOW, retry_num=1)
        assert redelivery.status == 200

        challenge = await post(url, url_verification("abc"), secret=SECRET, timestamp=NOW)
        assert challenge.json() == {"challenge": "abc"}

        response_url = fake.new_response_url()
        cmd = slash_command(text="start", response_url=response_url)
        assert (await post(url, cmd, secret=SECRET, timestamp=NOW)).status == 200
        assert fake.responses[0]["text"] == "Opening the survey"

        press = block_actions(
            "U0ALICE01", "answer", "s1", dm, "1.000001", trigger_id=fake.new_trigger_id()
        )
        assert (await post(url, press, secret=SECRET, timestamp=NOW)).status == 200
        assert fake.views_opened[0]["callback_id"] == "feedback"

        submit = view_submission("U0ALICE01", "feedback", "s1", {"b": {"a": "my answer"}})
        assert (await post(url, submit, secret=SECRET, timestamp=NOW)).status == 200


def test_signed_headers_round_trip() -> None:
    body = '{"a": 1}'
    headers = signed_headers(SECRET, body, NOW, "application/json")

    class Fixed(Clock):
        def now(self) -> float:
            return NOW

    assert SignatureVerifier(SECRET, clock=Fixed()).is_valid_request(body, headers)
    assert not SignatureVerifier("other", clock=Fixed()).is_valid_request(body, headers)
