"""Tests of FakeWhatsApp over real HTTP: its limits, errors, window and signed webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from .whatsapp_api import DEFAULT_SECRET, DEFAULT_TOKEN, FakeWhatsApp, ManualClock, Template, sign

MEMBER = "447700900123"


class Receiver:
    """A webhook endpoint recording what it was sent (headers and body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()

        async def receive(request: web.Request) -> web.Response:
            self.requests.append((dict(request.headers), await request.read()))
            return web.Response()

        app.router.add_post("/hook", receive)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"


@pytest.fixture
async def setup() -> AsyncIterator[
    tuple[FakeWhatsApp, Receiver, ManualClock, aiohttp.ClientSession]
]:
    receiver = Receiver()
    await receiver.start()
    clock = ManualClock()
    templates = [
        Template("take_part", "en", "{{1}} has a question for you.", buttons=("Take part",))
    ]
    fake = FakeWhatsApp(
        webhook_url=receiver.url, clock=clock, templates=templates, auto_status=False
    )
    async with (
        fake,
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as http,
    ):
        yield fake, receiver, clock, http
    assert receiver.runner is not None
    await receiver.runner.cleanup()


async def send(fake: FakeWhatsApp, http: aiohttp.ClientSession, body: dict) -> tuple[int, dict]:
    body = {"messaging_product": "whatsapp", "to": MEMBER, **body}
    async with http.post(f"{fake.api_url}{fake.phone_number_id}/messages", json=body) as answer:
        return answer.status, await answer.json()


def buttons(*titles: str) -> dict:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Pick one"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": f"b{i}", "title": t}}
                    for i, t in enumerate(titles)
                ]
            },
        },
    }


def list_of(rows: list[dict]) -> dict:
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Pick one"},
            "action": {"button": "Choose", "sections": [{"title": "All", "rows": rows}]},
        },
    }


async def test_free_form_needs_an_open_window(setup) -> None:
    fake, receiver, clock, http = setup
    status, answer = await send(fake, http, {"type": "text", "text": {"body": "Hello"}})
    assert status == 400 and answer["error"]["code"] == 131047
    assert fake.window_violations == 1 and not fake.sent
    await fake.push_text(MEMBER, "hi")
    status, answer = await send(fake, http, {"type": "text", "text": {"body": "Hello"}})
    assert status == 200 and answer["messages"][0]["id"].startswith("wamid.")
    clock.advance(24 * 3600)
    status, answer = await send(fake, http, {"type": "text", "text": {"body": "Later"}})
    assert answer["error"]["code"] == 131047


async def test_templates_go_outside_the_window_with_the_right_parameters(setup) -> None:
    fake, _, _, http = setup
    template = {"name": "take_part", "language": {"code": "en"}}
    ok = {
        **template,
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Acme"}]}],
    }
    status, answer = await send(fake, http, {"type": "template", "template": ok})
    assert status == 200 and answer["messages"][0]["message_status"] == "accepted"
    status, answer = await send(fake, http, {"type": "template", "template": template})
    assert answer["error"]["code"] == 132000
    status, answer = await send(
        fake, http, {"type": "template", "template": {**ok, "language": {"code": "cy"}}}
    )
    assert answer["error"]["code"] == 132001
    assert [s.type for s in fake.sent] == ["template"]


async def test_interactive_limits(setup) -> None:
    fake, _, _, http = setup
    await fake.push_text(MEMBER, "hi")
    assert (await send(fake, http, buttons("Yes", "No", "Maybe")))[0] == 200
    for body in (
        buttons("1", "2", "3", "4"),
        buttons("A title of twenty-one"),
        list_of([{"id": str(i), "title": str(i)} for i in range(11)]),
        list_of([{"id": "a", "title": "x" * 25}]),
        list_of([{"id": "a", "title": "ok", "description": "d" * 73}]),
    ):
        fake._pair.clear()
        status, answer = await send(fake, http, body)
        assert status == 400 and answer["error"]["code"] == 131009, body
    assert fake.interactive_violations == 5
    fake._pair.clear()
    rows = [{"id": str(i), "title": "t" * 24, "description": "d" * 72} for i in range(10)]
    assert (await send(fake, http, list_of(rows)))[0] == 200


async def test_rate_limits(setup) -> None:
    fake, _, clock, http = setup
    await fake.push_text(MEMBER, "hi")
    text = {"type": "text", "text": {"body": "x"}}
    codes = [(await send(fake, http, text))[1].get("error", {}).get("code") for _ in range(6)]
    assert codes == [None] * 5 + [131056]
    clock.advance(6)
    assert (await send(fake, http, text))[0] == 200
    fake.throughput = 1
    clock.advance(6)
    await send(fake, http, text)
    assert (await send(fake, http, text))[1]["error"]["code"] == 130429


async def test_bad_token_is_refused(setup) -> None:
    fake, _, _, _ = setup
    url = f"{fake.api_url}{fake.waba_id}/message_templates"
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        assert answer.status == 401 and (await answer.json())["error"]["code"] == 190


async def test_template_list(setup) -> None:
    fake, _, _, http = setup
    async with http.get(f"{fake.api_url}{fake.waba_id}/message_templates") as answer:
        data = (await answer.json())["data"]
    assert data[0]["name"] == "take_part" and data[0]["components"][0]["text"].count("{{") == 1


async def test_webhooks_are_signed_and_redelivered_alike(setup) -> None:
    fake, receiver, _, http = setup
    event = await fake.push_text(MEMBER, "JOIN abc")
    await fake.redeliver(event)
    (h1, b1), (h2, b2) = receiver.requests
    assert b1 == b2 and h1["X-Hub-Signature-256"] == sign(b1, DEFAULT_SECRET)
    message = json.loads(b1)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["from"] == MEMBER and message["text"]["body"] == "JOIN abc"
    await send(fake, http, {"type": "text", "text": {"body": "Hello"}})
    await fake.push_status(fake.sent[-1], "failed", 131026, "Message undeliverable")
    status = json.loads(receiver.requests[-1][1])["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["status"] == "failed" and status["errors"][0]["code"] == 131026
